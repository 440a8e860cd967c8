# Conformance to the official OpenAPI spec (issue 7). Included by the root Makefile; `make test`
# depends on `conformance`.
#
# conformance: serve tests/spec/openapi.yaml (prepared) with the pinned Prism on 127.0.0.1 and run
# the Rust, Python (when openai_rs imports in .venv) and C (when wired) suites against it.
.PHONY: conformance
conformance: py-build c-lib-release
	CARGO="$(CARGO)" scripts/conformance/run.sh
