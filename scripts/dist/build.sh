#!/usr/bin/env bash
# `make dist`: the release artifacts, in dist/ (DIST_DIR). Not in target/dist/: that is where
# cargo puts the host artifacts (build scripts, proc macros) of the `dist` profile.
#
#   openai_rs-V-cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
#       one abi3 wheel for every CPython >= 3.10 on x86_64 Linux with glibc >= 2.17
#   openai_rs-V.tar.gz
#       the sdist: builds the same package from source (needs a Rust toolchain)
#   libopenai-V-linux-x86_64.tar.gz
#       the C library for the same glibc baseline: lib/libopenai.so.MAJ.MIN.PATCH (soname
#       libopenai.so.MAJ.MIN while MAJ is 0, libopenai.so.MAJ after), lib/libopenai.a,
#       include/openai.h and openai.hpp, lib/pkgconfig/openai.pc (relocatable),
#       lib/cmake/openai/, share/doc/libopenai/ (README, licenses, changelog)
#   SHA256SUMS
#
# Why zig: this machine has glibc 2.36, and a library linked against it asks for symbol versions
# up to GLIBC_2.34 (pthread moved into libc), so plain builds are manylinux_2_34 at best; no
# manylinux container can run here. `zig cc` links against glibc 2.17 stubs instead, from a pip
# package, with no root and no container. maturin drives it (--zig) for the wheel; the C library
# is then built in the very environment maturin gave cargo (recorded by a cargo shim), into the
# same target/x86_64-unknown-linux-gnu/dist. Replaying that environment matters: build scripts
# such as ring's track CC_<target> (a wrapper path that differs between maturin and
# cargo-zigbuild), and a different value rebuilds ring and everything above it, in both builds,
# every time they alternate.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${DIST_DIR:-$root/dist}
tools=${DIST_TOOLS:-$root/target/dist-tools}
triple=x86_64-unknown-linux-gnu
glibc=2.17 # manylinux2014; keep in step with --compatibility below
profile=dist
build=$root/target/$triple/$profile
started=$SECONDS

"$root/scripts/dist/tools.sh" "$tools"
real_cargo=$(command -v "${CARGO:-cargo}")
# A cargo that records the environment of the build it is asked for, then runs the real one.
shim=$tools/cargo-shim
mkdir -p "$shim"
cat >"$shim/cargo" <<EOF
#!/usr/bin/env bash
case " \$* " in *" rustc "* | *" build "*) [ -z "\${DIST_CARGO_ENV:-}" ] || env -0 >"\$DIST_CARGO_ENV" ;; esac
exec "$real_cargo" "\$@"
EOF
chmod +x "$shim/cargo"
# maturin finds zig through the Python on PATH (`python -m ziglang`), cargo through PATH.
export PATH="$shim:$tools/bin:$PATH"
cargo_env=$tools/maturin-cargo.env
rm -f "$cargo_env"

# The workspace version is the only version: every crate inherits it, maturin puts it in the
# wheel's metadata, build.rs in openai.h.
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"$/\1/p' Cargo.toml)
[ -n "$version" ] || { echo "dist: no version in [workspace.package] of Cargo.toml" >&2; exit 1; }
major=${version%%.*}
minor=$(cut -d. -f2 <<<"$version")
# Semver: while the major version is 0, a minor release may break the ABI.
if [ "$major" = 0 ]; then soname=libopenai.so.$major.$minor; else soname=libopenai.so.$major; fi

rm -rf "$out"
mkdir -p "$out"

echo "== wheel: maturin --zig, profile $profile, manylinux2014 (glibc $glibc)"
t=$SECONDS
DIST_CARGO_ENV=$cargo_env maturin build --quiet --zig --profile "$profile" --compatibility manylinux2014 --target "$triple" \
  -m bindings-python/Cargo.toml -o "$out"
echo "   ($((SECONDS - t)) s)"

echo "== C library: zig as maturin set it up, profile $profile, glibc $glibc, soname $soname"
t=$SECONDS
[ -s "$cargo_env" ] || { echo "dist: the cargo shim did not record maturin's build environment" >&2; exit 1; }
mapfile -d '' maturin_env <"$cargo_env"
# OPENAI_SONAME: bindings-c/build.rs links with it (only openai-ffi's build script reads it, so
# nothing else rebuilds); in-tree builds keep the unversioned soname.
env -i "${maturin_env[@]}" OPENAI_SONAME="$soname" "$real_cargo" build --quiet -p openai-ffi --lib \
  --profile "$profile" --target "$triple"
echo "   ($((SECONDS - t)) s)"

echo "== sdist"
maturin sdist -m bindings-python/Cargo.toml -o "$out" >"$tools/sdist.log" 2>&1 || { cat "$tools/sdist.log"; exit 1; }

wheel=$(ls "$out"/openai_rs-"$version"-*.whl)
sdist=$out/openai_rs-$version.tar.gz
[ -f "$sdist" ] || { echo "dist: $sdist missing" >&2; exit 1; }

