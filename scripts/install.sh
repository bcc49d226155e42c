#!/usr/bin/env bash
# Builds transom and installs it for C, C++ and Zig programs (and CMake and pkg-config users):
#
#   $INCLUDEDIR/transom.h
#   $LIBDIR/libtransom.so.X.Y.Z, libtransom.so.X -> it (the soname), libtransom.so -> libtransom.so.X
#   $LIBDIR/libtransom.a
#   $LIBDIR/pkgconfig/transom.pc                      pkg-config --cflags --libs transom
#   $LIBDIR/cmake/transom/transomConfig.cmake         find_package(transom): transom::transom,
#   $LIBDIR/cmake/transom/transomConfigVersion.cmake    transom::transom_static, transom::host
#   $BINDIR/transom-host
#
# Usage: scripts/install.sh [--relocatable] [--strip]
#   --relocatable  transom.pc and the CMake files find the prefix from where they are (${pcfiledir},
#                  CMAKE_CURRENT_LIST_DIR) instead of naming it: for tarballs (scripts/package-linux.sh)
#   --strip        strip debug information from the libraries and transom-host
# Env:
#   PREFIX (/usr/local), LIBDIR ($PREFIX/lib), INCLUDEDIR ($PREFIX/include), BINDIR ($PREFIX/bin):
#       where the files will live;
#   DESTDIR: a staging root put in front of every path while copying (packagers); the installed
#       files still name PREFIX;
#   PROFILE: the cargo profile to build and install, release (default) or dev;
#   TARGET: a target triple for cargo --target (default: the host);
#   CARGO_TARGET_DIR: cargo's target directory (default target).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

relocatable=0 strip=0
for arg in "$@"; do
  case "$arg" in
    --relocatable) relocatable=1 ;;
    --strip) strip=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "install: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done

