#!/usr/bin/env bash
# Runs the tests of the Zig package on this machine, from scratch if need be:
#  1. Zig 0.17: `python3 -m ziglang` if that is 0.17.x, else the `ziglang` package from PyPI
#     installed with pip into a venv under target/zig-venv (made on first use);
#  2. libtransom: `cargo build` at the repository root (target/debug);
#  3. `zig build test` under xvfb-run (unit tests, then real windows: tests/windows_test.zig);
#  4. the example examples/zig/hello.zig, built through the package and run headless for 2 s
#     (it clicks its own button and checks the answer shows).
# Exits non-zero on any failure. Needs the Debian packages of scripts/setup-debian.sh (Xvfb,
# WebKitGTK, python3-venv); it does not install them itself.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

zig_ok() { "$@" version 2>/dev/null | grep -q '^0\.17\.'; }
if zig_ok python3 -m ziglang; then
  zig=(python3 -m ziglang)
else
  venv="$root/target/zig-venv"
  if ! zig_ok "$venv/bin/python" -m ziglang; then
    echo "== installing Zig 0.17 from PyPI (ziglang) into $venv"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet "ziglang>=0.17,<0.18"
  fi
  zig=("$venv/bin/python" -m ziglang)
fi
echo "== zig $("${zig[@]}" version)"

echo "== cargo build (libtransom)"
(cd "$root" && cargo build)

echo "== zig build test (under xvfb-run)"
cd "$here"
xvfb-run -a "${zig[@]}" build test --summary all

echo "== examples/zig/hello.zig: build and run headless"
cd "$root/examples/zig"
"${zig[@]}" build
TRANSOM_DEMO_SECONDS=2 xvfb-run -a zig-out/bin/hello

echo "== Zig tests passed"
