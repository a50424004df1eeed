# The two commands a newcomer needs: `make run` and `make test`.
.PHONY: run test lint bench

run:
	scripts/run.sh

test:
	scripts/test.sh

lint:
	scripts/ensure-tools.sh
	cargo fmt --all -- --check
	cargo clippy --locked --all-targets -- -D warnings
	cargo clippy --locked -p frontend --target wasm32-unknown-unknown -- -D warnings

# Speed figures: the selfie pipeline (criterion) and a loopback load run (release builds).
bench:
	cargo bench -p tests --bench selfie
	cargo bench -p tests --bench http_load
