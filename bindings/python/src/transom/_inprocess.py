"""The in-process backend: libtransom through ctypes.

Every call goes straight to the C function of ``include/transom.h`` (each only enqueues work for
the library's GUI thread). Events are read in one of two ways:

- without an asyncio loop, by the App's :class:`transom._dispatch.InlineExecutor`: one of its two
  threads (``transom-callbacks``) blocks in ``transom_event_next_json(app, -1, …)`` and runs the
  callbacks of what it read itself; ctypes releases the GIL for the wait, so the threads cost
  nothing while the app is idle (a plain ``transom-events`` thread, :meth:`_pump`, serves other
  executors);
- with an asyncio loop, ``loop.add_reader(transom_event_fd(app), …)`` wakes the loop while events
  are pending and they are taken with ``transom_event_next_json(app, 0, …)``: no thread, no polling.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import json.scanner
import logging
import threading
from typing import Any, Dict, List, Optional

from ._backend import Backend, EventSink
from ._dispatch import Executor, InlineExecutor
from ._errors import ClosedError, InvalidUtf8Error, TransomError, error_for_code
from ._library import Library, library

__all__ = ["InProcessBackend"]

log = logging.getLogger("transom")

_OK = 0
_TIMEOUT = 7
_CLOSED = 6
#: Events taken in one go before they are handed to the sink.
_BATCH = 256


#: Decodes the core's event JSON: a JSON object with no whitespace around it (the core writes it
#: with serde_json), so the scanner is called directly (no encoding detection, no whitespace
#: regex).
_scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[attr-defined]


def _decode(text: str) -> Any:
    try:
        value, end = _scan(text, 0)
    except StopIteration as error:
        raise ValueError(f"not JSON at {error.value}") from None
    if end != len(text):
        return json.loads(text)  # whitespace after it, or more: the full parser decides
    return value


def _read_event(lib: Any, event: Any, text: Optional[bytes]) -> Optional[Any]:
    """Decodes an event ``transom_event_next_json`` took (``event``, the caller frees it; ``text``,
    its JSON). A binary message's bytes (a ``"bytes"`` field) belong to the event: they are copied
    into ``payload``; other events skip that call (a payload that only mentions "bytes" costs the
    call). ``None`` for an event that is not JSON (logged; the core writes JSON)."""
    data: Optional[bytes] = None
    if not text:  # pragma: no cover - the core writes an object
        text = b"{}"
    if b'"bytes":' in text:
        length = ctypes.c_size_t()
        pointer = lib.event_bytes(event, ctypes.byref(length))
        if pointer:
            data = ctypes.string_at(pointer, length.value) if length.value else b""
    try:
        decoded = _decode(text.decode("utf-8"))
    except ValueError:  # pragma: no cover - the core writes JSON
        log.error("transom: dropped an event that is not JSON: %r", text[:200])
        return None
    if data is not None and isinstance(decoded, dict):
        decoded["payload"] = data
    return decoded


def _take_event(lib: Any, event: Any, text: Optional[bytes]) -> Optional[Any]:
    """:func:`_read_event`, then frees the event."""
    try:
        return _read_event(lib, event, text)
    finally:
        lib.event_free(event)


def _utf8(text: str, what: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidUtf8Error(f"{what} is not valid UTF-8 text: {error}") from None


class InProcessBackend(Backend):
    """libtransom loaded with ctypes, one ``transom_app`` per instance."""

    mode = "in-process"

    def __init__(self, options_json: Optional[str]) -> None:
        self._lib: Library = library()
        handle = ctypes.c_void_p()
        options = _utf8(options_json, "app options") if options_json is not None else None
        self._check(self._lib.app_new(options, ctypes.byref(handle)))
        self._ptr: Optional[int] = handle.value
        # Guards _ptr against being freed while another thread is inside a call. A plain lock
        # (entered on every call); close() waits on _idle for the calls in flight.
        self._guard = threading.Lock()
        self._idle = threading.Condition(self._guard)
        self._inflight = 0
        self._closing = False
        self._closed_event = threading.Event()
        self._sink: Optional[EventSink] = None
        self._thread: Optional[threading.Thread] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._fd = -1
        self._reader_removed = threading.Event()
        self._ended = False
        self._inline: Optional[InlineExecutor] = None
        # The out-parameters of transom_event_next_json for the InlineExecutor's reader (one
        # thread at a time holds that role).
        out, text = ctypes.c_void_p(), ctypes.c_char_p()
        self._out = (out, ctypes.byref(out), text, ctypes.byref(text))

    # ---- errors ---------------------------------------------------------------------------

    def _check(self, result: int) -> None:
        if result == _OK:
            return
        raw = self._lib.last_error_message() or b""
        name = (self._lib.result_name(result) or b"TRANSOM_ERROR_UNKNOWN").decode("ascii", "replace")
        raise error_for_code(name, raw.decode("utf-8", "replace"), result)

    def _call(self, fn: Any, *args: Any) -> None:
        """Runs ``fn(app, *args)`` unless the app is being freed; raises on failure."""
        with self._guard:
            ptr = self._ptr
            if ptr is None or self._closing:
                raise ClosedError("the app was shut down")
            self._inflight += 1
        try:
            result = fn(ptr, *args)
        finally:
            with self._guard:
                self._inflight -= 1
                if self._closing and self._inflight == 0:
                    self._idle.notify_all()
        if result != _OK:
            self._check(result)

    # ---- events ---------------------------------------------------------------------------

    def start(
        self, sink: EventSink, loop: Optional[asyncio.AbstractEventLoop], executor: Optional[Executor] = None
    ) -> None:
        self._sink = sink
        fd = self._lib.event_fd(self._ptr) if loop is not None else -1
        if loop is not None and fd >= 0:
            self._loop, self._fd = loop, fd
            loop.add_reader(fd, self._on_readable)
            return
        if isinstance(executor, InlineExecutor):
            # The executor's threads read the events and run the callbacks (see InlineExecutor).
            self._inline = executor
            executor.start(self._read_events)
            return
        self._thread = threading.Thread(target=self._pump, name="transom-events", daemon=True)
        self._thread.start()

    def on_event_thread(self) -> bool:
        # With an InlineExecutor no thread is only the event reader: a thread that waits hands
        # the reading over first (InlineExecutor.before_wait), so waiting is fine everywhere.
        if self._thread is not None:
            return threading.current_thread() is self._thread
        loop = self._loop
        if loop is None:
            return False
        try:
            return asyncio.get_running_loop() is loop
        except RuntimeError:
            return False

    def _take(self, ptr: int, timeout_ms: int, out: List[Dict[str, Any]], limit: int) -> int:
        """Takes up to ``limit`` events into ``out``; returns the last result code."""
        lib = self._lib
        event_next = lib.event_next_json
        event, text = ctypes.c_void_p(), ctypes.c_char_p()
        event_ref, text_ref = ctypes.byref(event), ctypes.byref(text)
        result = _OK
        while len(out) < limit:
            result = event_next(ptr, timeout_ms, event_ref, text_ref)
            if result != _OK:
                break
            decoded = _take_event(lib, event.value, text.value)
            if decoded is not None:
                out.append(decoded)
            timeout_ms = 0
        return result

    def _read_events(self) -> bool:
        """For the InlineExecutor's reader: waits for events and hands them to the sink. Returns
        False once the stream has ended."""
        ptr = self._ptr
        if ptr is None:
            return False
        # One event per read: its callbacks run before the next is taken, and no extra call looks
        # for more first (that call, about 3 µs, would delay every lone event; a burst costs the
        # same either way: one transom_event_next_json per event). The event is freed after its
        # callbacks have run: a reply they send leaves that much sooner.
        lib = self._lib
        event, event_ref, text, text_ref = self._out
        result = lib.event_next_json(ptr, -1, event_ref, text_ref)
        if result == _OK:
            # The pointer itself: a callback that waits hands the reading, and so `event`, to the
            # other thread.
            taken = event.value
            try:
                decoded = _read_event(lib, taken, text.value)
                if decoded is not None:
                    self._sink.deliver_one(decoded)  # type: ignore[union-attr]
            except Exception:  # pragma: no cover - the sink catches user errors itself
                log.exception("transom: delivering events failed")
            finally:
                lib.event_free(taken)
            return True
        if result == _CLOSED:
            self._end()
            return False
        if result not in (_OK, _TIMEOUT):  # pragma: no cover - not expected from the core
            log.error("transom: transom_event_next_json failed with result %d; events stop", result)
            self._end()
            return False
        return True

    def _pump(self) -> None:
        """The ``transom-events`` thread: blocks for events, hands them over in batches."""
        ptr = self._ptr
        assert ptr is not None and self._sink is not None
        while True:
            batch: List[Dict[str, Any]] = []
            result = self._take(ptr, -1, batch, _BATCH)
            if batch:
                self._deliver(batch)
            if result == _CLOSED:
                self._end()
                return
            if result not in (_OK, _TIMEOUT):  # pragma: no cover - not expected from the core
                log.error("transom: transom_event_next_json failed with result %d; events stop", result)
                self._end()
                return

    def _on_readable(self) -> None:
        """asyncio reader callback: takes what is pending without waiting."""
        with self._guard:
            ptr = self._ptr
        if ptr is None:
            return
        batch: List[Dict[str, Any]] = []
        result = self._take(ptr, 0, batch, _BATCH)
        if batch:
            self._deliver(batch)
        if result == _CLOSED and self._loop is not None:
            self._loop.remove_reader(self._fd)
            self._reader_removed.set()
            self._end()

    def _deliver(self, batch: List[Dict[str, Any]]) -> None:
        try:
            assert self._sink is not None
            self._sink.deliver(batch)
        except Exception:  # pragma: no cover - the sink catches user errors itself
            log.exception("transom: delivering events failed")

    def _end(self) -> None:
        with self._guard:
            if self._ended:
                return
            self._ended = True
        if self._sink is not None:
            try:
                self._sink.stream_ended()
            except Exception:  # pragma: no cover
                log.exception("transom: ending the event stream failed")

    # ---- operations -----------------------------------------------------------------------

    @property
    def version(self) -> str:
        return (self._lib.version() or b"").decode("ascii", "replace")

    def window_create(self, options_json: str) -> int:
        out = ctypes.c_uint64()
        self._call(self._lib.window_create, _utf8(options_json, "window options"), ctypes.byref(out))
        return out.value

    def window_set(self, window: int, props_json: str) -> None:
        self._call(self._lib.window_set, window, _utf8(props_json, "window properties"))

    def window_close(self, window: int) -> None:
        self._call(self._lib.window_close, window)

    def webview_create(self, window: int, options_json: str) -> int:
        out = ctypes.c_uint64()
        self._call(self._lib.webview_create, window, _utf8(options_json, "webview options"), ctypes.byref(out))
        return out.value

    def webview_eval(self, webview: int, script: str) -> None:
        self._call(self._lib.webview_eval, webview, _utf8(script, "script"))

    def webview_navigate(self, webview: int, url: str) -> None:
        self._call(self._lib.webview_navigate, webview, _utf8(url, "url"))

    def post(self, webview: int, channel: str, payload_json: str, raw: bool = True) -> None:
        try:
            channel_bytes, payload = channel.encode(), payload_json.encode()
        except UnicodeEncodeError:
            channel_bytes, payload = _utf8(channel, "channel"), _utf8(payload_json, "payload")
        self._call(self._lib.post, webview, channel_bytes, payload)

    def invoke(self, webview: int, name: str, args_json: str, timeout_ms: int) -> int:
        out = ctypes.c_uint64()
        self._call(
            self._lib.invoke, webview, _utf8(name, "handler name"), _utf8(args_json, "args"), timeout_ms,
            ctypes.byref(out),
        )
        return out.value

    def resolve(self, call: int, value_json: str, wait: bool = True) -> None:
        try:
            value = value_json.encode()
        except UnicodeEncodeError:
            value = _utf8(value_json, "value")
        self._call(self._lib.resolve, call, value)

    def reject(self, call: int, message: str, wait: bool = True) -> None:
        self._call(self._lib.reject, call, _utf8(message, "message"))

    def post_window(self, window: int, channel: str, payload_json: str, raw: bool = True) -> None:
        self._call(self._lib.post_window, window, _utf8(channel, "channel"), _utf8(payload_json, "payload"))

    def post_bytes(self, webview: int, channel: str, data: bytes) -> None:
        self._call(self._lib.post_bytes, webview, _utf8(channel, "channel"), data, len(data))

    def invoke_cancel(self, call: int) -> None:
        self._call(self._lib.invoke_cancel, call)

    def handle(self, name: str) -> None:
        self._call(self._lib.handle, _utf8(name, "handler name"))

    def webview_set(self, webview: int, props_json: str) -> None:
        self._call(self._lib.webview_set, webview, _utf8(props_json, "webview properties"))

    def asset_respond(self, request: int, status: int, headers_json: Optional[str], body: bytes) -> None:
        headers = None if headers_json is None else _utf8(headers_json, "headers")
        self._call(self._lib.asset_respond, request, status, headers, body, len(body))

    def state_set(self, key: str, value_json: str) -> None:
        self._call(self._lib.state_set, _utf8(key, "state key"), _utf8(value_json, "state value"))

    def state_get(self, key: str) -> Any:
        out = ctypes.c_void_p()
        self._call(self._lib.state_get, _utf8(key, "state key"), ctypes.byref(out))
        try:
            return json.loads(ctypes.string_at(out.value) if out.value else b"null")
        finally:
            self._lib.string_free(out)

    def channel_open(self, webview: int, name: str) -> int:
        out = ctypes.c_uint64()
        self._call(self._lib.channel_open, webview, _utf8(name, "channel name"), ctypes.byref(out))
        return out.value

    def channel_send(self, channel: int, payload_json: str) -> None:
        self._call(self._lib.channel_send, channel, _utf8(payload_json, "payload"))

    def channel_send_bytes(self, channel: int, data: bytes) -> None:
        self._call(self._lib.channel_send_bytes, channel, data, len(data))

    def channel_close(self, channel: int, wait: bool = True) -> None:
        self._call(self._lib.channel_close, channel)

    # ---- end ------------------------------------------------------------------------------

    def close(self) -> None:
        with self._guard:
            if self._closing:
                already = True
            else:
                already = False
                self._closing = True
            ptr = self._ptr
        inline = self._inline
        if inline is not None and inline.owns_current_thread():
            inline.before_wait()  # a callback closes: the other thread reads to the end
        if already:
            # Another thread closes; wait for it unless that would wait on ourselves.
            if not self.on_event_thread():
                self._closed_event.wait(30)
            return
        assert ptr is not None
        stuck = False
        try:
            result = self._lib.app_shutdown(ptr)
            if result != _OK:
                stuck = True
                log.error("transom: shutdown did not finish: %s", self._lib.last_error_message())
        finally:
            try:
                if not stuck:
                    stuck = not self._stop_events(ptr)
                # Free only when no other thread can be inside the library with this app.
                with self._guard:
                    if not self._idle.wait_for(lambda: self._inflight == 0, timeout=10):
                        stuck = True
                    self._ptr = None
                if stuck:
                    log.error("transom: the app is left allocated because the GUI thread is stuck")
                else:
                    self._lib.app_free(ptr)
            finally:
                self._closed_event.set()

    def _stop_events(self, ptr: int) -> bool:
        """After shutdown: lets the event reader finish and delivers what is left. Returns whether
        no reader can touch the app any more."""
        inline = self._inline
        if inline is not None:
            # The reading thread gets TRANSOM_ERROR_CLOSED, delivers the last events and ends the
            # stream. (On one of its threads, close() has handed the reading over already.)
            return inline.reading_done.wait(15)
        thread = self._thread
        if thread is not None:
            if thread is threading.current_thread():
                # close() from inside the sink on the events thread: take what is left here.
                batch: List[Dict[str, Any]] = []
                while self._take(ptr, 0, batch, 1 << 30) == _OK:
                    pass
                if batch:
                    self._deliver(batch)
                self._end()
                return False  # the pump loop still holds the pointer: do not free it
            thread.join(15)
            return not thread.is_alive()
        loop = self._loop
        if loop is not None and not self._reader_removed.is_set():
            if loop.is_closed():
                pass
            elif self.on_event_thread() or not loop.is_running():
                loop.remove_reader(self._fd)
            else:
                done = threading.Event()

                def remove() -> None:
                    loop.remove_reader(self._fd)
                    done.set()

                loop.call_soon_threadsafe(remove)
                if not done.wait(5):
                    return False
            self._reader_removed.set()
            batch = []
            while self._take(ptr, 0, batch, 1 << 30) == _OK:
                pass
            if batch:
                self._deliver(batch)
            self._end()
        return True
