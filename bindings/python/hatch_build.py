"""Build hook: bundles libtransom and transom-host into the wheel.

When pip builds the wheel from this directory inside a transom checkout, the hook runs
``cargo build --release --lib --bin transom-host`` at the repository root and puts ``libtransom.so`` (``.dylib``, ``.dll``)
and ``transom-host`` into ``transom/_lib/`` of the wheel, which is then tagged for this platform
(``py3-none-linux_x86_64``): the library is found without any setting.

Environment variables, read at build time:

- ``TRANSOM_LIBRARY`` / ``TRANSOM_HOST``: bundle these files instead of building (both, or the one
  given, with the other built or left out).
- ``TRANSOM_BUILD``: ``auto`` (default: build when cargo and the Rust sources are there, otherwise
  make a pure-Python wheel that locates the library at run time), ``always`` (fail without them),
  ``never`` (always a pure-Python wheel).
- ``TRANSOM_STRIP``: ``1`` (default) strips debug info from the bundled copies when ``strip`` is
  installed (27 MB -> about 10 MB); ``0`` keeps it.
- ``CARGO``: the cargo binary (default: ``cargo`` on PATH, then ``~/.cargo/bin/cargo``).

Editable installs never bundle: the package then finds ``target/release`` (or ``target/debug``)
of the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _names() -> Tuple[str, str]:
    if sys.platform == "win32":
        return "transom.dll", "transom-host.exe"
    if sys.platform == "darwin":
        return "libtransom.dylib", "transom-host"
    return "libtransom.so", "transom-host"


def _log(message: str) -> None:
    print(f"transom build hook: {message}", file=sys.stderr, flush=True)


class CustomBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: Dict[str, Any]) -> None:
        self._tmp: Optional[str] = None
        if self.target_name != "wheel" or version == "editable":
            return
        policy = os.environ.get("TRANSOM_BUILD", "auto").strip().lower()
        if policy in ("never", "0", "no", "false"):
            _log("TRANSOM_BUILD=never: pure-Python wheel; libtransom is located at run time")
            return
        lib_name, host_name = _names()
        lib = os.environ.get("TRANSOM_LIBRARY") or None
        host = os.environ.get("TRANSOM_HOST") or None
        if not (lib and host):
            built = self._cargo_build(policy == "always" or policy in ("1", "yes", "true"))
            if built is not None:
                lib = lib or built[0]
                host = host or built[1]
        if not lib and not host:
            return
        self._tmp = tempfile.mkdtemp(prefix="transom-wheel-")
        for source, name in ((lib, lib_name), (host, host_name)):
            if not source:
                continue
            if not Path(source).is_file():
                raise RuntimeError(f"transom build hook: {source} is not a file")
            copy = Path(self._tmp) / name
            shutil.copy2(source, copy)
            self._strip(copy)
            copy.chmod(0o755)
            build_data["force_include"][str(copy)] = f"transom/_lib/{name}"
            _log(f"bundling {source} as transom/_lib/{name}")
        build_data["pure_python"] = False
        platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
        build_data["tag"] = f"py3-none-{platform}"

    def finalize(self, version: str, build_data: Dict[str, Any], artifact_path: str) -> None:
        if getattr(self, "_tmp", None):
            shutil.rmtree(self._tmp, ignore_errors=True)

    def _cargo_build(self, required: bool) -> Optional[Tuple[str, str]]:
        root = Path(self.root).resolve().parents[1]
        if not ((root / "Cargo.toml").is_file() and (root / "include" / "transom.h").is_file()):
            if required:
                raise RuntimeError(f"transom build hook: no transom checkout at {root}")
            _log(f"no transom checkout at {root}: pure-Python wheel; libtransom is located at run time")
            return None
        cargo = os.environ.get("CARGO") or shutil.which("cargo")
        if not cargo and (Path.home() / ".cargo" / "bin" / "cargo").is_file():
            cargo = str(Path.home() / ".cargo" / "bin" / "cargo")
        if not cargo:
            if required:
                raise RuntimeError("transom build hook: cargo is not installed")
            _log("cargo not found: pure-Python wheel; libtransom is located at run time")
            return None
        # Only what the wheel needs: the library and the host (not benchmarks or examples).
        command = [cargo, "build", "--release", "--lib", "--bin", "transom-host",
                   "--message-format=json-render-diagnostics"]
        _log(f"running `cargo build --release --lib --bin transom-host` in {root}")
        process = subprocess.run(command, cwd=root, stdout=subprocess.PIPE, stderr=None, text=True)
        if process.returncode != 0:
            raise RuntimeError(
                f"transom build hook: `cargo build --release --lib --bin transom-host` failed (status {process.returncode}); "
                "see its output above. Set TRANSOM_BUILD=never to make a wheel without the library."
            )
        lib = host = None
        for line in process.stdout.splitlines():
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("reason") != "compiler-artifact":
                continue
            target = message.get("target", {})
            if target.get("name") == "transom" and "cdylib" in target.get("kind", []):
                for filename in message.get("filenames", []):
                    if filename.endswith((".so", ".dylib", ".dll")):
                        lib = filename
            elif target.get("name") == "transom-host" and message.get("executable"):
                host = message["executable"]
        if not lib or not host:
            raise RuntimeError("transom build hook: cargo did not report libtransom and transom-host")
        return lib, host

    def _strip(self, path: Path) -> None:
        if os.environ.get("TRANSOM_STRIP", "1").strip() in ("0", "no", "false"):
            return
        strip = shutil.which("strip")
        if strip and sys.platform.startswith("linux"):
            subprocess.run([strip, "--strip-debug", str(path)], check=False)
