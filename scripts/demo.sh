#!/usr/bin/env bash
# The demo: installs what it needs, builds libtransom and examples/c/hello.c, and runs it: a window
# whose page asks the C program for system information and shows the ticks the program pushes
# every second. Without a display it runs for 5 s under Xvfb and saves target/demo.png.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
command -v cargo >/dev/null || { echo "demo: cargo is missing: install Rust (https://rustup.rs)" >&2; exit 1; }
exec examples/c/run.sh
