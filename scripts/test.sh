#!/usr/bin/env bash
# Runs every test of transom: Rust unit and integration tests with real windows (the stress tests
# among them), the C API test (also with AddressSanitizer and under valgrind), a brief run of each
# fuzz target (scripts/fuzz.sh; TRANSOM_TEST_FUZZ_SECONDS, default 20, per target), the check
# that include/transom.h matches the source, the install test (pkg-config and CMake against an
# installed transom), and the Zig, Python and JavaScript packages' tests.
# Installs the Debian packages it needs first; runs under Xvfb when there is no display.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh
command -v cargo >/dev/null || { echo "test: cargo is missing: install Rust (https://rustup.rs)" >&2; exit 1; }

run_gui() {
  if [ -n "${DISPLAY:-}" ]; then "$@"; else xvfb-run -a "$@"; fi
}

echo "== build"
cargo build --all-targets

echo "== header drift: include/transom.h must match what build.rs generates"
if git rev-parse --git-dir >/dev/null 2>&1; then
  git diff --exit-code -- include/transom.h
fi

echo "== Rust tests (real windows)"
run_gui cargo test

echo "== window state events (maximize, minimize) with a window manager"
if [ -n "${DISPLAY:-}" ]; then
  TRANSOM_TEST_WM=1 cargo test --test windows window_state_events  # the desktop's own manager
else
  xvfb-run -a scripts/with-window-manager.sh cargo test --test windows window_state_events
fi

echo "== C API test"
tests/c/run.sh

echo "== fuzz targets, briefly (scripts/fuzz.sh; long runs: docs/reliability.md)"
FUZZ_SECONDS="${TRANSOM_TEST_FUZZ_SECONDS:-20}" scripts/fuzz.sh

echo "== install test: pkg-config and CMake against a temporary prefix"
tests/install/run.sh

echo "== Zig package"
bindings/zig/run-tests.sh

echo "== Python package (in-process and transom-host)"
bindings/python/run-tests.sh

echo "== JavaScript package (Bun, Deno, Node; in-process and transom-host)"
bindings/js/run-tests.sh

echo "== all tests passed"
