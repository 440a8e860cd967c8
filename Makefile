# The two commands of the README: `make demo` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.DEFAULT_GOAL := demo

include bindings-c/c.mk
include tests/conformance/conformance.mk
include bindings-python/py.mk
include dist.mk

.PHONY: demo demo-rust test test-deps build lint fmt rust-test examples-test fuzz-smoke bench bench-env bench-smoke soak soak-smoke clean \
	surface surface-check

## demo: build everything and run the examples (mock server, or the real API if OPENAI_API_KEY is set)
demo: build demo-rust c-demo py-demo

demo-rust: build
	@if [ -n "$${OPENAI_API_KEY:-}" ]; then echo "== running the examples against the real API"; \
	  OPENAI_RS_REAL_API=1 scripts/with-mock.sh scripts/check-core-examples.sh; \
	else echo "== running the examples against the bundled mock server"; \
	  OPENAI_RS_USE_MOCK=1 scripts/with-mock.sh scripts/check-core-examples.sh; fi

## test: every test of every layer
test: test-deps surface-check lint rust-test examples-test c-test py-test soak-smoke conformance bench-smoke fuzz-smoke dist-test
	@echo "make test: all passed"

test-deps:
	@scripts/install-test-deps.sh

build:
	$(CARGO) build --workspace --all-targets

## surface: regenerate the endpoint table (core/src/endpoints/table.rs) from tests/spec/openapi.yaml
surface: py-venv
	$(PY_BIN)/python scripts/gen-endpoints.py

## surface-check: the committed endpoint table is what the generator makes of the spec
surface-check: py-venv
	$(PY_BIN)/python scripts/gen-endpoints.py --check

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

rust-test:
	$(CARGO) test --workspace

examples-test: build
	OPENAI_RS_USE_MOCK=1 scripts/with-mock.sh scripts/check-core-examples.sh

## fuzz-smoke: 30 s of libFuzzer per target: the SSE parser, the retry-header parsers, the
## response decoders and the C library's JSON entry points, seeded from core/fuzz/seeds (needs a
## nightly toolchain; skipped without one; the first build compiles openai-core and openai-ffi
## with sanitizer coverage, about 11 minutes on 2 cores, cached in core/fuzz/target)
FUZZ_SECONDS ?= 30
fuzz-smoke:
	@if ! rustup run nightly rustc --version >/dev/null 2>&1; then \
	  echo "fuzz-smoke: skipped, no nightly toolchain (the property tests in core/src/sse.rs cover the same oracle)"; \
	else \
	  command -v cargo-fuzz >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --version 0.13.2 --locked; \
	  cd core/fuzz && for t in sse_chunking retry_headers json_decoders c_json_entry_points; do \
	    mkdir -p corpus/$$t; seeds=""; [ ! -d seeds/$$t ] || seeds=seeds/$$t; \
	    cargo +nightly fuzz run $$t corpus/$$t $$seeds -- -max_total_time=$(FUZZ_SECONDS) 2>&1 | tail -n 3; \
	  done; \
	fi

## soak: Python threads, asyncio tasks and C threads against the mock with a fault mix
## (SOAK_SECONDS, default 10 min); fails on an untyped failure, a hang, RSS growth after warm-up
## above 2 MiB, or fds not back to baseline. `make test` runs a 60 s version (soak-smoke).
SOAK_SECONDS ?= 600
soak soak-smoke: py-build py-mock c-lib-release
	@mkdir -p target/soak
	cc -std=c11 -O2 -Wall -Wextra -Werror -I bindings-c/include tests/soak/soak_c.c \
	  -L target/release -lopenai -lpthread -Wl,-rpath,$(CURDIR)/target/release -o target/soak/soak_c
	$(PY_BIN)/python scripts/soak.py --mock target/debug/openai-mock --c-bin target/soak/soak_c \
	  --seconds $(if $(filter soak-smoke,$@),60,$(SOAK_SECONDS))

## bench: openai_rs vs the official SDK vs the C library vs a raw Rust lower bound (release)
BENCH_VENV := $(CURDIR)/bench/.venv
BENCH_PY := $(BENCH_VENV)/bin/python
bench-env:
	@[ -x $(BENCH_PY) ] || python3 -m venv $(BENCH_VENV)
	$(BENCH_PY) -m pip install -q --disable-pip-version-check openai==3.54.0 maturin==1.16.0
	$(CARGO) build --release -p openai-mock -p bench-raw -p openai-ffi
	rm -rf target/bench/wheels
	$(BENCH_VENV)/bin/maturin build --release --quiet -m bindings-python/Cargo.toml -o target/bench/wheels
	$(BENCH_PY) -m pip install -q --disable-pip-version-check --force-reinstall --no-deps target/bench/wheels/openai_rs-*.whl
	cc -O2 -std=c11 -Wall -Wextra -Werror -I bindings-c/include bench/clients/c_client.c \
	  -L target/release -lopenai -lpthread -Wl,-rpath,$(CURDIR)/target/release -o target/bench/c_client

bench: bench-env
	$(BENCH_PY) bench/run.py --json bench/results.json --markdown bench/RESULTS.md

## bench-smoke: the same harness with a few requests per mode (part of make test; no timing asserted)
bench-smoke: bench-env
	$(BENCH_PY) bench/run.py --smoke

clean:
	$(CARGO) clean
	rm -rf dist
