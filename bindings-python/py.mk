# Python package (bindings-python/): included by the root Makefile.
#
#   make py-venv    create .venv at the repo root (if missing) with the pinned tools
#   make py-build   build the extension (debug) and install it into .venv (editable)
#   make py-test    ruff check + format check, the types layout is the generator's
#                   (scripts/gen-types-layout.py), mypy.stubtest, pytest (against the mock)
#   make py-typecheck  mypy and pyright (pinned, installed from npm into .tools/) on the
#                   typing corpus (bindings-python/tests/typing_corpus), against openai_rs and,
#                   with the imports rewritten, against the official openai package
#   make py-demo    run examples/python against the mock (or the real API, see below)
#
# py-demo runs against the bundled mock server unless OPENAI_API_KEY is set and
# OPENAI_RS_USE_MOCK is not, in which case scripts/with-mock.sh leaves the real API in place.

PY_DIR      := $(CURDIR)/bindings-python
PY_VENV     ?= $(CURDIR)/.venv
PY_BIN      := $(PY_VENV)/bin
PYTHON      ?= python3
PY_STAMP    := $(PY_VENV)/.openai-rs-dev-tools
PY_MOCK_BIN := $(CURDIR)/target/debug/openai-mock
# maturin develop needs to know the venv; the tools must run from it.
PY_ENV      := VIRTUAL_ENV=$(PY_VENV) PATH=$(PY_BIN):$$PATH

.PHONY: py-venv py-build py-test py-demo py-mock py-typecheck py-pyright

PYRIGHT_VERSION := 1.1.414
PYRIGHT_DIR     := $(CURDIR)/.tools/pyright
PYRIGHT         := $(PYRIGHT_DIR)/node_modules/.bin/pyright

py-venv: $(PY_STAMP)

$(PY_STAMP): $(PY_DIR)/requirements-dev.txt
	@[ -x $(PY_BIN)/python ] || $(PYTHON) -m venv $(PY_VENV) || { \
	  echo "py-venv: '$(PYTHON) -m venv' failed; Python >= 3.10 with the venv module is needed" \
	       "(Debian/Ubuntu: apt-get install python3-venv)" >&2; rm -rf $(PY_VENV); exit 1; }
	@$(PY_BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { \
	  echo "py-venv: Python >= 3.10 is needed (set PYTHON=python3.X)" >&2; exit 1; }
	$(PY_BIN)/python -m pip install --quiet --disable-pip-version-check -r $(PY_DIR)/requirements-dev.txt
	@cp $< $@

py-build: py-venv
	cd $(PY_DIR) && $(PY_ENV) maturin develop --quiet

py-mock:
	$(CARGO) build -p openai-mock

# The npm package, not the pip `pyright` wrapper (which downloads node at run time).
py-pyright:
	@if [ "$$($(PYRIGHT) --version 2>/dev/null)" != "pyright $(PYRIGHT_VERSION)" ]; then \
	  command -v npm >/dev/null || { echo "py-pyright: npm (node >= 18) is needed" >&2; exit 1; }; \
	  mkdir -p $(PYRIGHT_DIR) && \
	  npm install --prefix $(PYRIGHT_DIR) --no-audit --no-fund --loglevel=error \
	    pyright@$(PYRIGHT_VERSION); fi

py-typecheck: py-build py-pyright
	$(PY_BIN)/python scripts/typecheck-corpus.py --pyright $(PYRIGHT) --against both

py-test: py-build py-mock py-typecheck
	cd $(PY_DIR) && $(PY_BIN)/ruff check . && $(PY_BIN)/ruff format --check .
	$(PY_BIN)/python scripts/gen-types-layout.py --check
	cd $(PY_DIR) && $(PY_BIN)/python -m mypy.stubtest openai_rs --allowlist stubtest-allowlist.txt --allowlist stubtest-allowlist-manual.txt
	cd $(PY_DIR) && OPENAI_MOCK_BIN=$(PY_MOCK_BIN) $(PY_BIN)/python -m pytest -q -p no:cacheprovider

py-demo: py-build py-mock
	@if [ -n "$${OPENAI_API_KEY:-}" ] && [ "$${OPENAI_RS_USE_MOCK:-0}" != "1" ]; then \
	  echo "== python examples against the real API"; \
	  PATH=$(PY_BIN):$$PATH scripts/with-mock.sh $(PY_DIR)/run-examples.sh; \
	else echo "== python examples against the bundled mock server"; \
	  OPENAI_RS_USE_MOCK=1 PATH=$(PY_BIN):$$PATH scripts/with-mock.sh $(PY_DIR)/run-examples.sh; fi
