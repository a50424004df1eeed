# The two commands a newcomer needs: `make run` and `make test`.
.PHONY: run test lint bench page-weight release release-check container-check lighthouse drills

run:
	scripts/run.sh

test:
	scripts/test.sh

lint:
	scripts/ensure-tools.sh
	cargo fmt --all -- --check
	cargo clippy --locked --all-targets -- -D warnings
	cargo clippy --locked -p frontend --target wasm32-unknown-unknown -- -D warnings

# Fault drills, backup/restore and secrets at rest (--long: bigger bursts).
drills:
	scripts/drills.sh

# Speed figures of the release build (README "Bench"): the server as its own
# process on SQLite and on PostgreSQL, seeded in bulk and driven by the load
# generator, then the selfie pipeline (criterion).
bench:
	scripts/bench.sh

# Each signer page's bytes on the wire (release site, Brotli as served),
# first load and repeat visit; also part of `make test`.
page-weight:
	scripts/page-weight.sh

# A production archive in dist/ (optimised site and server, migrations,
# example configuration, systemd unit), from a fresh clone.
release:
	scripts/release.sh

# Unpacks the newest archive and runs its systemd unit's commands on loopback.
release-check:
	scripts/check-release.sh

# Lighthouse 12 (mobile, simulated throttling) on the signer pages of the
# newest release archive: median of three runs per page.
lighthouse:
	scripts/lighthouse.sh

# Builds the Dockerfile's image from the newest archive with podman (base
# image from Debian's packages) and smoke-tests it read-only, non-root.
container-check:
	scripts/check-container.sh
