#!/usr/bin/env bash
# Lighthouse 12 scores of the signer pages against the release server:
# helpdesk, login, an identity check and an OTP setup page (links from a
# ticket seeded through the server's own API and its .eml outbox). Mobile,
# simulated throttling, median of three runs; prints performance, LCP, TBT
# and accessibility per page. Targets: performance >= 95, LCP <= 1.5 s,
# accessibility 100. The JSON reports land in target/lighthouse/.
#   scripts/lighthouse.sh [RUNS]
# The server is the newest release archive in dist/ (make release), unpacked
# as shipped; TPO_SERVER_BIN and TPO_SITE_ROOT name another release build
# (scripts/bench.sh passes its own).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x tools/lighthouse/node_modules/.bin/lighthouse ]; then
  printf '\n== installing Lighthouse (npm, pinned in tools/lighthouse)\n'
  (cd tools/lighthouse && npm ci --no-audit --no-fund)
fi
if [ ! -x /usr/bin/chromium ]; then
  printf '\n== installing chromium from Debian\n'
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium
fi

work=$(mktemp -d /tmp/tpo-lighthouse.XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${TPO_SERVER_BIN:-}" ]; then
  server=$TPO_SERVER_BIN
  site=${TPO_SITE_ROOT:?TPO_SITE_ROOT names the release site that goes with TPO_SERVER_BIN}
else
  archive=$(ls -t dist/*.tar.gz 2>/dev/null | head -n1)
  [ -n "$archive" ] || { echo "no release archive in dist/: run make release first" >&2; exit 1; }
  mkdir "$work/release"
  tar -C "$work/release" --strip-components=1 -xzf "$archive"
  server=$work/release/bin/server
  site=$work/release/site
  echo "== $archive"
fi

port=$(python3 scripts/free-port.py)
# A fresh database; mail goes to .eml files, which the runner reads links from.
export TPO_BIND_ADDR=127.0.0.1:$port TPO_DATA_DIR=$work/data TPO_SITE_ROOT=$site \
  TPO_SMTP_URL= DATABASE_URL= TPO_FACE_MATCH=none TPO_RATE_LIMIT_PER_MINUTE=100000 RUST_LOG=warn
"$server" run > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 150); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.2
done

node tools/lighthouse/run.mjs "http://127.0.0.1:$port" "$server" "$work/data/outbox" \
  tests/fixtures/astronaut.jpg target/lighthouse "$runs"
