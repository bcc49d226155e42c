#!/usr/bin/env bash
# Builds the Linux release archive of transom on this machine and checks it:
#
#   target/package/transom-VERSION-linux-ARCH.tar.gz (+ .sha256), ARCH x64 or arm64, holding
#     include/transom.h
#     lib/libtransom.so.VERSION, libtransom.so.MAJOR, libtransom.so    (soname libtransom.so.MAJOR)
#     lib/libtransom.a
#     lib/pkgconfig/transom.pc, lib/cmake/transom/*.cmake    (relocatable: they find their prefix)
#     bin/transom-host
#     README.md, protocol.md, LICENSE-NOTES.txt
#
# Checks, on the packed archive unpacked elsewhere: the library and transom-host resolve with
# system libraries only (ldd: nothing missing, nothing from the build tree), carry no rpath, the
# library exports only transom_* and has the soname; a C program outside the tree builds with
# pkg-config and with CMake (shared and static) and opens a window under xvfb-run; transom-host
# says hello. Prints what it checked. Exits non-zero on any failure.
#
# Needs the packages of scripts/setup-debian.sh (it does not install them). Release build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

for tool in cargo pkg-config cmake cc xvfb-run readelf nm ldd sha256sum tar; do
  command -v "$tool" >/dev/null || { echo "package: $tool is missing (scripts/setup-debian.sh)" >&2; exit 1; }
done
fail() { echo "package: FAIL: $*" >&2; exit 1; }

version=$(sed -n 's/^#define TRANSOM_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' include/transom.h | paste -sd.)
major=${version%%.*}
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac
name="transom-$version-linux-$arch"
out="$root/target/package"
stage="$out/$name"
rm -rf "$stage" "$out/$name.tar.gz" "$out/$name.tar.gz.sha256"
mkdir -p "$out"

echo "== build and stage $name"
PREFIX="$stage" PROFILE=release scripts/install.sh --relocatable --strip
cp README.md "$stage/README.md"
cp docs/protocol.md "$stage/protocol.md"

# LICENSE notes: transom's licence, the Rust crates compiled into the binaries, and the system
# libraries they load (not included).
{
  echo "transom $version is licensed under MIT OR Apache-2.0 (see Cargo.toml)."
  echo
  echo "libtransom and transom-host contain these Rust crates, compiled in (name version: licence):"
  echo
  cargo tree -p transom --edges normal,no-proc-macro --prefix none --format '{p}: {l}' \
    | sed 's/ ([^)]*)//' | sort -u | sed 's/^/  /'
  echo
  echo "They load these shared libraries of the system at run time; they are not part of this"
  echo "archive and come with their own licences (GTK, GLib, WebKitGTK, libsoup: LGPL):"
  echo
  readelf -d "$stage/lib/libtransom.so.$version" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/  \1/p'
} >"$stage/LICENSE-NOTES.txt"

echo "== pack"
tar -C "$out" --owner=0 --group=0 --numeric-owner -czf "$out/$name.tar.gz" "$name"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
tar -tzvf "$out/$name.tar.gz"

echo "== check the archive, unpacked in a fresh directory"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/transom-package.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$out" && sha256sum -c "$name.tar.gz.sha256")
tar -C "$tmp" -xzf "$out/$name.tar.gz"
pkg="$tmp/$name"
lib="$pkg/lib/libtransom.so.$version"
host="$pkg/bin/transom-host"

for f in "$lib" "$host"; do
  deps=$(ldd "$f")
  if grep -q "not found" <<<"$deps"; then echo "$deps"; fail "$f: a library is missing"; fi
  if grep -qF -e "$root" -e "/target/" <<<"$deps"; then echo "$deps"; fail "$f loads something from the build tree"; fi
  # Every library ldd resolves lies in the system's library directories.
  outside=$(awk '$2 == "=>" && $3 !~ /^\/(usr\/)?lib(32|64|x32)?\// {print}' <<<"$deps")
  [ -z "$outside" ] || fail "$f loads libraries from outside the system directories: $outside"
  if readelf -d "$f" | grep -qE "\((RPATH|RUNPATH)\)"; then fail "$f has an rpath"; fi
  echo "-- ldd ${f#"$tmp"/}: $(grep -c '=>' <<<"$deps") libraries, all in /lib or /usr/lib; needed directly:"
  needed=$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  for n in $needed; do grep -F "	$n " <<<"$deps" || grep -F "/$n " <<<"$deps" || true; done
done
echo "ok: both resolve with system libraries only, no rpath"

soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libtransom.so.$major" ] || fail "soname is '$soname'"
foreign=$(nm -D --defined-only "$lib" | awk '{print $NF}' | grep -v '^transom_' || true)
[ -z "$foreign" ] || fail "exports other symbols than transom_*: $foreign"
echo "ok: soname $soname; exports $(nm -D --defined-only "$lib" | wc -l) symbols, all transom_*"

app="$tmp/app"
mkdir -p "$app"
cp tests/install/hello_installed.c tests/install/CMakeLists.txt "$app/"
cd "$app"
export PKG_CONFIG_PATH="$pkg/lib/pkgconfig"
flags=$(pkg-config --cflags --libs transom)
echo "-- pkg-config --cflags --libs transom: $flags"
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror hello_installed.c $flags -o hello_pc
echo "-- ldd hello_pc (LD_LIBRARY_PATH=<archive>/lib)"
LD_LIBRARY_PATH="$pkg/lib" ldd hello_pc | grep -E "libtransom|not found"
if LD_LIBRARY_PATH="$pkg/lib" ldd hello_pc | grep -qF -e "$root" -e "not found"; then fail "hello_pc resolves into the build tree"; fi
result=$(LD_LIBRARY_PATH="$pkg/lib" xvfb-run -a ./hello_pc) || fail "hello_pc failed: $result"
echo "hello_pc: $result"

cmake -S . -B build -DCMAKE_PREFIX_PATH="$pkg" -DEXPECT_VERSION="$version" >cmake.log 2>&1 || { cat cmake.log; fail "cmake configure"; }
cmake --build build >>cmake.log 2>&1 || { cat cmake.log; fail "cmake build"; }
for exe in hello_shared hello_static; do
  result=$(xvfb-run -a "build/$exe") || fail "$exe failed: $result"
  echo "$exe (CMake): $result"
done

hello=$(xvfb-run -a sh -c "'$host' </dev/null" | head -n 1)
echo "transom-host: $hello"
case "$hello" in *'"type":"hello"'*) ;; *) fail "transom-host did not say hello" ;; esac

echo "== $out/$name.tar.gz"
ls -l "$out/$name.tar.gz"
cat "$out/$name.tar.gz.sha256"
