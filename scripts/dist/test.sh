#!/usr/bin/env bash
# `make dist-test`: the artifacts of `make dist` (dist/), tested the way users meet them.
#   1. the wheel in a fresh venv, with no cargo or rustc on PATH: the whole Python test suite and
#      the examples, from a copy of the tests without the package's source tree;
#   2. the same wheel under every other CPython minor version found (abi3): install, import, a
#      call, a stream;
#   3. the C tarball unpacked into a temporary prefix: C and C++ examples built with pkg-config
#      and with CMake find_package, shared and static, and run;
#   4. the sdist's own sources compiled in a fresh venv (CARGO_TARGET_DIR is the workspace's
#      target/, see below), and the wheel it gives holds the same files as the released one.
# Everything runs against the mock server (scripts/with-mock.sh, target/debug/openai-mock).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dist=${DIST_DIR:-$root/dist}
work=$root/target/dist-test
python=${PYTHON:-python3}
export OPENAI_MOCK_BIN=${OPENAI_MOCK_BIN:-$root/target/debug/openai-mock}
started=$SECONDS

version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"$/\1/p' Cargo.toml)
one() { # exactly one file matches
  local m=("$@")
  [ ${#m[@]} = 1 ] && [ -f "${m[0]}" ] || { echo "dist-test: expected one of $*; run make dist" >&2; exit 1; }
  echo "${m[0]}"
}
wheel=$(one "$dist"/openai_rs-"$version"-cp310-abi3-manylinux*_x86_64.whl)
sdist=$(one "$dist"/openai_rs-"$version".tar.gz)
ctar=$(one "$dist"/libopenai-"$version"-linux-x86_64.tar.gz)
(cd "$dist" && sha256sum --quiet -c SHA256SUMS)
rm -rf "$work"
mkdir -p "$work"
# The test tools and the test-only packages (pydantic for parse, the official SDK the schema tests
# compare with), at the versions the source-tree tests use. Ray is left out: its test skips.
pins=$(grep -E '^(pytest|pytest-asyncio|python-dotenv|pydantic|openai)==' bindings-python/requirements-dev.txt | tr '\n' ' ')
quiet_pip=(--quiet --disable-pip-version-check)

# ---- 1. the wheel, without a Rust toolchain ----------------------------------------------------
echo "== 1. wheel in a fresh venv, no cargo/rustc on PATH: Python test suite and examples"
t=$SECONDS
no_rust_path=
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -n "$d" ] && [ ! -e "$d/cargo" ] && [ ! -e "$d/rustc" ] && no_rust_path=${no_rust_path:+$no_rust_path:}$d
done
venv=$work/venv-wheel
"$python" -m venv "$venv"
# From here on the environment has no Rust: if pip tried to build anything from source, or the
# package needed a toolchain at run time, this would fail.
no_rust=(env -u CARGO -u RUSTC -u CARGO_HOME -u RUSTUP_HOME -u CARGO_TARGET_DIR PATH="$venv/bin:$no_rust_path")
"${no_rust[@]}" bash -c '! command -v cargo && ! command -v rustc' >/dev/null ||
  { echo "dist-test: cargo or rustc is still on PATH" >&2; exit 1; }
"${no_rust[@]}" python -m pip install "${quiet_pip[@]}" --only-binary :all: "$wheel" $pins
# A copy of the tracked files without the package's sources (bindings-python/python): the tests,
# the examples, the mock's certificates and the fixtures come along, `import openai_rs` can only
# find the installed wheel.
stage=$work/src
mkdir -p "$stage"
git ls-files -z | grep -zv '^bindings-python/python/' | xargs -0 cp --parents -t "$stage"
seeds=${OPENAI_RS_SEED_SCRIPTS:-$(cd "$root/.." && pwd)/shared/seed-scripts}
(cd "$stage/bindings-python" &&
  "${no_rust[@]}" OPENAI_RS_SEED_SCRIPTS="$seeds" python -m pytest -q -p no:cacheprovider)
"${no_rust[@]}" OPENAI_RS_USE_MOCK=1 "$stage/scripts/with-mock.sh" python scripts/dist/smoke.py "$version"
"${no_rust[@]}" OPENAI_RS_USE_MOCK=1 "$stage/scripts/with-mock.sh" "$stage/bindings-python/run-examples.sh" \
  >"$work/examples.log" 2>&1 || { cat "$work/examples.log"; echo "dist-test: an example failed" >&2; exit 1; }
echo "   examples/python: $(grep -c '^---- ' "$work/examples.log") scripts ran against the installed wheel ($((SECONDS - t)) s)"

# ---- 2. other CPython minor versions ------------------------------------------------------------
echo "== 2. the same wheel under other CPython versions (abi3)"
t=$SECONDS
main_minor=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
tested=()
for minor in 3.10 3.12 3.13 3.14; do
  [ "$minor" = "$main_minor" ] && continue
  exe=
  for c in $(command -v "python$minor" 2>/dev/null) "$pyenv_root"/versions/"$minor"*/bin/python"$minor" /usr/bin/python"$minor"; do
    # Free-threaded builds (3.13t) cannot load abi3 wheels; skip them.
    if [ -x "$c" ] && "$c" -c 'import sys, venv, sysconfig; sys.exit(bool(sysconfig.get_config_var("Py_GIL_DISABLED")))' 2>/dev/null; then exe=$c; break; fi
  done
  [ -n "$exe" ] || continue
  v=$work/venv-py$minor
  "$exe" -m venv "$v"
  "${no_rust[@]}" "$v/bin/python" -m pip install "${quiet_pip[@]}" --no-index --no-deps "$wheel"
  "${no_rust[@]}" OPENAI_RS_USE_MOCK=1 scripts/with-mock.sh "$v/bin/python" scripts/dist/smoke.py "$version"
  tested+=("$minor ($exe)")
done
[ ${#tested[@]} -gt 0 ] || {
  echo "dist-test: no CPython other than $main_minor found (tried python3.10/3.12/3.13/3.14 on PATH," \
    "in $pyenv_root/versions and /usr/bin)" >&2
  exit 1
}
echo "   tested under ${tested[*]} ($((SECONDS - t)) s)"

# ---- 3. the C tarball ---------------------------------------------------------------------------
echo "== 3. C tarball in a temporary prefix"
t=$SECONDS
prefix=$work/c-prefix
mkdir -p "$prefix"
tar -C "$prefix" --strip-components=1 -xzf "$ctar"
for f in include/openai.h include/openai.hpp lib/libopenai.a lib/libopenai.so lib/pkgconfig/openai.pc \
  lib/cmake/openai/openaiConfig.cmake lib/cmake/openai/openaiConfigVersion.cmake \
  share/doc/libopenai/README.md share/doc/libopenai/LICENSE-MIT share/doc/libopenai/LICENSE-APACHE; do
  [ -e "$prefix/$f" ] || { echo "dist-test: $f missing from $(basename "$ctar")" >&2; exit 1; }
done
OPENAI_RS_USE_MOCK=1 scripts/with-mock.sh bindings-c/check-prefix.sh "$prefix" "$work/c"
# Programs record the versioned soname, so a later incompatible libopenai cannot be picked up.
soname=$(readelf -d "$prefix/lib/libopenai.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
readelf -d "$work/c/chat-pkgconfig" | grep -qF "[$soname]" ||
  { echo "dist-test: chat-pkgconfig does not record $soname" >&2; exit 1; }
# openai_version() of the shipped library is the workspace version.
cat >"$work/c/version.c" <<'EOF'
#include <openai.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  printf("%s\n", openai_version());
  return strcmp(openai_version(), OPENAI_VERSION_STRING) != 0;
}
EOF
cc -std=c99 "$work/c/version.c" $(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs openai) \
  -Wl,-rpath,"$prefix/lib" -o "$work/c/version"
[ "$("$work/c/version")" = "$version" ] || { echo "dist-test: openai_version() is not $version" >&2; exit 1; }
echo "   soname $soname, openai_version() $version ($((SECONDS - t)) s)"

# ---- 4. the sdist -------------------------------------------------------------------------------
echo "== 4. sdist: build from source in a fresh venv"
t=$SECONDS
v=$work/venv-sdist
"$python" -m venv "$v"
# CARGO_TARGET_DIR is the workspace's target/, so the crates.io dependencies, at the versions of
# the sdist's Cargo.lock, are reused from the release builds of `make test` (a cold compile is
# about four more minutes; DIST_SDIST_TARGET_DIR=<empty dir> forces it). The sdist's own crates
# must still be compiled from the sdist: cargo names a path crate's outputs by its place in the
# workspace, not by its absolute path, so with the tarball's old mtimes it would take the objects
# already compiled from the source tree. Hence the sdist is unpacked here with fresh mtimes and
# built from that directory, as pip does with the tarball, which it would otherwise unpack itself.
# --no-cache-dir: pip must not hand back a wheel it built on an earlier run.
src=$work/sdist-src
mkdir -p "$src"
tar -C "$src" -xzf "$sdist"
find "$src" -exec touch {} +
CARGO_TARGET_DIR=${DIST_SDIST_TARGET_DIR:-$root/target} \
  "$v/bin/python" -m pip wheel -v --disable-pip-version-check --no-cache-dir --no-deps -w "$work/sdist-wheel" \
  "$src/openai_rs-$version" >"$work/sdist-build.log" 2>&1 || { cat "$work/sdist-build.log"; exit 1; }
for crate in openai-core openai-rs-python; do
  grep -q "Compiling $crate v$version ($src/" "$work/sdist-build.log" ||
    { echo "dist-test: $crate was not compiled from the sdist (see $work/sdist-build.log)" >&2; exit 1; }
done
built=$(one "$work"/sdist-wheel/openai_rs-"$version"-*.whl)
"$v/bin/python" -m pip install "${quiet_pip[@]}" --no-index "$built"
OPENAI_RS_USE_MOCK=1 scripts/with-mock.sh "$v/bin/python" scripts/dist/smoke.py "$version"
# Same package: the same files (the platform tag in the name and the WHEEL file aside).
"$v/bin/python" - "$wheel" "$built" <<'EOF'
import sys, zipfile
a, b = (sorted(zipfile.ZipFile(p).namelist()) for p in sys.argv[1:])
if a != b:
    sys.exit(f"the sdist's wheel differs from the released one: {sorted(set(a) ^ set(b))}")
print(f"   the sdist's wheel holds the same {len(a)} files as the released one")
EOF
echo "   ($((SECONDS - t)) s)"

echo "dist-test: all passed ($((SECONDS - started)) s)"