echo "== auditwheel show"
report=$(auditwheel show "$wheel")
echo "$report" | sed 's/^/   /'
# The platform tag must be the baseline, and nothing outside the manylinux policy may be needed
# (auditwheel wraps its sentences: match them on one line).
report=$(tr -s ' \n' ' ' <<<"$report")
grep -qF "consistent with the following platform tag: \"manylinux_2_17_x86_64\"" <<<"$report" ||
  { echo "dist: the wheel is not manylinux_2_17_x86_64" >&2; exit 1; }
if grep -qi "external shared libraries are required" <<<"$report"; then
  echo "dist: the wheel needs shared libraries outside the manylinux policy" >&2; exit 1
fi
case $wheel in *-cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl) ;;
  *) echo "dist: unexpected wheel name $wheel" >&2; exit 1 ;; esac

# The C library gets the same checks auditwheel makes: only glibc/libgcc_s libraries, and no
# symbol version newer than the baseline.
so=$build/libopenai.so
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
for lib in $needed; do
  case $lib in
    libc.so.6 | libm.so.6 | libdl.so.2 | librt.so.1 | libpthread.so.0 | libutil.so.1 | libgcc_s.so.1 | ld-linux-x86-64.so.2) ;;
    *) echo "dist: libopenai.so needs $lib, which is not part of glibc" >&2; exit 1 ;;
  esac
done
newest=$(readelf -V -W "$so" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -uV | tail -1)
if [ "$(printf '%s\n%s\n' "$newest" "GLIBC_$glibc" | sort -V | tail -1)" != "GLIBC_$glibc" ]; then
  echo "dist: libopenai.so asks for $newest, newer than glibc $glibc" >&2; exit 1
fi
got_soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$got_soname" = "$soname" ] || { echo "dist: soname is '$got_soname', not $soname" >&2; exit 1; }
echo "== libopenai.so: NEEDED $needed; newest symbol version $newest; soname $soname"

echo "== C tarball"
name=libopenai-$version-linux-x86_64
stage=$root/target/dist-stage
rm -rf "$stage"
mkdir -p "$stage"
# install.sh lays out the prefix (headers, libraries, openai.pc, the CMake package); staged
# under a placeholder prefix, then made relocatable.
DESTDIR=$stage/root TARGET_DIR=$build bindings-c/install.sh /prefix >/dev/null
mv "$stage/root/prefix" "$stage/$name"
p=$stage/$name
mv "$p/lib/libopenai.so" "$p/lib/libopenai.so.$version"
[ "$soname" = "libopenai.so.$version" ] || ln -s "libopenai.so.$version" "$p/lib/$soname"
ln -s "$soname" "$p/lib/libopenai.so"
# The static library carries the Rust standard library's debug info (about half its size);
# users who need it build from source. Under the release profile's LTO every object also
# carries its LLVM bitcode (.llvmbc, .llvmcmd), which a C linker never reads (83 -> 36 MB).
strip --strip-debug -R .llvmbc -R .llvmcmd "$p/lib/libopenai.a"
# pkg-config resolves ${pcfiledir}, so the tree works wherever it is unpacked.
sed -i 's|^prefix=.*|prefix=${pcfiledir}/../..|' "$p/lib/pkgconfig/openai.pc"
sed -i "s|IMPORTED_SONAME \"libopenai.so\"|IMPORTED_SONAME \"$soname\"|" "$p/lib/cmake/openai/openaiConfig.cmake"
grep -qF "IMPORTED_SONAME \"$soname\"" "$p/lib/cmake/openai/openaiConfig.cmake" ||
  { echo "dist: could not set the soname in openaiConfig.cmake" >&2; exit 1; }
doc=$p/share/doc/libopenai
mkdir -p "$doc"
cp LICENSE-MIT LICENSE-APACHE CHANGELOG.md "$doc/"
sed "s/@VERSION@/$version/g; s/@SONAME@/$soname/g; s/@GLIBC@/$glibc/g" scripts/dist/c-README.md >"$doc/README.md"
# Reproducible: sorted, owned by root, dated by the last commit.
mtime=$(git log -1 --format=%ct 2>/dev/null || echo 0)
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -cf - "$name" |
  gzip -9n >"$out/$name.tar.gz"

(cd "$out" && sha256sum -- *.whl *.tar.gz >SHA256SUMS)

echo "== artifacts ($((SECONDS - started)) s)"
for f in "$out"/*.whl "$out"/*.tar.gz; do
  printf '   %-75s %6s KiB\n' "$(basename "$f")" $(($(stat -c %s "$f") / 1024))
done
printf '   %-75s %6s KiB\n' "(in the tarball) libopenai.so.$version" $(($(stat -c %s "$p/lib/libopenai.so.$version") / 1024))
printf '   %-75s %6s KiB\n' "(in the tarball) libopenai.a" $(($(stat -c %s "$p/lib/libopenai.a") / 1024))
# A size budget, so that a change that doubles the download shows up here. Most of the wheel
# is the bundled BPE tables of the tokenizer (about 7 MB uncompressed).
budget_kib=${DIST_WHEEL_BUDGET_KIB:-8192}
size_kib=$(($(stat -c %s "$wheel") / 1024))
[ "$size_kib" -le "$budget_kib" ] ||
  { echo "dist: the wheel is $size_kib KiB, over its budget of $budget_kib KiB" >&2; exit 1; }
