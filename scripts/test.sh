#!/usr/bin/env bash
# Every test: unit and integration (each on SQLite and on a throwaway
# PostgreSQL cluster), then end-to-end in headless Chromium against the built
# server with a real SMTP server. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh --test

work=$(mktemp -d /tmp/tpo-test.XXXXXX)
chmod 755 "$work"   # the PostgreSQL server runs as the postgres user
cleanup() {
  scripts/pg-cluster.sh stop "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting PostgreSQL on loopback"
TPO_TEST_POSTGRES_URL=$(scripts/pg-cluster.sh start "$work/pg" "$(python3 scripts/free-port.py)")
export TPO_TEST_POSTGRES_URL

echo "== unit and integration tests (SQLite and PostgreSQL)"
cargo test --locked

echo "== building the site (wasm) and the server"
# --split: lazy islands (the camera, the console's editors) are chunks of
# their own; without it their imports stay unresolved and no page comes alive.
cargo leptos build --frontend-only --split
cargo build --locked -p server

echo "== end-to-end tests in Chromium"
export TPO_E2E_PORT=$(python3 scripts/free-port.py)
export TPO_E2E_DATA_DIR="$work/e2e"
(cd tests/e2e && npx playwright test)

echo "== page weight of the signer pages (release site, Brotli as served)"
scripts/page-weight.sh
echo "== all tests passed"
