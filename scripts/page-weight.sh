#!/usr/bin/env bash
# page-weight.sh: every signer page's bytes on the wire (Brotli, as served),
# first load and repeat visit. The check fails when a first load passes
# 200 KB or a repeat visit 10 KB. Builds the
# release site (scripts/build-site.sh) unless TPO_PAGE_WEIGHT_SITE names one
# already built, and the server unless TPO_SERVER_BIN names one (the pages'
# bytes do not depend on its profile). With TPO_PAGE_WEIGHT_REPORT=FILE the
# table is also written to FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
# Chromium and the end-to-end packages (Playwright), as `make test` installs them.
scripts/ensure-tools.sh --test
site=${TPO_PAGE_WEIGHT_SITE:-}
if [ -z "$site" ]; then
  site=target/site-release
  scripts/build-site.sh "$site"
fi
if [ -z "${TPO_SERVER_BIN:-}" ]; then
  cargo build --locked -p server
fi
# A fresh SQLite database in the work directory, never one named by the
# caller's environment: `make bench` leaves DATABASE_URL on its PostgreSQL,
# whose thousands of tickets pushed this run's out of the review queue.
unset DATABASE_URL TPO_DATABASE_URL
work=$(mktemp -d /tmp/tpo-weight.XXXXXX)
trap 'rm -rf "$work"' EXIT
touch "$work/rows.jsonl"
export TPO_E2E_SITE_ROOT=$(realpath "$site")
export TPO_E2E_PORT=${TPO_E2E_PORT:-$(python3 scripts/free-port.py)}
export TPO_E2E_DATA_DIR="$work/data"
export TPO_PAGE_WEIGHT_ROWS="$work/rows.jsonl"
export TPO_PAGE_WEIGHT_CEILING_KB=200
status=0
(cd tests/e2e && npx playwright test --config playwright.weight.config.ts) || status=$?
python3 - "$TPO_PAGE_WEIGHT_ROWS" <<'PY' | tee "${TPO_PAGE_WEIGHT_REPORT:-/dev/null}"
import json, os, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
kb = lambda n: f"{n / 1024:.1f} KB"
print("page weight: bytes on the wire (Brotli as served); first load: at most "
      f"{os.environ['TPO_PAGE_WEIGHT_CEILING_KB']} KB; repeat visit: at most 10 KB")
print(f"{'page':<30}{'first load':>12}{'requests':>10}{'repeat visit':>14}{'requests':>10}")
for r in rows:
    print(f"{r['page']:<30}{kb(r['first_load']):>12}{r['first_requests']:>10}"
          f"{kb(r['repeat_visit']):>14}{r['repeat_requests']:>10}")
PY
exit $status
