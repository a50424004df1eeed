#!/usr/bin/env bash
# Fault drills, the backup and restore drill and the secrets-at-rest check,
# on SQLite and on a throwaway PostgreSQL cluster. Each fault drill prints
# its counts (requests, tickets created, acknowledged, found, mails checked).
#
#   scripts/drills.sh          the short form, as `make test` runs it (~1 min)
#   scripts/drills.sh --long   bursts ten times bigger, three rounds
#
# The drills (tests/tests/api/drills.rs):
#   sigkill           the real server binary is SIGKILLed during a burst of
#                     helpdesk requests; every acknowledged ticket exists with
#                     its mail queued, and the restarted server sends them
#   smtp-down         SMTP is down for a whole burst; every mail arrives once
#                     it is back (outbox retries)
#   postgres-restart  the drill's own PostgreSQL cluster is restarted under
#                     load; /readyz says 503 while it is down and 200 after,
#                     requests work again, nothing acknowledged is lost
#   disk-full         a small tmpfs under the data directory (needs root to
#                     mount, else the drill says it skipped) is filled: the
#                     user gets the Indonesian "try again" message, nothing is
#                     half-written (no ticket without its mail, no partial
#                     mail file), and all works once there is space again
set -euo pipefail
cd "$(dirname "$0")/.."

scale=1 rounds=1
case "${1:-}" in
  "") ;;
  --long) scale=10 rounds=3 ;;
  *) echo "usage: $0 [--long]" >&2; exit 2 ;;
esac
scripts/ensure-tools.sh --test

if [ -z "${TPO_TEST_POSTGRES_URL:-}" ]; then
  work=$(mktemp -d /tmp/tpo-drills.XXXXXX)
  chmod 755 "$work"   # the PostgreSQL server runs as the postgres user
  trap 'scripts/pg-cluster.sh stop "$work/pg" || true; rm -rf "$work"' EXIT
  TPO_TEST_POSTGRES_URL=$(scripts/pg-cluster.sh start "$work/pg" "$(python3 scripts/free-port.py)")
  export TPO_TEST_POSTGRES_URL
fi

for round in $(seq "$rounds"); do
  echo "== drills, round $round of $rounds (burst scale $scale)"
  TPO_DRILL_SCALE=$scale cargo test --locked -p tests --test api -- \
    drills:: backup:: secrets_at_rest::
done
echo "== all drills passed"
