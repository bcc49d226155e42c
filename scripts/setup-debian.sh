#!/usr/bin/env bash
# Installs the Debian packages transom needs to build and to run real windows without a display:
# GTK 3 and WebKitGTK 4.1 (headers), Xvfb, ImageMagick (screenshots), valgrind (C tests), CMake
# (the find_package test of the installed library), python3-venv (Zig comes from PyPI's ziglang).
# Extra package names given as arguments are installed too (scripts/bench.sh adds its peers' needs).
# Does nothing when they are all present. Needs root (or sudo) to install.
set -euo pipefail

packages=(build-essential pkg-config libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libxdo-dev
          xvfb xauth imagemagick valgrind cmake python3-venv openbox x11-utils "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
