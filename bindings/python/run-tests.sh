#!/usr/bin/env bash
# Tests of the Python package `transom`, from a fresh machine:
#   1. the Debian packages (scripts/setup-debian.sh: GTK, WebKitGTK, Xvfb, python3-venv, ...);
#   2. `cargo build --release --lib --bin transom-host` (libtransom.so and transom-host in
#      target/release; CARGO_TARGET_DIR is honoured);
#   3. a virtual environment in target/python-venv with pytest;
#   4. `pip install ./bindings/python`: the wheel's build hook bundles the library and the host;
#   5. pytest over bindings/python/tests, under xvfb-run when there is no display, in both modes
#      (in-process and host). Arguments are passed to pytest (e.g. -k host, -x).
# Exits with pytest's status.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

scripts/setup-debian.sh
command -v cargo >/dev/null || { echo "python tests: cargo is missing: install Rust (https://rustup.rs)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python tests: python3 is missing" >&2; exit 1; }

echo "== cargo build --release --lib --bin transom-host"
cargo build --release --lib --bin transom-host

venv="$root/target/python-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import sys" 2>/dev/null; then
  echo "== python3 -m venv $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
fi
py="$venv/bin/python"

echo "== pip install pytest, then ./bindings/python"
"$py" -m pip install --quiet --disable-pip-version-check "pytest>=7" "pytest-timeout>=2"
"$py" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./bindings/python
"$py" - <<'PY'
import transom
print("transom", transom.__version__, "library:", transom.find_library(), "host:", transom.find_host())
PY

echo "== pytest (real windows, both modes)"
cd "$here"
status=0
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  "$py" -m pytest "$@" || status=$?
else
  xvfb-run -a -s "-screen 0 1280x1024x24" "$py" -m pytest "$@" || status=$?
fi
exit $status
