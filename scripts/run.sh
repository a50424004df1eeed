#!/usr/bin/env bash
# Builds the site and runs it with the embedded defaults: a SQLite file in
# ./data, mail written to ./data/outbox, demo accounts printed on first start.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh
# --split: lazy islands (the camera, the console's editors) are chunks of
# their own; without it their imports stay unresolved and no page comes alive.
cargo leptos build --frontend-only --split
cargo build -p server
export TPO_SEED_DEMO="${TPO_SEED_DEMO:-true}"
exec "${CARGO_TARGET_DIR:-target}/debug/server" run
