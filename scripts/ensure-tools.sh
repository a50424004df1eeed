#!/usr/bin/env bash
# Installs what building (and, with --test, testing; with --bench, the
# bench) needs, skipping what is already there: the wasm target,
# cargo-leptos, wasm-bindgen's CLI, and for tests the Node packages and
# Debian's packages listed below.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11 needs rustc 1.96
# Must equal the wasm-bindgen library version pinned in Cargo.toml.
WASM_BINDGEN_VERSION=0.2.130

say() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi
if ! cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (once per machine)"
  # A debug build of the tool compiles in minutes instead of tens of
  # minutes; it only orchestrates cargo, so its own speed does not matter.
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --debug
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (once per machine)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# Debian packages: for tests, Chromium, the PostgreSQL server and the sqlite3
# command line; for the bench, the PostgreSQL server and wrk.
missing=()
case "${1:-}" in
  --test)
    if [ ! -d tests/e2e/node_modules/@playwright/test ] || [ ! -d tests/e2e/node_modules/maildev ] \
      || [ ! -d tests/e2e/node_modules/@axe-core/playwright ]; then
      say "installing the end-to-end test packages"
      (cd tests/e2e && npm ci --no-audit --no-fund)
    fi
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    # `.dump` of the secrets-at-rest test and the backup drill.
    command -v sqlite3 >/dev/null || missing+=(sqlite3)
    ;;
  --bench)
    # Drives /healthz, the bench's reference, at far less CPU per request
    # than the project's own generator.
    command -v wrk >/dev/null || missing+=(wrk)
    ;;
esac
case "${1:-}" in --test | --bench)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql) ;;
esac
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
fi
