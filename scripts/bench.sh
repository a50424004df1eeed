#!/usr/bin/env bash
# `make bench`: speed figures of the release build, on SQLite and then on
# PostgreSQL (a throwaway cluster, fsync and synchronous_commit on).
# For each database: a fresh database seeded in bulk (`server seed-bulk`),
# the real `server` binary as a separate process on loopback, and the load
# generator (tests/benches/http_load.rs) printing one line per scenario:
# requests/s, p50, p99, errors, server CPU cores used, requests per
# CPU-second, the share of /healthz's throughput in the same run (/healthz
# driven by wrk, which spends far less CPU per request than the project's
# generator), and the cores the load generator and (PostgreSQL) the
# database server used.
# The OTP step's p99 is measured on 1,000 signers and again on
# BENCH_SIGNERS (100,000 by default; BENCH_SIGNERS=1000000 for the
# million, see the README for how long that takes). On PostgreSQL two more
# processes, each with half the cores (TPO_WORKER_THREADS), take the OTP
# step together, driven by BENCH_CLIENTS in all and then by BENCH_CLIENTS
# each, and are compared with the first process alone. Then the page weight
# (scripts/page-weight.sh) and Lighthouse (scripts/lighthouse.sh;
# BENCH_LIGHTHOUSE=0 skips it) on the signer pages of the same release
# build, and the selfie pipeline's criterion bench (BENCH_SELFIE=0 skips it).
#   BENCH_SECONDS (8) per scenario, BENCH_CLIENTS (8) concurrent clients,
#   BENCH_SITE=0: no site build, page weight nor Lighthouse (server figures only),
#   BENCH_DATABASES ("sqlite postgres"): the databases measured.
set -euo pipefail
cd "$(dirname "$0")/.."
signers=${BENCH_SIGNERS:-100000}
small=1000
[ "$signers" -gt "$small" ] || { echo "BENCH_SIGNERS must be above $small" >&2; exit 2; }

printf '\n== building (release)\n'
lighthouse=${BENCH_LIGHTHOUSE:-1}
with_site=${BENCH_SITE:-1}
[ "$with_site" != 0 ] || lighthouse=0
databases=${BENCH_DATABASES:-sqlite postgres}
site=$PWD/target/site-release
scripts/ensure-tools.sh --bench
[ "$with_site" = 0 ] || scripts/build-site.sh "$site"
cargo build --locked --release -p server
cargo bench --locked -p tests --bench http_load --no-run
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
server="$target_dir/release/server"

work=$(mktemp -d /tmp/tpo-bench.XXXXXX)
chmod 755 "$work" # the PostgreSQL cluster runs as its own user when we are root
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/pg-cluster.sh stop "$work/pg" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The server's settings, shared by seed-bulk, the servers and the generator.
export TPO_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export TPO_NEW_PASSWORD="beban-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
export BENCH_PASSWORD=$TPO_NEW_PASSWORD
# Per-client request budgets are measured by their own tests, not here.
# The load generator acts as the proxy in front of the server and gives
# each request its own client address: the per-address failure budgets
# (10 free wrong codes or passwords per address) would otherwise answer 429.
export TPO_RATE_LIMIT_PER_MINUTE=100000000
export TPO_TRUSTED_PROXIES=127.0.0.1/32
export RUST_LOG=${RUST_LOG:-warn}
export BENCH_CLOCK_TICKS=$(getconf CLK_TCK)

loadgen() { # PHASE
  cargo bench --locked -q -p tests --bench http_load -- "$1"
}

start_server() { # [ENV=VALUE…]; sets $port and $pid
  port=$(python3 scripts/free-port.py)
  env "$@" TPO_BIND_ADDR=127.0.0.1:$port "$server" run >>"$TPO_DATA_DIR/server-$port.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "the server did not start:" >&2; tail -20 "$TPO_DATA_DIR/server-$port.log" >&2; exit 1
}

run_on() { # LABEL DATABASE_URL
  export BENCH_LABEL=$1 DATABASE_URL=$2
  export TPO_DATA_DIR="$work/$1" BENCH_STATE="$work/$1/state"
  mkdir -p "$TPO_DATA_DIR"
  printf '\n== %s: seeding %s signers with 3 devices\n' "$1" "$small"
  "$server" seed-bulk --signers "$small" --devices 3
  start_server
  local first_port=$port first_pid=$pid
  export BENCH_URLS="http://127.0.0.1:$port" BENCH_PIDS=$pid
  BENCH_SIGNERS=0..$small loadgen otp-small
  printf '== %s: seeding up to %s signers\n' "$1" "$signers"
  local seeded=$SECONDS
  "$server" seed-bulk --signers $((signers - small)) --first "$small" --devices 3
  printf '   (%s s)\n' $((SECONDS - seeded))
  if [ "$1" = postgres ]; then
    # The load's pages written out now rather than by a checkpoint running
    # through the scenarios that follow.
    psql -q "$2" -c CHECKPOINT
  fi
  BENCH_SIGNERS=$small..$signers loadgen all
  if [ "$1" = postgres ]; then
    # Two processes sharing this machine, each with half its cores, against
    # the first one alone with all of them.
    local share=$(( $(nproc) / 2 )) urls="http://127.0.0.1:$first_port" all_pids=$first_pid
    for _ in 1 2; do
      start_server TPO_WORKER_THREADS=$(( share > 0 ? share : 1 ))
      urls+=",http://127.0.0.1:$port" all_pids+=",$pid"
    done
    BENCH_URLS=$urls BENCH_PIDS=$all_pids BENCH_SIGNERS=$small..$signers loadgen otp-two
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}

case " $databases " in *" sqlite "*) run_on sqlite "" ;; esac
case " $databases " in *" postgres "*)
  # On a million signers the default 1 GB of log between checkpoints let
  # them come every few seconds, and their syncs stalled the commits (see
  # the README's Bench section).
  pg_url=$(PG_FSYNC=on PG_SETTINGS="-c max_wal_size=8GB" \
    scripts/pg-cluster.sh start "$work/pg" "$(python3 scripts/free-port.py)")
  BENCH_DATABASE_PID=$(head -n1 "$work/pg/postmaster.pid") run_on postgres "$pg_url"
  ;;
esac

if [ "$with_site" != 0 ]; then
  printf '\n== page weight: the signer pages of this release build\n'
  TPO_PAGE_WEIGHT_SITE=$site TPO_SERVER_BIN=$server scripts/page-weight.sh
fi

if [ "$lighthouse" != 0 ]; then
  printf '\n== Lighthouse: the signer pages of this release build\n'
  TPO_SERVER_BIN=$server TPO_SITE_ROOT=$site scripts/lighthouse.sh
fi

if [ "${BENCH_SELFIE:-1}" != 0 ]; then
  printf '\n== the selfie pipeline (criterion)\n'
  cargo bench --locked -p tests --bench selfie
fi
