#!/usr/bin/env bash
# Installs transom into a temporary prefix (scripts/install.sh) and builds and runs a C program
# outside the source tree against it: with pkg-config, and with CMake's find_package (shared and
# static). The programs open a window under xvfb-run. Also checks that DESTDIR stages the files
# without changing the paths they name. Exits non-zero on any failure.
#
# Usage: tests/install/run.sh
# Env:   PROFILE  cargo profile to install (default dev: reuses the test build)
#        KEEP=1   keep the temporary directory
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export PROFILE=${PROFILE:-dev}

for tool in pkg-config cmake cc xvfb-run readelf; do
  command -v "$tool" >/dev/null || { echo "install test: $tool is missing (scripts/setup-debian.sh installs it)" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/transom-install.XXXXXX")
if [ "${KEEP:-0}" != 1 ]; then trap 'rm -rf "$tmp"' EXIT; else echo "install test: keeping $tmp"; fi
version=$(sed -n 's/^#define TRANSOM_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' "$root/include/transom.h" | paste -sd.)
major=${version%%.*}
fail() { echo "FAIL: $*" >&2; exit 1; }
run_gui() { if [ -n "${DISPLAY:-}" ]; then "$@"; else xvfb-run -a "$@"; fi; }

echo "== DESTDIR staging (PREFIX=/opt/transom-staged)"
DESTDIR="$tmp/stage" PREFIX=/opt/transom-staged "$root/scripts/install.sh"
staged="$tmp/stage/opt/transom-staged"
for f in include/transom.h "lib/libtransom.so.$version" "lib/libtransom.so.$major" lib/libtransom.so lib/libtransom.a \
         lib/pkgconfig/transom.pc lib/cmake/transom/transomConfig.cmake lib/cmake/transom/transomConfigVersion.cmake \
         bin/transom-host; do
  [ -e "$staged/$f" ] || fail "DESTDIR install lacks $f"
done
grep -qx 'prefix=/opt/transom-staged' "$staged/lib/pkgconfig/transom.pc" || fail "transom.pc does not name PREFIX"
grep -q "$tmp" "$staged/lib/pkgconfig/transom.pc" "$staged/lib/cmake/transom/transomConfig.cmake" \
  && fail "the staged files name the DESTDIR"
echo "ok: staged under DESTDIR, files name /opt/transom-staged"

echo "== install into $tmp/prefix"
PREFIX="$tmp/prefix" "$root/scripts/install.sh"
prefix="$tmp/prefix"
soname=$(readelf -d "$prefix/lib/libtransom.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libtransom.so.$major" ] || fail "soname is '$soname', expected libtransom.so.$major"
echo "ok: soname $soname"

# The program lives outside the tree and sees nothing of it.
app="$tmp/app"
mkdir -p "$app"
cp "$root/tests/install/hello_installed.c" "$root/tests/install/CMakeLists.txt" "$app/"
cd "$app"

echo "== pkg-config"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --exists --print-errors transom
[ "$(pkg-config --modversion transom)" = "$version" ] || fail "pkg-config --modversion transom is $(pkg-config --modversion transom)"
flags=$(pkg-config --cflags --libs transom)
echo "pkg-config --cflags --libs transom: $flags"
# shellcheck disable=SC2086 # the flags are words
cc -std=c11 -Wall -Wextra -Werror hello_installed.c $flags -o hello_pc
readelf -d hello_pc | grep -q "NEEDED.*\[libtransom.so.$major\]" || fail "hello_pc does not need libtransom.so.$major"
out=$(LD_LIBRARY_PATH="$prefix/lib" run_gui ./hello_pc) || fail "hello_pc failed: $out"
echo "$out"
[[ "$out" == "transom $version: window "*" created" ]] || fail "unexpected output: $out"
echo "ok: pkg-config build runs"

echo "== CMake find_package(transom $version EXACT)"
cmake -S . -B build -DCMAKE_PREFIX_PATH="$prefix" -DEXPECT_VERSION="$version" >cmake.log 2>&1 || { cat cmake.log; fail "cmake configure"; }
grep "found transom" cmake.log
cmake --build build >>cmake.log 2>&1 || { cat cmake.log; fail "cmake build"; }
readelf -d build/hello_shared | grep -q "NEEDED.*\[libtransom.so.$major\]" || fail "hello_shared does not need libtransom.so.$major"
if readelf -d build/hello_static | grep -q "NEEDED.*libtransom"; then fail "hello_static needs the shared libtransom"; fi
# CMake gives build-tree programs an rpath to the imported library: no LD_LIBRARY_PATH.
for exe in hello_shared hello_static; do
  out=$(run_gui "build/$exe") || fail "$exe failed: $out"
  echo "$exe: $out"
  [[ "$out" == "transom $version: window "*" created" ]] || fail "unexpected output of $exe: $out"
done
echo "ok: CMake builds (shared and static) run"

echo "== a version that is not installed is refused"
if cmake -S . -B build-wrong -DCMAKE_PREFIX_PATH="$prefix" -DEXPECT_VERSION="$((major + 1)).0.0" >wrong.log 2>&1; then
  fail "find_package(transom $((major + 1)).0.0 EXACT) succeeded"
fi
echo "ok"
echo "== install test passed"
