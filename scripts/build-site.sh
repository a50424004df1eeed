#!/usr/bin/env bash
# build-site.sh [SITE_ROOT]: the production site (default target/site-release),
# apart from the debug site in target/site that `make run` and the e2e suite use.
# Release wasm through wasm-opt (binaryen from npm: cargo-leptos would
# otherwise try to download one), each lazy island (`#[island(lazy)]`: the
# camera, the forms used on one page) in chunks of its own, content-hashed file names (the server reads
# SITE_ROOT/hash.txt and serves them `immutable`), every file precompressed
# with Brotli q11 and gzip (cargo-leptos --precompress) for the server to pick
# by Accept-Encoding.
set -euo pipefail
cd "$(dirname "$0")/.."
site=${1:-target/site-release}

if [ ! -x tools/node_modules/.bin/wasm-opt ]; then
  printf '\n== installing wasm-opt (npm binaryen)\n'
  (cd tools && npm ci --no-audit --no-fund)
fi
export PATH="$PWD/tools/node_modules/.bin:$PATH"

# Leftovers of an earlier build would be served too: start empty.
rm -rf "$site"
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
LEPTOS_SITE_ROOT="$site" LEPTOS_HASH_FILES=true \
  cargo leptos build --release --frontend-only --split --precompress
# cargo-leptos writes the hashes beside the release server binary; the site
# carries its own copy so that any server binary serves it correctly.
cp "$target_dir/release/hash.txt" "$site/hash.txt"
