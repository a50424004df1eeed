#!/usr/bin/env bash
# Checks a release archive the way a server uses it: the systemd unit passes
# `systemd-analyze verify`, and the unit's own ExecStartPre and ExecStart
# lines, run from the unpacked archive with the example configuration, serve
# the optimised site and stop cleanly on SIGTERM.
#   scripts/check-release.sh [dist/tambah-perangkat-otp-….tar.gz]
set -euo pipefail
cd "$(dirname "$0")/.."
archive=${1:-$(ls -t dist/*.tar.gz | head -n1)}
work=$(mktemp -d /tmp/tpo-release.XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

tar -C "$work" --strip-components=1 -xzf "$archive"
port=$(python3 scripts/free-port.py)
# The example configuration, pointed at this machine's loopback and a
# throwaway data directory.
sed -e "s|^TPO_BIND_ADDR=.*|TPO_BIND_ADDR=127.0.0.1:$port|" \
    -e "s|^TPO_PUBLIC_BASE_URL=.*|TPO_PUBLIC_BASE_URL=http://127.0.0.1:$port|" \
    -e "s|^TPO_SMTP_URL=.*|TPO_SMTP_URL=|" \
    -e "s|/var/lib/tambah-otp|$work/data|; s|/opt/tambah-otp|$work|" \
    "$work/tambah-otp.env.example" > "$work/check.env"
# The unit as shipped, with its paths pointed at the unpacked archive.
sed -e "s|/etc/tambah-otp/tambah-otp.env|$work/check.env|; s|/opt/tambah-otp|$work|g" \
    "$work/tambah-otp.service" > "$work/tambah-otp.service.checked"
mv "$work/tambah-otp.service.checked" "$work/tambah-otp-check.service"

echo "== systemd-analyze verify"
systemd-analyze verify "$work/tambah-otp-check.service"

unit_line() { sed -n "s|^$1=||p" "$work/tambah-otp-check.service"; }
# The environment file read as systemd reads it (KEY=value lines, the value
# taken verbatim), not as shell: `Helpdesk BSrE <…>` is one value.
mapfile -t config < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$work/check.env")
echo "== ExecStartPre: $(unit_line ExecStartPre)"
mkdir -p "$work/data" && chmod 700 "$work/data"
(cd "$work" && env "${config[@]}" $(unit_line ExecStartPre))
echo "== ExecStart: $(unit_line ExecStart)"
(cd "$work" && exec env "${config[@]}" $(unit_line ExecStart)) > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/healthz"; echo
page=$(curl -fsS "http://127.0.0.1:$port/helpdesk")
wasm=$(grep -o '/pkg/[^"]*\.wasm' <<<"$page" | head -n1)
[ -n "$wasm" ] || { echo "the page names no wasm" >&2; exit 1; }
bytes=$(curl -fsS "http://127.0.0.1:$port$wasm" | wc -c)
echo "helpdesk page served; $wasm is $bytes bytes"
kill -TERM "$pid"
status=0; wait "$pid" || status=$?
pid=
[ "$status" = 0 ] || { echo "the server exited with $status on SIGTERM; its log:" >&2; cat "$work/server.log" >&2; exit 1; }
echo "== stopped cleanly on SIGTERM; the release archive works"
