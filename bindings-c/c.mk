# The C library's part of the root Makefile (`include bindings-c/c.mk`); paths are relative to
# the repository root. Targets:
#   c-test    header drift check, release library, CTest under ASan+UBSan, one Valgrind pass,
#             every C/C++ example against the mock server, install into a temporary prefix and
#             build an example with pkg-config (shared and static) and with find_package
#   c-demo    build and run the C/C++ examples quietly (mock server, or the real API when
#             OPENAI_API_KEY is set), for `make demo`
#   install   install libopenai, openai.h, openai.hpp, openai.pc and the CMake package into PREFIX
# Standalone: make -f Makefile -f bindings-c/c.mk c-test

CARGO ?= cargo
PREFIX ?= /usr/local
C_BUILD ?= target/c
C_JOBS ?= 2
# Valgrind runs the tests at this percentage of their iteration counts.
C_VALGRIND_SCALE ?= 10
C_WITH_MOCK := OPENAI_RS_USE_MOCK=1 scripts/with-mock.sh
C_TMP_PREFIX := $(CURDIR)/$(C_BUILD)/prefix
# Runs a command quietly, showing its output only if it fails.
c_quiet = log=$$(mktemp); if ! ( $(1) ) >"$$log" 2>&1; then cat "$$log"; rm -f "$$log"; exit 1; fi; rm -f "$$log"

.PHONY: c-test c-demo install c-deps c-lib-debug c-lib-release c-mock c-header-check c-ctest-asan \
	c-ctest-valgrind c-examples-build c-examples c-install-check

c-test: c-deps c-header-check c-ctest-asan c-ctest-valgrind c-examples c-install-check
	@echo "c-test: all passed"

