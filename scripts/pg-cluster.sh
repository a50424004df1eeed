#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the tests.
#   scripts/pg-cluster.sh start DIR PORT   -> prints the admin URL
#   scripts/pg-cluster.sh stop DIR
# PG_FSYNC=on keeps fsync (the tests turn it off for speed; the bench does not);
# PG_SETTINGS adds server settings ("-c name=value …").
# Uses the Debian PostgreSQL 15 server binaries; as root it runs them as the
# postgres user (initdb refuses root).
set -euo pipefail
cmd=${1:?start or stop}; dir=${2:?directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
case "$cmd" in
  start)
    port=${3:?port}
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_owner "'$bin/initdb' -D '$dir' -U postgres --auth=trust -E UTF8 --no-sync" >/dev/null
    fi
    as_owner "'$bin/pg_ctl' -D '$dir' -l '$dir/server.log' -w -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-off} -c max_connections=300 ${PG_SETTINGS:-}\" start" >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -f "$dir/postmaster.pid" ] && as_owner "'$bin/pg_ctl' -D '$dir' -m fast -w stop" >/dev/null || true
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
