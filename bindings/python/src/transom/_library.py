"""Finding and loading ``libtransom`` (ctypes) and finding the ``transom-host`` binary.

Search order for the shared library:

1. ``TRANSOM_LIBRARY``: the path of the library file (an error if it does not load).
2. The copy bundled in the wheel: ``transom/_lib/libtransom.so`` (``.dylib``, ``transom.dll``).
3. A source checkout: ``target/release`` then ``target/debug`` of the repository this package
   sits in (``bindings/python/src/transom`` is three levels below the repository root).
4. The system's search path (``LD_LIBRARY_PATH``, ``ldconfig``): ``ctypes.util.find_library``.

The same order, with ``TRANSOM_HOST`` and ``transom-host`` (``transom-host.exe``), and ``PATH`` as
the last step, finds the host binary.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import sys
import threading
from pathlib import Path
from typing import Any, List, Optional

from ._errors import LibraryNotFoundError

__all__ = ["library", "find_library", "find_host", "Library"]

_PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLE_DIR = _PACKAGE_DIR / "_lib"


def _library_file_name() -> str:
    if sys.platform == "win32":
        return "transom.dll"
    if sys.platform == "darwin":
        return "libtransom.dylib"
    return "libtransom.so"


def _host_file_name() -> str:
    return "transom-host.exe" if sys.platform == "win32" else "transom-host"


def _checkout_candidates(name: str) -> List[Path]:
    """``target/release/NAME`` and ``target/debug/NAME`` of a source checkout above this file."""
    found = []
    for parent in _PACKAGE_DIR.parents:
        if (parent / "Cargo.toml").is_file() and (parent / "include" / "transom.h").is_file():
            target = Path(os.environ.get("CARGO_TARGET_DIR") or parent / "target")
            found += [target / "release" / name, target / "debug" / name]
            break
    return found


def find_library() -> str:
    """The path (or, from the system search path, the name) of libtransom to load.

    Raises:
        LibraryNotFoundError: ``TRANSOM_LIBRARY`` names a missing file, or no library was found.
    """
    override = os.environ.get("TRANSOM_LIBRARY")
    if override:
        if not Path(override).is_file():
            raise LibraryNotFoundError(f"TRANSOM_LIBRARY={override!r} is not a file")
        return override
    name = _library_file_name()
    for candidate in [_BUNDLE_DIR / name, *_checkout_candidates(name)]:
        if candidate.is_file():
            return str(candidate)
    system = ctypes.util.find_library("transom")
    if system:
        return system
    raise LibraryNotFoundError(
        f"cannot find {name}: set TRANSOM_LIBRARY to its path, install a wheel that bundles it, "
        "or build it with `cargo build --release` in the transom repository"
    )


def find_host() -> str:
    """The path of the ``transom-host`` binary to run in host mode.

    Raises:
        LibraryNotFoundError: ``TRANSOM_HOST`` names a missing file, or no binary was found.
    """
    override = os.environ.get("TRANSOM_HOST")
    if override:
        if not Path(override).is_file():
            raise LibraryNotFoundError(f"TRANSOM_HOST={override!r} is not a file")
        return override
    name = _host_file_name()
    for candidate in [_BUNDLE_DIR / name, *_checkout_candidates(name)]:
        if candidate.is_file():
            if not os.access(candidate, os.X_OK):
                try:
                    candidate.chmod(candidate.stat().st_mode | 0o111)
                except OSError:
                    continue
            return str(candidate)
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise LibraryNotFoundError(
        f"cannot find {name}: set TRANSOM_HOST to its path, install a wheel that bundles it, "
        "or build it with `cargo build --release` in the transom repository"
    )


_u32 = ctypes.c_uint32
_u64 = ctypes.c_uint64
_ptr = ctypes.c_void_p
_str = ctypes.c_char_p


class Library:
    """The loaded libtransom with typed prototypes for every function the package uses."""

    def __init__(self, path: str) -> None:
        try:
            # CDLL (not PyDLL): every call releases the GIL while it runs, so a thread blocked in
            # transom_event_next does not stop other Python threads.
            lib = ctypes.CDLL(path)
        except OSError as error:
            raise LibraryNotFoundError(f"cannot load libtransom from {path!r}: {error}") from None
        self.path = path
        self.lib = lib

        def fn(name: str, restype: Any, *argtypes: Any) -> Any:
            try:
                f = getattr(lib, name)
            except AttributeError:
                raise LibraryNotFoundError(
                    f"{path!r} has no function {name}: is it an older libtransom?"
                ) from None
            f.restype = restype
            f.argtypes = list(argtypes)
            return f

        out_u64 = ctypes.POINTER(_u64)
        out_ptr = ctypes.POINTER(_ptr)
        self.app_new = fn("transom_app_new", _u32, _str, out_ptr)
        self.app_shutdown = fn("transom_app_shutdown", _u32, _ptr)
        self.app_free = fn("transom_app_free", None, _ptr)
        self.result_name = fn("transom_result_name", _str, _u32)
        self.last_error_message = fn("transom_last_error_message", _str)
        self.version = fn("transom_version", _str)
        # transom_event_next and transom_event_json in one call: one crossing of the boundary per
        # event instead of two; `.value` of the c_char_p gives the text as bytes (a copy) without
        # another call.
        self.event_next_json = fn("transom_event_next_json", _u32, _ptr, ctypes.c_int32, out_ptr, ctypes.POINTER(_str))
        self.event_free = fn("transom_event_free", None, _ptr)
        self.event_fd = fn("transom_event_fd", ctypes.c_int, _ptr)
        self.post = fn("transom_post", _u32, _ptr, _u64, _str, _str)
        self.invoke = fn("transom_invoke", _u32, _ptr, _u64, _str, _str, _u32, out_u64)
        self.resolve = fn("transom_resolve", _u32, _ptr, _u64, _str)
        self.reject = fn("transom_reject", _u32, _ptr, _u64, _str)
        self.webview_create = fn("transom_webview_create", _u32, _ptr, _u64, _str, out_u64)
        self.webview_eval = fn("transom_webview_eval", _u32, _ptr, _u64, _str)
        self.webview_navigate = fn("transom_webview_navigate", _u32, _ptr, _u64, _str)
        self.window_create = fn("transom_window_create", _u32, _ptr, _str, out_u64)
        self.window_set = fn("transom_window_set", _u32, _ptr, _u64, _str)
        self.window_close = fn("transom_window_close", _u32, _ptr, _u64)
        # The message model (channels, shared state, bytes, post to a window, invoke cancel).
        # Bytes go as c_char_p: a Python bytes object is passed without a copy, NULs included
        # (the length is explicit).
        size = ctypes.c_size_t
        self.event_bytes = fn("transom_event_bytes", ctypes.c_void_p, _ptr, ctypes.POINTER(size))
        self.post_window = fn("transom_post_window", _u32, _ptr, _u64, _str, _str)
        self.post_bytes = fn("transom_post_bytes", _u32, _ptr, _u64, _str, _str, size)
        self.invoke_cancel = fn("transom_invoke_cancel", _u32, _ptr, _u64)
        self.handle = fn("transom_handle", _u32, _ptr, _str)
        self.webview_set = fn("transom_webview_set", _u32, _ptr, _u64, _str)
        self.asset_respond = fn("transom_asset_respond", _u32, _ptr, _u64, ctypes.c_uint16, _str, _str, size)
        self.state_set = fn("transom_state_set", _u32, _ptr, _str, _str)
        self.state_get = fn("transom_state_get", _u32, _ptr, _str, out_ptr)
        self.string_free = fn("transom_string_free", None, _ptr)
        self.channel_open = fn("transom_channel_open", _u32, _ptr, _u64, _str, out_u64)
        self.channel_send = fn("transom_channel_send", _u32, _ptr, _u64, _str)
        self.channel_send_bytes = fn("transom_channel_send_bytes", _u32, _ptr, _u64, _str, size)
        self.channel_close = fn("transom_channel_close", _u32, _ptr, _u64)


_loaded: Optional[Library] = None
_load_lock = threading.Lock()


def library() -> Library:
    """The process's libtransom, loaded on first use (see the module docs for the search order).

    Raises:
        LibraryNotFoundError: no library was found or it does not load.
    """
    global _loaded
    with _load_lock:
        if _loaded is None:
            _loaded = Library(find_library())
        return _loaded
