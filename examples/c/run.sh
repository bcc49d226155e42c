#!/bin/sh
# Builds libtransom and the C demo (examples/c/hello.c) and runs it.
#
# With a display (DISPLAY or WAYLAND_DISPLAY set) the window opens there and the demo runs until
# you close it. Without one it runs for 5 seconds on a virtual display (xvfb-run), makes the page
# show the system info and saves a screenshot to target/demo.png.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

echo "== cargo build"
cargo build

mkdir -p target/c
echo "== compile examples/c/hello.c"
cc -std=c11 -Wall -Wextra -Werror -Iinclude examples/c/hello.c -Ltarget/debug -ltransom -o target/c/hello

export LD_LIBRARY_PATH="$root/target/debug${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    echo "== run (close the window to quit)"
    exec target/c/hello
fi

shot="$root/target/demo.png"
rm -f "$shot"
echo "== no display: run for 5 s under xvfb-run and take a screenshot"
# The virtual screen is as large as the demo window (720x520), so the screenshot is the window.
TRANSOM_DEMO_SECONDS=5 TRANSOM_DEMO_SCREENSHOT="$shot" \
    xvfb-run -a -s "-screen 0 720x520x24" target/c/hello
if [ ! -s "$shot" ]; then
    echo "no screenshot was written to $shot" >&2
    exit 1
fi
echo "screenshot: $shot"
