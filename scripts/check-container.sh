#!/usr/bin/env bash
# Builds the container image from the newest release archive (Dockerfile)
# with podman and smoke-tests it the way it is meant to run: read-only root
# file system, its non-root user, data on a volume, /tmp on a tmpfs. Waits
# until the image's HEALTHCHECK reports healthy, fetches /helpdesk and the
# wasm it names, checks that the root file system refuses writes, and stops
# it with SIGTERM, expecting a clean exit.
#   scripts/check-container.sh [dist/tambah-perangkat-otp-….tar.gz]
set -euo pipefail
cd "$(dirname "$0")/.."
archive=${1:-$(ls -t dist/*.tar.gz 2>/dev/null | head -n1)}
[ -n "$archive" ] && [ -f "$archive" ] || { echo "no release archive: run make release first" >&2; exit 1; }
case $archive in dist/*) ;; *) echo "the archive must be in dist/ (the build context)" >&2; exit 1 ;; esac

scripts/container-base.sh
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# runc rather than crun: crun refuses hybrid cgroup v1/v2 hosts. Open-file
# and process limits below the host's: raising a limit needs
# CAP_SYS_RESOURCE, which some virtual machines (these ones) withhold.
engine=(as_root podman --runtime runc)
limits=(--ulimit nofile=4096:4096 --ulimit nproc=2048:2048)
image=localhost/tambah-otp:check
name=tpo-check-$$
volume=tpo-check-data-$$
port=$(python3 scripts/free-port.py)
# Without systemd, podman says on every run and stop that it cannot add a
# health-check timer; the check is run by hand below, so that line is noise.
quiet() { "$@" 2> >(grep -v 'systemd connection' >&2); }
cleanup() {
  "${engine[@]}" rm -f "$name" >/dev/null 2>&1 || true
  "${engine[@]}" volume rm -f "$volume" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== podman build ($archive)"
# --format docker keeps the HEALTHCHECK (the OCI image format has none).
"${engine[@]}" build --format docker "${limits[@]}" --build-arg "ARCHIVE=$archive" -t "$image" . >/tmp/tpo-container-build.log 2>&1 ||
  { tail -n 30 /tmp/tpo-container-build.log >&2; exit 1; }
"${engine[@]}" image ls "$image"
[ "$("${engine[@]}" image inspect --format '{{.Config.User}}' "$image")" = 10001:10001 ] ||
  { echo "the image does not run as its non-root user" >&2; exit 1; }

echo "== podman run --read-only --user 10001:10001 (port $port)"
"${engine[@]}" volume create "$volume" >/dev/null
quiet "${engine[@]}" run -d --name "$name" "${limits[@]}" --read-only --tmpfs /tmp --user 10001:10001 \
  --cap-drop ALL --security-opt no-new-privileges \
  -v "$volume:/var/lib/tambah-otp" -p "127.0.0.1:$port:3000" \
  -e "TPO_PUBLIC_BASE_URL=http://127.0.0.1:$port" -e RUST_LOG=warn "$image" >/dev/null

status=starting
for _ in $(seq 60); do
  # Without systemd timers podman runs the check when asked.
  "${engine[@]}" healthcheck run "$name" >/dev/null 2>&1 || true
  status=$("${engine[@]}" inspect --format '{{.State.Health.Status}}' "$name")
  [ "$status" = healthy ] && break
  [ "$("${engine[@]}" inspect --format '{{.State.Running}}' "$name")" = true ] || break
  sleep 1
done
if [ "$status" != healthy ]; then
  echo "the container did not become healthy ($status); its log:" >&2
  "${engine[@]}" logs "$name" >&2
  exit 1
fi
echo "healthy"

page=$(curl -fsS "http://127.0.0.1:$port/helpdesk")
grep -q 'Helpdesk' <<<"$page" || { echo "/helpdesk is not the helpdesk page" >&2; exit 1; }
wasm=$(grep -o '/pkg/[^"]*\.wasm' <<<"$page" | head -n1)
[ -n "$wasm" ] || { echo "the page names no wasm" >&2; exit 1; }
echo "/helpdesk served; $wasm is $(curl -fsS "http://127.0.0.1:$port$wasm" | wc -c) bytes"

echo "== the root file system is read-only, the data volume is not"
if "${engine[@]}" exec "$name" /bin/bash -c ': > /opt/tambah-otp/probe' 2>/dev/null; then
  echo "the root file system accepted a write" >&2; exit 1
fi
"${engine[@]}" exec "$name" /bin/bash -c 'test "$(id -u)" = 10001 && test -s /var/lib/tambah-otp/tambah-otp.db'
echo "writes refused outside /var/lib/tambah-otp; the database is on the volume; uid 10001"

echo "== podman stop (SIGTERM)"
quiet "${engine[@]}" stop -t 30 "$name" >/dev/null
code=$("${engine[@]}" inspect --format '{{.State.ExitCode}}' "$name")
[ "$code" = 0 ] || { echo "the server exited with $code on SIGTERM; its log:" >&2; "${engine[@]}" logs "$name" >&2; exit 1; }
echo "== stopped cleanly; the container image works"
