#!/usr/bin/env bash
# Installs libopenai into PREFIX: the shared and static libraries, openai.h and openai.hpp, a
# pkg-config file and a CMake package config, so that both of these work:
#
#   cc app.c $(pkg-config --cflags --libs openai)                      # PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
#   find_package(openai REQUIRED) + target_link_libraries(app openai::openai)   # CMAKE_PREFIX_PATH=$PREFIX
#
# Usage: bindings-c/install.sh PREFIX        (normally through `make install PREFIX=...`)
# Environment: LIBDIR (default lib), DESTDIR (staging root, for packagers), TARGET_DIR (where
# cargo put the release build; default: the `release` directory of cargo's target directory,
# which honours CARGO_TARGET_DIR and `build.target-dir`, else <repo>/target/release). Build first
# with `cargo build -p openai-ffi --release`.
set -euo pipefail

prefix=${1:?usage: install.sh PREFIX}
case $prefix in /*) ;; *) prefix=$(cd "$prefix" 2>/dev/null && pwd || echo "$PWD/$prefix") ;; esac
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# Cargo's own answer covers CARGO_TARGET_DIR (relative ones included) and config files.
cargo_target=$(${CARGO:-cargo} metadata --format-version 1 --no-deps --manifest-path "$repo/Cargo.toml" 2>/dev/null |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p') || true
if [ -z "$cargo_target" ]; then
  cargo_target=${CARGO_TARGET_DIR:-$repo/target}
  case $cargo_target in /*) ;; *) cargo_target=$PWD/$cargo_target ;; esac
fi
build=${TARGET_DIR:-$cargo_target/release}
libdir_name=${LIBDIR:-lib}
dest=${DESTDIR:-}

version=$(sed -n 's/^#define OPENAI_VERSION_STRING "\(.*\)"$/\1/p' "$here/include/openai.h")
[ -n "$version" ] || { echo "install.sh: no OPENAI_VERSION_STRING in openai.h" >&2; exit 1; }
for f in libopenai.so libopenai.a; do
  [ -f "$build/$f" ] || { echo "install.sh: $build/$f missing; run cargo build -p openai-ffi --release" >&2; exit 1; }
done

# System libraries the static library needs, from
#   cargo rustc -p openai-ffi --release --lib -- --print native-static-libs
# (glibc Linux; `make c-test` links an example statically with them to keep this honest).
native_static_libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

libdir="$prefix/$libdir_name"
includedir="$prefix/include"
cmakedir="$libdir/cmake/openai"
pcdir="$libdir/pkgconfig"

install -d "$dest$libdir" "$dest$includedir" "$dest$cmakedir" "$dest$pcdir"
install -m 755 "$build/libopenai.so" "$dest$libdir/libopenai.so"
install -m 644 "$build/libopenai.a" "$dest$libdir/libopenai.a"
install -m 644 "$here/include/openai.h" "$here/include/openai.hpp" "$dest$includedir/"

cat >"$dest$pcdir/openai.pc" <<EOF
prefix=$prefix
exec_prefix=\${prefix}
libdir=\${prefix}/$libdir_name
includedir=\${prefix}/include

Name: openai
Description: OpenAI API client library (openai-rs): C API in openai.h, C++17 wrapper in openai.hpp
URL: https://github.com/openai-rs/openai-rs
Version: $version
Libs: -L\${libdir} -lopenai
Libs.private: $native_static_libs
Cflags: -I\${includedir}
EOF

cmake_libs=$(printf '%s' "$native_static_libs" | sed 's/-l//g; s/ /;/g')
rel_prefix=$(realpath -m --relative-to="$cmakedir" "$prefix")
cat >"$dest$cmakedir/openaiConfig.cmake" <<EOF
# CMake package config for libopenai $version: find_package(openai) gives
#   openai::openai         the shared library (libopenai.so), with openai.h / openai.hpp
#   openai::openai_static  the static library (libopenai.a) and the system libraries it needs
get_filename_component(_openai_prefix "\${CMAKE_CURRENT_LIST_DIR}/$rel_prefix" ABSOLUTE)
if(NOT TARGET openai::openai)
  add_library(openai::openai SHARED IMPORTED)
  set_target_properties(openai::openai PROPERTIES
    IMPORTED_LOCATION "\${_openai_prefix}/$libdir_name/libopenai.so"
    IMPORTED_SONAME "libopenai.so"
    INTERFACE_INCLUDE_DIRECTORIES "\${_openai_prefix}/include")
endif()
if(NOT TARGET openai::openai_static)
  add_library(openai::openai_static STATIC IMPORTED)
  set_target_properties(openai::openai_static PROPERTIES
    IMPORTED_LOCATION "\${_openai_prefix}/$libdir_name/libopenai.a"
    INTERFACE_INCLUDE_DIRECTORIES "\${_openai_prefix}/include"
    INTERFACE_LINK_LIBRARIES "$cmake_libs")
endif()
set(openai_VERSION "$version")
unset(_openai_prefix)
EOF

cat >"$dest$cmakedir/openaiConfigVersion.cmake" <<EOF
# Compatible when the major version matches (for 0.x: the minor version too) and is not older.
set(PACKAGE_VERSION "$version")
if(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
elseif(PACKAGE_FIND_VERSION_MAJOR STREQUAL "0")
  if(PACKAGE_FIND_VERSION_MINOR STREQUAL "$(echo "$version" | cut -d. -f2)")
    set(PACKAGE_VERSION_COMPATIBLE TRUE)
  else()
    set(PACKAGE_VERSION_COMPATIBLE FALSE)
  endif()
elseif(PACKAGE_FIND_VERSION_MAJOR STREQUAL "$(echo "$version" | cut -d. -f1)")
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
else()
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
endif()
if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
  set(PACKAGE_VERSION_EXACT TRUE)
endif()
EOF

echo "installed libopenai $version into $dest$prefix"
