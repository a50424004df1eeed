#!/usr/bin/env bash
# A production build from a fresh clone: the optimised site (wasm through
# wasm-opt) and server, packed with the migrations, an example configuration
# and a systemd unit into dist/tambah-perangkat-otp-VERSION-ARCH.tar.gz.
# Installs what it needs first: the build tools (ensure-tools.sh); the site
# (hashed, precompressed) comes from scripts/build-site.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh

printf '\n== building the site and the server (release)\n'
scripts/build-site.sh target/site-release
cargo build --locked --release -p server

target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
version=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "server"))')
name="tambah-perangkat-otp-$version-$(uname -m)-linux"
stage="dist/$name"
rm -rf "$stage" "dist/$name.tar.gz"
mkdir -p "$stage/bin" "$stage/migrations"
cp "$target_dir/release/server" "$stage/bin/server"
cp -r target/site-release "$stage/site"
cp -r migrations/sqlite migrations/postgres "$stage/migrations/"
cp deploy/tambah-otp.service deploy/tambah-otp.env.example deploy/INSTALL.md "$stage/"
tar -C dist -czf "dist/$name.tar.gz" "$name"
printf '\n== release archive\n'
ls -l "dist/$name.tar.gz"
du -sh "$stage/bin/server" "$stage/site"