PREFIX=${PREFIX:-/usr/local}
PREFIX=${PREFIX%/}
LIBDIR=${LIBDIR:-$PREFIX/lib}
INCLUDEDIR=${INCLUDEDIR:-$PREFIX/include}
BINDIR=${BINDIR:-$PREFIX/bin}
DESTDIR=${DESTDIR:-}
PROFILE=${PROFILE:-release}
for dir in "$PREFIX" "$LIBDIR" "$INCLUDEDIR" "$BINDIR"; do
  case "$dir" in
    /*) ;;
    *) echo "install: PREFIX, LIBDIR, INCLUDEDIR and BINDIR must be absolute paths (got $dir)" >&2; exit 2 ;;
  esac
done

case "$(uname -s)" in
  Linux|*BSD|DragonFly) ;;
  *) echo "install: this script installs the Linux/BSD layout (.so, .a); on $(uname -s) use the release archives" >&2; exit 2 ;;
esac

# The version, from the header (tests/version.rs keeps it equal to Cargo.toml).
version_part() { sed -n "s/^#define TRANSOM_VERSION_$1 \([0-9][0-9]*\)$/\1/p" include/transom.h; }
major=$(version_part MAJOR) minor=$(version_part MINOR) patch=$(version_part PATCH)
if [ -z "$major" ] || [ -z "$minor" ] || [ -z "$patch" ]; then
  echo "install: include/transom.h has no TRANSOM_VERSION_* macros: run cargo build first" >&2
  exit 1
fi
version="$major.$minor.$patch"

profile_dir=$PROFILE
[ "$PROFILE" = dev ] && profile_dir=debug
[ "$PROFILE" = test ] && profile_dir=debug
target_dir=${CARGO_TARGET_DIR:-target}
cargo_args=(--profile "$PROFILE" --lib --bin transom-host --message-format=json)
if [ -n "${TARGET:-}" ]; then
  cargo_args+=(--target "$TARGET")
  out="$target_dir/$TARGET/$profile_dir"
else
  out="$target_dir/$profile_dir"
fi

# Cargo reports the native libraries every build script links (also when nothing is rebuilt, as
# the results of build scripts are replayed): with the standard library's own (below) they are what
# a program linking the static library needs, the list `rustc --print native-static-libs` gives.
messages=$(mktemp)
trap 'rm -f "$messages"' EXIT
echo "install: cargo build --profile $PROFILE${TARGET:+ --target $TARGET}" >&2
cargo build "${cargo_args[@]}" >"$messages"
native_libs=()
while IFS= read -r lib; do
  lib=${lib##*=}     # kind=name or kind:modifiers=name -> name
  lib=${lib##*:}
  seen=0
  for l in "${native_libs[@]}"; do [ "$l" = "$lib" ] && seen=1 && break; done
  [ "$seen" = 0 ] && native_libs+=("$lib")
done < <(grep -o '"linked_libs":\[[^]]*\]' "$messages" | grep -o '"[^"]*"' | grep -v '^"linked_libs"$' | tr -d '"')
# What the Rust standard library itself links on Linux with glibc (rustc --print native-static-libs).
for lib in gcc_s util rt pthread m dl c; do
  seen=0
  for l in "${native_libs[@]}"; do [ "$l" = "$lib" ] && seen=1 && break; done
  [ "$seen" = 0 ] && native_libs+=("$lib")
done

for f in "$out/libtransom.so" "$out/libtransom.a" "$out/transom-host"; do
  [ -f "$f" ] || { echo "install: $f is missing" >&2; exit 1; }
done

d() { printf '%s%s' "$DESTDIR" "$1"; }
echo "install: transom $version into ${DESTDIR:+$DESTDIR (DESTDIR) + }$PREFIX" >&2
install -d "$(d "$INCLUDEDIR")" "$(d "$LIBDIR")" "$(d "$LIBDIR/pkgconfig")" "$(d "$LIBDIR/cmake/transom")" "$(d "$BINDIR")"
install -m 644 include/transom.h "$(d "$INCLUDEDIR")/transom.h"
install -m 755 "$out/libtransom.so" "$(d "$LIBDIR")/libtransom.so.$version"
ln -sfn "libtransom.so.$version" "$(d "$LIBDIR")/libtransom.so.$major"
ln -sfn "libtransom.so.$major" "$(d "$LIBDIR")/libtransom.so"
install -m 644 "$out/libtransom.a" "$(d "$LIBDIR")/libtransom.a"
install -m 755 "$out/transom-host" "$(d "$BINDIR")/transom-host"
if [ "$strip" = 1 ]; then
  strip --strip-debug "$(d "$LIBDIR")/libtransom.so.$version" "$(d "$LIBDIR")/libtransom.a"
  strip "$(d "$BINDIR")/transom-host"
fi

# A path relative to PREFIX, for the relocatable files.
under_prefix() {
  case "$1" in
    "$PREFIX") printf '' ;;
    "$PREFIX"/*) printf '/%s' "${1#"$PREFIX"/}" ;;
    *) echo "install: --relocatable needs $1 under PREFIX ($PREFIX)" >&2; exit 2 ;;
  esac
}

# pkg-config
libs_private=""
for lib in "${native_libs[@]}"; do libs_private+=" -l$lib"; done
if [ "$relocatable" = 1 ]; then
  # $LIBDIR/pkgconfig -> PREFIX: one ../ per level of LIBDIR below PREFIX, plus one for pkgconfig/.
  rel_lib=$(under_prefix "$LIBDIR") ups=".."
  rest=${rel_lib#/}
  while [ -n "$rest" ]; do ups="$ups/.."; case "$rest" in */*) rest=${rest#*/} ;; *) rest="" ;; esac; done
  pc_prefix="\${pcfiledir}/$ups"
  pc_libdir="\${prefix}$rel_lib"
  pc_includedir="\${prefix}$(under_prefix "$INCLUDEDIR")"
else
  pc_prefix=$PREFIX
  pc_libdir=$LIBDIR
  pc_includedir=$INCLUDEDIR
  [ "$LIBDIR" = "$PREFIX/lib" ] && pc_libdir="\${prefix}/lib"
  [ "$INCLUDEDIR" = "$PREFIX/include" ] && pc_includedir="\${prefix}/include"
fi
cat >"$(d "$LIBDIR/pkgconfig/transom.pc")" <<EOF
# transom $version: native windows with system webviews. Written by scripts/install.sh.
# Static linking: pkg-config --static --libs transom lists what libtransom.a needs, but -ltransom
# picks the shared library when both are there: link \${libdir}/libtransom.a by path for that.
prefix=$pc_prefix
libdir=$pc_libdir
includedir=$pc_includedir

Name: transom
Description: Native windows with system webviews and a message layer, for any language with a C FFI
Version: $version
Libs: -L\${libdir} -ltransom
Libs.private:$libs_private
Cflags: -I\${includedir}
EOF

# CMake
cmake_libs=$(IFS=';'; printf '%s' "${native_libs[*]}")
if [ "$relocatable" = 1 ]; then
  # $LIBDIR/cmake/transom -> PREFIX
  rel_lib=$(under_prefix "$LIBDIR") ups="../.."
  rest=${rel_lib#/}
  while [ -n "$rest" ]; do ups="$ups/.."; case "$rest" in */*) rest=${rest#*/} ;; *) rest="" ;; esac; done
  cmake_prefix="get_filename_component(_transom_prefix \"\${CMAKE_CURRENT_LIST_DIR}/$ups\" ABSOLUTE)"
  cmake_libdir="\${_transom_prefix}$rel_lib"
  cmake_includedir="\${_transom_prefix}$(under_prefix "$INCLUDEDIR")"
  cmake_bindir="\${_transom_prefix}$(under_prefix "$BINDIR")"
