# Release artifacts (included by the root Makefile); the work is in scripts/dist/.
#   make dist        dist/: the abi3 manylinux2014 wheel, the sdist, the C tarball,
#                    SHA256SUMS (tools: a venv in target/dist-tools with maturin, ziglang and
#                    auditwheel from PyPI)
#   make dist-test   those artifacts tested as users meet them (part of make test)

.PHONY: dist dist-test

dist:
	scripts/dist/build.sh

# test-deps: the proxies the Python suite starts; c-deps: cmake, pkg-config, binutils;
# py-mock: the mock server every check runs against.
dist-test: dist test-deps c-deps py-mock
	scripts/dist/test.sh
