#!/usr/bin/env bash
# The base image the Dockerfile builds on, made from Debian's packages:
# no image registry is reachable from these machines, but Debian's archive
# is. debootstrap lays a minimal bookworm (the release the server binary is
# built on, so its glibc matches) and podman imports it as
#   localhost/debian:bookworm-slim
# Skips the work when that image exists. Installs podman, runc and
# debootstrap from Debian when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
image=${TPO_BASE_IMAGE:-localhost/debian:bookworm-slim}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  printf '\n== installing %s from Debian\n' "${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
fi

if as_root podman image exists "$image"; then
  echo "base image $image is there"
  exit 0
fi

# The Debian mirror this machine's apt already uses.
mirror=$({ grep -rhoE '^(URIs:|deb) +[a-z]+://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null || true; } |
  grep -oE '[a-z]+://[^ ]+' | head -n1)
[ -n "$mirror" ] || { echo "no Debian mirror found in the apt sources" >&2; exit 1; }

root=$(mktemp -d /tmp/tpo-base.XXXXXX)
trap 'as_root rm -rf "$root"' EXIT
printf '\n== debootstrap --variant=minbase bookworm (from %s)\n' "$mirror"
as_root debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 ||
  { tail -n 20 "$root.log" >&2; exit 1; }
rm -f "$root.log"
# Package lists and caches are not needed at run time.
as_root rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
printf '\n== importing it as %s\n' "$image"
as_root tar -C "$root" -c . | as_root podman import - "$image" >/dev/null
as_root podman image ls "$image"
