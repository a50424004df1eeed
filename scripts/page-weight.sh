#!/usr/bin/env bash
# page-weight.sh: every signer page's bytes on the wire (Brotli, as served),
# first load and repeat visit, against the budget (200 KB / 10 KB); fails when
# a page is over it. Builds the release site (scripts/build-site.sh) unless
# TPO_PAGE_WEIGHT_SITE names one already built, and the server unless
# TPO_SERVER_BIN names one (the pages' bytes do not depend on its profile).
# With TPO_PAGE_WEIGHT_REPORT=FILE the table is also written to FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
site=${TPO_PAGE_WEIGHT_SITE:-}
if [ -z "$site" ]; then
  site=target/site-release
  scripts/build-site.sh "$site"
fi
if [ -z "${TPO_SERVER_BIN:-}" ]; then
  cargo build --locked -p server
fi
work=$(mktemp -d /tmp/tpo-weight.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TPO_E2E_SITE_ROOT=$(realpath "$site")
export TPO_E2E_PORT=${TPO_E2E_PORT:-$(python3 scripts/free-port.py)}
export TPO_E2E_DATA_DIR="$work/data"
(cd tests/e2e && npx playwright test --config playwright.weight.config.ts)