# The tools a fresh Debian machine may lack (gcc brings libasan/libubsan; binutils brings nm;
# libuv1-dev is for examples/c/event_loop_uv.c).
c-deps:
	@missing=(); \
	for t in cmake:cmake gcc:gcc g++:g++ make:make valgrind:valgrind pkg-config:pkg-config nm:binutils timeout:coreutils; do \
	  command -v "$${t%%:*}" >/dev/null 2>&1 || missing+=("$${t#*:}"); \
	done; \
	pkg-config --exists libuv 2>/dev/null || missing+=(libuv1-dev); \
	if [ $${#missing[@]} -gt 0 ]; then \
	  echo "c-deps: installing $${missing[*]}"; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$sudo apt-get update -q >/dev/null && $$sudo apt-get install -y -q --no-install-recommends "$${missing[@]}" >/dev/null; \
	fi

# Debug library with the test-only panic hooks (the C tests need them); build.rs regenerates
# include/openai.h as a side effect (the hooks are left out of it).
c-lib-debug:
	$(CARGO) build -p openai-ffi --features ffi-test-hooks

c-lib-release:
	$(CARGO) build -p openai-ffi --release

c-mock:
	$(CARGO) build -p openai-mock

# The committed header must be what cbindgen generates from the current code.
c-header-check: c-lib-debug
	@if git ls-files --error-unmatch bindings-c/include/openai.h >/dev/null 2>&1; then \
	  git diff --exit-code -- bindings-c/include/openai.h \
	    || { echo "bindings-c/include/openai.h is out of date: commit the regenerated header"; exit 1; }; \
	  echo "openai.h: no drift"; \
	else echo "c-header-check: openai.h is not tracked by git yet, drift check skipped"; fi

c-ctest-asan: c-deps c-lib-debug c-mock
	@echo "== C tests under AddressSanitizer + UBSan"
	@$(call c_quiet, cmake -S bindings-c/tests -B $(C_BUILD)/asan -DCMAKE_BUILD_TYPE=Debug -DOPENAI_SANITIZE=ON \
	  -DOPENAI_LIB_DIR=$(CURDIR)/target/debug && cmake --build $(C_BUILD)/asan -j $(C_JOBS))
	cd $(C_BUILD)/asan && OPENAI_RS_USE_MOCK=1 $(CURDIR)/scripts/with-mock.sh ctest --output-on-failure -j $(C_JOBS)

# Against the release library: no test hooks, and the tests that assert on wall-clock time are
# left out (everything is 20-50x slower under Valgrind).
c-ctest-valgrind: c-deps c-lib-release c-mock
	@echo "== C tests under Valgrind (release library, 0 bytes definitely lost)"
	@$(call c_quiet, cmake -S bindings-c/tests -B $(C_BUILD)/valgrind -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPENAI_VALGRIND=ON \
	  -DOPENAI_TEST_SCALE=$(C_VALGRIND_SCALE) -DOPENAI_LIB_DIR=$(CURDIR)/target/release && \
	  cmake --build $(C_BUILD)/valgrind -j $(C_JOBS))
	cd $(C_BUILD)/valgrind && OPENAI_RS_USE_MOCK=1 $(CURDIR)/scripts/with-mock.sh ctest --output-on-failure -j $(C_JOBS) -LE 'timing|hooks'

c-examples-build: c-deps c-lib-release
	@$(call c_quiet, \
	  cmake -S examples/c -B $(C_BUILD)/examples-c -DCMAKE_DISABLE_FIND_PACKAGE_openai=ON -DOPENAI_LIB_DIR=$(CURDIR)/target/release && \
	  cmake --build $(C_BUILD)/examples-c -j $(C_JOBS) && \
	  cmake -S examples/cpp -B $(C_BUILD)/examples-cpp -DCMAKE_DISABLE_FIND_PACKAGE_openai=ON -DOPENAI_LIB_DIR=$(CURDIR)/target/release && \
	  cmake --build $(C_BUILD)/examples-cpp -j $(C_JOBS))

c-examples: c-examples-build c-mock
	@echo "== C/C++ examples against the mock server"
	$(C_WITH_MOCK) bindings-c/check-examples.sh $(C_BUILD)/examples-c $(C_BUILD)/examples-cpp

# Install into a temporary prefix, then build examples the ways a user would (the same script
# checks the release tarball in `make dist-test`).
c-install-check: c-deps c-lib-release c-lib-debug c-mock
	@echo "== install into a temporary prefix; build against it with pkg-config and find_package"
	rm -rf $(C_TMP_PREFIX) $(C_BUILD)/installed
	bindings-c/install.sh $(C_TMP_PREFIX)
	$(C_WITH_MOCK) bindings-c/check-prefix.sh $(C_TMP_PREFIX) $(C_BUILD)/installed
	@# CARGO_TARGET_DIR is honoured: libraries placed only there (the debug ones, to tell them
	@# apart) are the ones installed.
	rm -rf $(C_BUILD)/alt-target $(C_BUILD)/alt-prefix && mkdir -p $(C_BUILD)/alt-target/release
	cp target/debug/libopenai.so target/debug/libopenai.a $(C_BUILD)/alt-target/release/
	CARGO_TARGET_DIR=$(C_BUILD)/alt-target bindings-c/install.sh $(C_BUILD)/alt-prefix >/dev/null
	cmp $(C_BUILD)/alt-target/release/libopenai.so $(C_BUILD)/alt-prefix/lib/libopenai.so
	cmp $(C_BUILD)/alt-target/release/libopenai.a $(C_BUILD)/alt-prefix/lib/libopenai.a

c-demo: c-examples-build c-mock
	@if [ -n "$${OPENAI_API_KEY:-}" ]; then echo "== C/C++ examples against the real API"; \
	  OPENAI_RS_REAL_API=1 bindings-c/check-examples.sh -q $(C_BUILD)/examples-c $(C_BUILD)/examples-cpp; \
	else echo "== C/C++ examples against the bundled mock server"; \
	  $(C_WITH_MOCK) bindings-c/check-examples.sh -q $(C_BUILD)/examples-c $(C_BUILD)/examples-cpp; fi

install: c-lib-release
	bindings-c/install.sh $(PREFIX)