else
  cmake_prefix="set(_transom_prefix \"$PREFIX\")"
  cmake_libdir=$LIBDIR cmake_includedir=$INCLUDEDIR cmake_bindir=$BINDIR
fi
cat >"$(d "$LIBDIR/cmake/transom/transomConfig.cmake")" <<EOF
# find_package(transom) for transom $version. Written by scripts/install.sh.
#
#   find_package(transom $major.$minor REQUIRED)
#   target_link_libraries(app PRIVATE transom::transom)          # libtransom.so
#   target_link_libraries(app PRIVATE transom::transom_static)   # libtransom.a and what it needs
#
# Also: transom::host (the transom-host executable), transom_VERSION, transom_INCLUDE_DIRS,
# transom_LIBRARIES.
$cmake_prefix
set(_transom_libdir "$cmake_libdir")
set(_transom_includedir "$cmake_includedir")
set(_transom_bindir "$cmake_bindir")

foreach(_transom_file "\${_transom_includedir}/transom.h" "\${_transom_libdir}/libtransom.so.$version"
        "\${_transom_libdir}/libtransom.a")
  if(NOT EXISTS "\${_transom_file}")
    set(\${CMAKE_FIND_PACKAGE_NAME}_FOUND FALSE)
    set(\${CMAKE_FIND_PACKAGE_NAME}_NOT_FOUND_MESSAGE "\${_transom_file} is missing")
    return()
  endif()
endforeach()

if(NOT TARGET transom::transom)
  add_library(transom::transom SHARED IMPORTED)
  set_target_properties(transom::transom PROPERTIES
    IMPORTED_LOCATION "\${_transom_libdir}/libtransom.so.$version"
    IMPORTED_SONAME "libtransom.so.$major"
    INTERFACE_INCLUDE_DIRECTORIES "\${_transom_includedir}")
endif()

if(NOT TARGET transom::transom_static)
  add_library(transom::transom_static STATIC IMPORTED)
  set_target_properties(transom::transom_static PROPERTIES
    IMPORTED_LOCATION "\${_transom_libdir}/libtransom.a"
    IMPORTED_LINK_INTERFACE_LANGUAGES "C"
    INTERFACE_INCLUDE_DIRECTORIES "\${_transom_includedir}"
    INTERFACE_LINK_LIBRARIES "$cmake_libs")
endif()

if(NOT TARGET transom::host AND EXISTS "\${_transom_bindir}/transom-host")
  add_executable(transom::host IMPORTED)
  set_target_properties(transom::host PROPERTIES IMPORTED_LOCATION "\${_transom_bindir}/transom-host")
endif()

set(transom_INCLUDE_DIRS "\${_transom_includedir}")
set(transom_LIBRARIES transom::transom)
unset(_transom_file)
unset(_transom_prefix)
unset(_transom_libdir)
unset(_transom_includedir)
unset(_transom_bindir)
EOF
cat >"$(d "$LIBDIR/cmake/transom/transomConfigVersion.cmake")" <<EOF
# The version check of find_package(transom VERSION). Written by scripts/install.sh.
# Compatible: the same major version (the soname is libtransom.so.$major) and at least the version asked for.
set(PACKAGE_VERSION "$version")
if(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION OR NOT PACKAGE_FIND_VERSION_MAJOR STREQUAL "$major")
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
# Built for 64-bit targets only.
if(DEFINED CMAKE_SIZEOF_VOID_P AND NOT CMAKE_SIZEOF_VOID_P STREQUAL "8")
  set(PACKAGE_VERSION "\${PACKAGE_VERSION} (64-bit)")
  set(PACKAGE_VERSION_UNSUITABLE TRUE)
endif()
EOF

echo "install: done:" >&2
for f in "$INCLUDEDIR/transom.h" "$LIBDIR/libtransom.so.$version" "$LIBDIR/libtransom.so.$major" \
         "$LIBDIR/libtransom.so" "$LIBDIR/libtransom.a" "$LIBDIR/pkgconfig/transom.pc" \
         "$LIBDIR/cmake/transom/transomConfig.cmake" "$LIBDIR/cmake/transom/transomConfigVersion.cmake" \
         "$BINDIR/transom-host"; do
  echo "  $(d "$f")" >&2
done
