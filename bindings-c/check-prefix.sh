#!/usr/bin/env bash
# Builds the C and C++ examples against an installed libopenai the ways a user would, with
# pkg-config and with CMake find_package, linked shared and static, and runs them against the
# server in OPENAI_BASE_URL (run it under scripts/with-mock.sh). Used by `make c-install-check`
# (a prefix made by install.sh) and `make dist-test` (the unpacked release tarball).
# Usage: bindings-c/check-prefix.sh PREFIX OUT_DIR
set -euo pipefail
prefix=$(cd "${1:?usage: check-prefix.sh PREFIX OUT_DIR}" && pwd -P)
out=${2:?usage: check-prefix.sh PREFIX OUT_DIR}
repo=$(cd "$(dirname "$0")/.." && pwd)
jobs=${C_JOBS:-2}
[ -n "${OPENAI_BASE_URL:-}" ] || { echo "check-prefix: OPENAI_BASE_URL is not set (run under scripts/with-mock.sh)" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
pc() { PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config "$@"; }
# Runs a command quietly, showing its output only if it fails.
quiet() { local log; log=$(mktemp); if ! "$@" >"$log" 2>&1; then cat "$log"; rm -f "$log"; return 1; fi; rm -f "$log"; }
static_libs=$(pc --static --libs-only-l openai | sed 's/-lopenai//')

echo "== pkg-config: C and C++, shared and static"
cc -std=c99 -Wall -Wextra -Werror -pedantic "$repo/examples/c/chat.c" $(pc --cflags --libs openai) \
  -Wl,-rpath,"$prefix/lib" -o "$out/chat-pkgconfig"
c++ -std=c++17 -Wall -Wextra -Werror -pedantic "$repo/examples/cpp/stream.cpp" $(pc --cflags --libs openai) \
  -Wl,-rpath,"$prefix/lib" -o "$out/stream-pkgconfig"
cc -std=c99 -Wall -Wextra -Werror -pedantic "$repo/examples/c/chat.c" $(pc --cflags openai) \
  "$prefix/lib/libopenai.a" $static_libs -o "$out/chat-static"
c++ -std=c++17 -Wall -Wextra -Werror -pedantic "$repo/examples/cpp/stream.cpp" $(pc --cflags openai) \
  "$prefix/lib/libopenai.a" $static_libs -o "$out/stream-static"
for b in chat-static stream-static; do
  if readelf -d "$out/$b" | grep -q libopenai; then echo "$b links libopenai.so"; exit 1; fi
done

echo "== CMake find_package: C and C++, shared and static"
for lang in c cpp; do
  for kind in shared static; do
    static=OFF; [ $kind = static ] && static=ON
    dir=$out/cmake-$lang-$kind
    cmake -S "$repo/examples/$lang" -B "$dir" -DCMAKE_PREFIX_PATH="$prefix" -DOPENAI_STATIC=$static >"$dir.log" 2>&1 ||
      { cat "$dir.log"; exit 1; }
    grep -qF "using the package in $prefix" "$dir.log" ||
      { cat "$dir.log"; echo "check-prefix: CMake did not use the package in $prefix"; exit 1; }
    # Static links are slow (a 20 MB executable each): only the examples that are run.
    targets=(); [ $kind = shared ] || { [ $lang = c ] && targets=(--target chat) || targets=(--target chat_cpp stream_cpp); }
    quiet cmake --build "$dir" -j "$jobs" "${targets[@]}"
  done
done
for b in "$out"/cmake-c-static/chat "$out"/cmake-cpp-static/chat; do
  if readelf -d "$b" | grep -q libopenai; then echo "$b links libopenai.so"; exit 1; fi
done

echo "== run them"
for b in chat-pkgconfig chat-static cmake-c-shared/chat cmake-c-static/chat cmake-cpp-shared/chat cmake-cpp-static/chat; do
  "$out/$b" | grep -qF "You said: Explain how a neural network works" || { echo "FAIL $b"; exit 1; }
done
for b in stream-pkgconfig stream-static cmake-cpp-shared/stream cmake-cpp-static/stream; do
  "$out/$b" | grep -qF "finish_reason: stop" || { echo "FAIL $b"; exit 1; }
done
echo "installed package in $prefix: pkg-config and find_package builds, C and C++, shared and static, work"
