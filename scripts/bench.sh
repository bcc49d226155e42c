#!/usr/bin/env bash
# Runs transom-bench: transom (Rust API, C API, transom-host, the Python and JS packages) against raw
# tao + wry and the peers that install here (webview-napi on Node, webview-bun on Bun, pywebview),
# and regenerates docs/benchmarks.md and docs/benchmarks.png.
#
#   scripts/bench.sh            the full run (about 15 minutes); waits for a quiet machine first
#   scripts/bench.sh --quick    every workload briefly, to check that the bench runs (CI); writes
#                               target/bench/quick/ and leaves docs/ alone. No timing assertions:
#                               it fails only when a transom backend or the baseline fails.
#
# On a fresh Debian 12 machine it installs what it needs: the Debian packages (through
# scripts/setup-debian.sh), the peers, Bun and Deno from npm into target/bench/peers, pywebview and matplotlib
# from PyPI into venvs under target/bench. A peer that cannot be installed or run is reported as
# such in the table. Environment: BENCH_MAX_WAIT (seconds to wait for load < 1.0, default 1800),
# BENCH_PYTHON (the Python that runs the transom Python package, default python3).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
extra=()
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    *) extra+=("$a") ;;
  esac
done

# Debian packages: the build's, plus the peers' (webview-bun: GTK 4 and WebKitGTK 6.0; pywebview:
# PyGObject with WebKit2 4.1's typelib). Node and npm only when missing (a nodesource Node ships
# its own npm and conflicts with Debian's).
debs=(libgtk-4-1 libwebkitgtk-6.0-4 python3-gi gir1.2-webkit2-4.1 python3-venv)
command -v node >/dev/null || debs+=(nodejs)
command -v npm >/dev/null || debs+=(npm)
scripts/setup-debian.sh "${debs[@]}"
command -v cargo >/dev/null || { echo "bench: cargo is missing: install Rust (https://rustup.rs)" >&2; exit 1; }

echo "== build (release)"
cargo build --release --lib --bin transom-host --bin transom-bench
# The Node addon of transom's JS package (bindings/node); without it that backend is skipped.
cargo build --release -p transom-node || echo "bench: the Node addon did not build; its backend will be skipped" >&2

bench=target/bench
mkdir -p "$bench/peers"

echo "== peers and runtimes (npm: webview-napi, webview-bun, bun, deno)"
if [ ! -f "$bench/peers/node_modules/webview-napi/package.json" ] || [ ! -f "$bench/peers/node_modules/webview-bun/package.json" ] \
   || [ ! -x "$bench/peers/node_modules/bun/bin/bun.exe" ] || [ ! -e "$bench/peers/node_modules/.bin/deno" ]; then
  ( cd "$bench/peers" && { [ -f package.json ] || echo '{"name":"transom-bench-peers","private":true}' > package.json; } \
    && npm install --no-audit --no-fund --loglevel=error webview-napi@2.2.0 webview-bun@2.4.0 bun@1.4.5 deno@2 ) \
    || echo "bench: npm install of the peers failed; they will be reported as not installed" >&2
fi

echo "== pywebview (PyPI, into $bench/pywebview-venv with the system's PyGObject)"
if [ ! -x "$bench/pywebview-venv/bin/python" ] || ! "$bench/pywebview-venv/bin/python" -c "import webview" 2>/dev/null; then
  { /usr/bin/python3 -m venv --system-site-packages "$bench/pywebview-venv" \
    && "$bench/pywebview-venv/bin/pip" install -q pywebview==6.2.1; } \
    || echo "bench: pywebview could not be installed; it will be reported as not installed" >&2
fi

echo "== matplotlib (PyPI, into $bench/venv) for the chart"
if [ ! -x "$bench/venv/bin/python" ] || ! "$bench/venv/bin/python" -c "import matplotlib" 2>/dev/null; then
  { python3 -m venv "$bench/venv" && "$bench/venv/bin/pip" install -q matplotlib; } \
    || echo "bench: matplotlib could not be installed; no chart" >&2
fi
python_args=()
if [ -x "$bench/venv/bin/python" ]; then python_args=(--python "$bench/venv/bin/python"); fi

run_gui() {
  if [ -n "${DISPLAY:-}" ]; then "$@"; else xvfb-run -a "$@"; fi
}

if [ "$quick" = 1 ]; then
  echo "== transom-bench --quick"
  mkdir -p "$bench/quick"
  run_gui target/release/transom-bench --quick --strict --out "$bench/quick/benchmarks.md" --png "$bench/quick/benchmarks.png" \
    --results "$bench/quick/results.json" "${python_args[@]}" "${extra[@]}"
  echo "== bench ran: $bench/quick/benchmarks.md"
  exit 0
fi

# The full run measures time: wait for the machine to be quiet (1-minute load below 1.0).
max_wait=${BENCH_MAX_WAIT:-1800}
waited=0
while awk '{exit !($1 >= 1.0)}' /proc/loadavg; do
  if [ "$waited" -ge "$max_wait" ]; then
    echo "bench: load is still $(cut -d' ' -f1-3 /proc/loadavg) after ${waited}s; measuring anyway (the report shows the load)" >&2
    break
  fi
  [ "$waited" = 0 ] && echo "bench: waiting for load < 1.0 (now $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  sleep 30
  waited=$((waited + 30))
done

echo "== transom-bench (full)"
run_gui target/release/transom-bench --out docs/benchmarks.md --png docs/benchmarks.png \
  --results "$bench/results.json" "${python_args[@]}" "${extra[@]}"
