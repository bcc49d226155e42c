"""The host backend: a ``transom-host`` child process speaking docs/protocol.md.

Commands are JSON lines on the child's stdin, each with a ``req`` number; replies come back on
its stdout in order, mixed with event lines. A daemon thread ``transom-host-reader`` reads stdout
in chunks, hands replies to the waiting callers and events to the sink.

Messages to pages (``post``: ``webview.send``, ``window.send``, ``app.broadcast``) do not wait for
their reply: they are pipelined like the writes of a socket. What the core would refuse at once
is checked here first (the app is closed, the host is restarting, the payload is over
``max_message_bytes``, :class:`transom.RawJson` text is not JSON), so those errors still raise
from the call. An error reply that comes later (a webview closed before the program heard of it)
is logged on the ``transom`` logger and raised by the next message to the same webview or window
(that message is not sent). Commands whose reply carries something (ids, values) or decides what
the caller does next (``channel.send`` refused for backpressure) wait for it.

Supervision: when the host dies (its stdout closes) while the app is open, every caller waiting
for a reply gets :class:`transom.HostCrashedError` at once, the sink is told (``host_crashed``:
the App then fails its pending invokes and forgets the host's windows), and a new host is started
after 1 s, 2 s, then 4 s. A host that has run for :data:`STABLE_SECONDS` resets that count; a
fourth crash in a row ends the app. Windows are never recreated by the package: the program does
that on ``host-restarted`` if it wants to.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import functools
import json
import logging
import os
import subprocess
import sys
import threading
import time
from typing import Any, Deque, Dict, List, Optional, Sequence, Set

from ._backend import Backend, EventSink
from ._errors import (
    ClosedError,
    HostCrashedError,
    InvalidArgumentError,
    InvalidUtf8Error,
    LibraryNotFoundError,
    PlatformError,
    TimeoutError,
    TooLargeError,
    TransomError,
    UnsupportedError,
    error_for_code,
)
from ._json import check_json
from ._library import find_host

__all__ = ["HostBackend", "STABLE_SECONDS", "PROTOCOL"]

log = logging.getLogger("transom")

#: The host protocol version this package speaks.
PROTOCOL = 1
#: A host that has run this long without crashing resets the back-off count.
STABLE_SECONDS = 30.0
#: How long a start of the host may take (process start, display, GTK) before it counts as failed.
START_TIMEOUT = 20.0
#: How long a command waits for its reply (the host answers at once, except shutdown: <= 10 s).
REPLY_TIMEOUT = 30.0
#: Bytes asked of the pipe in one read; more while a long line is coming.
_READ = 1 << 16
_BIG_READ = 1 << 20
#: Lines shorter than this are written in one piece; longer ones part by part (no copy).
_JOIN_BELOW = 1 << 16
#: The core's default ``max_message_bytes``.
_DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: A harmless first command: a post to every webview of an app that has none. Its reply proves the
#: host's app started (the host reads commands only after that).
_PROBE = '"cmd":"post","webview":0,"channel":"transom.probe","payload":null'


class _Waiter:
    """A caller waiting for the reply to its command."""

    __slots__ = ("req", "event", "reply", "error")

    def __init__(self, req: int) -> None:
        self.req = req
        self.event = threading.Event()
        self.reply: Optional[Dict[str, Any]] = None
        self.error: Optional[BaseException] = None

    def finish(self, reply: Optional[Dict[str, Any]], error: Optional[BaseException]) -> None:
        self.reply, self.error = reply, error
        self.event.set()


#: In a process's ``waiters``: the reply of a command nobody waits for and whose errors are only
#: logged (resolve, reject, channel.close answered from the event thread).
_DROP = -1 << 70


class _Process:
    """One host process and what belongs to it. ``waiters`` holds, in the order the commands were
    written, a :class:`_Waiter` for each command a caller waits for, or an ``int`` for a command
    nobody waits for: the key its error reply is kept under (see :meth:`HostBackend._post`), or
    :data:`_DROP`."""

    def __init__(self, popen: "subprocess.Popen[bytes]", generation: int) -> None:
        self.popen = popen
        self.generation = generation
        self.waiters: Deque[Any] = collections.deque()
        self.hello: Optional[Dict[str, Any]] = None
        self.hello_event = threading.Event()
        self.started_at = time.monotonic()
        self.reader: Optional[threading.Thread] = None
        self.version = ""
        #: Set (under the write lock) once the reader saw the end of the host's stdout: nothing
        #: more is written to this process.
        self.dead = False


class HostBackend(Backend):
    """A supervised ``transom-host`` child process."""

    mode = "host"

    def __init__(
        self,
        options_json: Optional[str],
        host_path: Optional[str] = None,
        restart_delays: Sequence[float] = (1.0, 2.0, 4.0),
    ) -> None:
        if host_path is not None and not os.path.isfile(host_path):
            raise LibraryNotFoundError(f"host_path={host_path!r} is not a file")
        self._path = host_path or find_host()
        self._options = options_json
        self._delays = tuple(float(d) for d in restart_delays)
        self._lock = threading.Lock()
        #: Orders the writes to the host's stdin with their entries in ``waiters`` (and guards
        #: ``_req``). Never held while waiting for anything but the pipe; the reader never takes it
        #: except when the host has died.
        self._wlock = threading.Lock()
        self._req = 0
        #: Error replies to messages nobody waited for, by target (webview id, or -window id):
        #: raised by the next message to that target.
        self._deferred: Dict[int, TransomError] = {}
        self._max_bytes = _max_message_bytes(options_json)
        self._generation = 0
        self._proc: Optional[_Process] = None
        self._state = "starting"  # starting, up, down, closing, closed
        self._failures = 0  # crashes in a row
        self._handled: Set[str] = set()  # handler names, registered again in a restarted host
        self._restart_timer: Optional[threading.Timer] = None
        self._sink: Optional[EventSink] = None
        self._ended = False
        self._closed_event = threading.Event()
        self._version = ""
        self._proc = self._spawn()  # raises when the host cannot start
        self._state = "up"

    # ---- process ---------------------------------------------------------------------------

    def _spawn(self) -> _Process:
        """Starts a host and waits until its app runs. Raises the start-up error."""
        args = [self._path]
        if self._options is not None:
            args += ["--options", self._options]
        try:
            popen = subprocess.Popen(
                args,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=None,
                bufsize=0,
                close_fds=True,
                # Its own session: Ctrl-C in the terminal interrupts the program, which decides;
                # the host ends when its stdin closes with the program.
                start_new_session=(sys.platform != "win32"),
            )
        except (FileNotFoundError, PermissionError) as error:
            raise LibraryNotFoundError(f"cannot run transom-host ({self._path}): {error}") from None
        except OSError as error:
            raise PlatformError(f"cannot start transom-host ({self._path}): {error}") from None
        with self._lock:
            self._generation += 1
            proc = _Process(popen, self._generation)
        proc.reader = threading.Thread(
            target=self._read, args=(proc,), name="transom-host-reader", daemon=True
        )
        proc.reader.start()
        deadline = time.monotonic() + START_TIMEOUT
        try:
            if not proc.hello_event.wait(START_TIMEOUT) or proc.hello is None:
                raise PlatformError(self._start_failure(proc, "wrote no hello line"))
            hello = proc.hello
            if hello.get("protocol") != PROTOCOL:
                raise UnsupportedError(
                    f"transom-host speaks protocol {hello.get('protocol')!r}; this package speaks {PROTOCOL}"
                )
            proc.version = str(hello.get("version", ""))
            waiter = self._send(proc, _PROBE)
            if not waiter.event.wait(max(0.1, deadline - time.monotonic())):
                raise PlatformError(self._start_failure(proc, "did not start its app in time"))
            if waiter.error is not None:
                if isinstance(waiter.error, HostCrashedError):
                    raise PlatformError(self._start_failure(proc, "exited during start-up"))
                raise waiter.error
        except BaseException:
            self._kill(proc)
            raise
        self._version = proc.version
        return proc

    def _start_failure(self, proc: _Process, what: str) -> str:
        status = proc.popen.poll()
        detail = f" (exit status {status})" if status is not None else ""
        return f"transom-host {what}{detail}; its messages are on stderr"

    def _kill(self, proc: _Process) -> Optional[int]:
        try:
            proc.popen.kill()
        except OSError:
            pass
        try:
            return proc.popen.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            return None

    # ---- reading ---------------------------------------------------------------------------

    def _read(self, proc: _Process) -> None:
        """The reader thread of one host process."""
        stdout = proc.popen.stdout
        assert stdout is not None
        fd = stdout.fileno()
        read = os.read
        # The start of a line whose end has not come yet. A bytearray grows in amortised constant
        # time per byte: a line of 140 MB (100 MiB of bytes in base64) costs one pass, not one copy
        # of everything so far per chunk.
        pending = bytearray()
        while True:
            try:
                chunk = read(fd, _BIG_READ if len(pending) >= _BIG_READ else _READ)
            except OSError:
                chunk = b""
            if not chunk:
                break
            end = chunk.rfind(b"\n")
            if end < 0:
                pending += chunk
                continue
            if pending:
                pending += memoryview(chunk)[:end]
                lines: List[Any] = pending.split(b"\n")
                pending = bytearray(memoryview(chunk)[end + 1:])
            else:
                lines = chunk[:end].split(b"\n")
                if end + 1 < len(chunk):
                    pending = bytearray(memoryview(chunk)[end + 1:])
            self._lines(proc, lines)
        try:
            stdout.close()
        except OSError:  # pragma: no cover
            pass
        proc.hello_event.set()
        self._ended_process(proc)

    def _lines(self, proc: _Process, lines: List[Any]) -> None:
        """Handles complete lines the host wrote: replies go to their callers, events to the sink
        (in order: the events before a reply are delivered before the reply is handed over)."""
        events: List[Dict[str, Any]] = []
        waiters = proc.waiters
        for line in lines:
            if line[:12] == b'{"type":"ok"' and waiters and type(waiters[0]) is int:
                # The reply to a message nobody waits for (the common case when streaming
                # messages to a page): nothing in it is needed.
                waiters.popleft()
                continue
            line = line.strip()
            if not line:
                continue
            try:
                message = json.loads(line)
            except ValueError:
                log.error("transom: transom-host wrote a line that is not JSON: %r", bytes(line[:200]))
                continue
            if not isinstance(message, dict):
                continue
            kind = message.get("type")
            if proc.hello is None and kind == "hello":
                proc.hello = message
                proc.hello_event.set()
            elif kind == "ok" or (kind == "error" and "id" not in message):
                if events:
                    self._deliver(proc, events)
                    events = []
                self._reply(proc, message)
            else:
                if "base64" in message:
                    _decode_bytes(message)
                events.append(message)
        if events:
            self._deliver(proc, events)

    def _reply(self, proc: _Process, message: Dict[str, Any]) -> None:
        # deque.popleft is atomic: writers append (under the write lock) before they write, so a
        # reply never comes before its entry.
        try:
            waiter = proc.waiters.popleft()
        except IndexError:
            waiter = None
        if waiter is None:
            # Start-up failure lines come without a command: keep them for the log.
            log.error("transom: transom-host: %s: %s", message.get("code"), message.get("message"))
            return
        ok = message.get("type") == "ok"
        if type(waiter) is int:
            if ok:
                return
            error = error_for_code(str(message.get("code")), str(message.get("message", "")))
            if waiter == _DROP:
                log.debug("transom: transom-host refused a command nobody waited for: %s", error)
                return
            what = f"webview {waiter}" if waiter >= 0 else f"window {-waiter}"
            if waiter == 0:
                what = "every webview"
            log.warning("transom: a message to %s was refused (raised by the next message to it): %s",
                        what, error)
            self._deferred[waiter] = error
            return
        if ok:
            waiter.finish(message, None)
        else:
            waiter.finish(None, error_for_code(str(message.get("code")), str(message.get("message", ""))))

    def _deliver(self, proc: _Process, events: List[Dict[str, Any]]) -> None:
        sink = self._sink
        if sink is None or proc.generation != self._generation:
            return
        try:
            sink.deliver(events)
        except Exception:  # pragma: no cover - the sink catches user errors itself
            log.exception("transom: delivering events failed")

    def _ended_process(self, proc: _Process) -> None:
        """Runs on the reader thread when the host's stdout closed."""
        with self._wlock:
            proc.dead = True
            waiters = [w for w in proc.waiters if type(w) is _Waiter]
            proc.waiters.clear()
        with self._lock:
            current = proc is self._proc
            state = self._state
        if not current or state in ("closing", "closed", "starting"):
            error: BaseException = (
                ClosedError("the app was shut down") if state in ("closing", "closed")
                else HostCrashedError("transom-host exited")
            )
            for waiter in waiters:
                waiter.finish(None, error)
            return
        # The host died while the app was open.
        status = self._kill(proc)
        with self._lock:
            if self._state != "up" or proc is not self._proc:
                return
            self._state = "down"
            stable = time.monotonic() - proc.started_at >= STABLE_SECONDS
            if stable:
                self._failures = 0
            self._failures += 1
            attempt = self._failures
            delay: Optional[float] = self._delays[attempt - 1] if attempt <= len(self._delays) else None
        self._deferred.clear()  # about webviews and windows that died with the host
        crashed = HostCrashedError(f"transom-host exited (status {status}) while the call was pending")
        for waiter in waiters:
            waiter.finish(None, crashed)
        self._report_crash(status, attempt, delay, "the host process exited")

    def _report_crash(self, status: Optional[int], attempt: int, delay: Optional[float], reason: str) -> None:
        info: Dict[str, Any] = {
            "type": "host-crashed",
            "reason": reason,
            "status": status,
            "attempt": attempt,
            "restart_in": delay,
        }
        if status is not None and status < 0:
            info["signal"] = -status
        log.warning(
            "transom: transom-host crashed (%s, status %s); %s", reason, status,
            f"restarting in {delay:g} s" if delay is not None else "giving up",
        )
        if self._sink is not None:
            try:
                self._sink.host_crashed(info)
            except Exception:  # pragma: no cover
                log.exception("transom: reporting the crash failed")
        if delay is None:
            with self._lock:
                self._state = "closed"
            self._end()
            self._closed_event.set()
            return
        timer = threading.Timer(delay, self._restart, args=(attempt,))
        timer.name = "transom-host-restart"
        timer.daemon = True
        with self._lock:
            if self._state != "down":
                return
            self._restart_timer = timer
        timer.start()

    def _restart(self, attempt: int) -> None:
        with self._lock:
            if self._state != "down":
                return
            self._state = "restarting"
        try:
            proc = self._spawn()
        except TransomError as error:
            with self._lock:
                if self._state != "restarting":
                    return
                self._state = "down"
                self._failures += 1
                attempt = self._failures
                delay = self._delays[attempt - 1] if attempt <= len(self._delays) else None
            self._report_crash(None, attempt, delay, f"restarting failed: {error}")
            return
        with self._lock:
            if self._state != "restarting":  # closed meanwhile
                state_closed = True
            else:
                state_closed = False
                self._proc = proc
                self._state = "up"
        if state_closed:
            self._stop_process(proc)
            return
        # The handler allow-list is the app's configuration, not a window: it carries over.
        for name in sorted(self._handled):
            try:
                self._request('"cmd":"handle","name":%s' % _string(name))
            except TransomError as error:
                log.warning("transom: registering handler %r in the restarted host failed: %s", name, error)
        log.warning("transom: transom-host restarted (attempt %d, pid %d)", attempt, proc.popen.pid)
        if self._sink is not None:
            try:
                self._sink.host_restarted(
                    {"type": "host-restarted", "attempt": attempt, "pid": proc.popen.pid}
                )
            except Exception:  # pragma: no cover
                log.exception("transom: reporting the restart failed")

    # ---- writing ---------------------------------------------------------------------------

    def _write(self, proc: _Process, entry: Any, body: Sequence[Any]) -> None:
        """Writes one command line, ``{"req":N,`` + the parts of ``body`` (the command's fields as
        JSON text, ``str`` or ASCII ``bytes``, without braces) + ``}``, and queues ``entry`` for
        its reply. Raises HostCrashedError (with ``entry`` not queued) if the host is gone."""
        parts = []
        for part in body:
            if isinstance(part, str):
                try:
                    part = part.encode("utf-8")
                except UnicodeEncodeError as error:
                    raise InvalidUtf8Error(f"a string argument is not valid UTF-8 text: {error}") from None
            parts.append(part)
        parts.append(b"}\n")
        if len(parts) > 2 and sum(len(part) for part in parts) <= _JOIN_BELOW:
            parts = [b"".join(parts)]  # one write for the line (each write is a system call)
        stdin = proc.popen.stdin
        assert stdin is not None
        with self._wlock:
            if proc.dead:
                raise HostCrashedError("transom-host is gone; the command was not sent")
            self._req += 1
            parts[0] = b'{"req":%d,' % self._req + parts[0]
            proc.waiters.append(entry)
            try:
                for part in parts:
                    view = memoryview(part)
                    while view:  # a raw pipe write may take only part of a large line
                        written = stdin.write(view)
                        view = view[written or 0:]
            except (OSError, ValueError):
                try:
                    proc.waiters.remove(entry)
                except ValueError:  # pragma: no cover - the reader cleared the queue
                    pass
                raise HostCrashedError("transom-host is gone; the command was not sent") from None

    def _send(self, proc: _Process, body: str) -> _Waiter:
        """Writes one command (its fields as JSON text, without braces) and returns its waiter
        (finished with HostCrashedError if the host is gone). Call with the process known to be
        the current one or starting."""
        waiter = _Waiter(0)
        try:
            self._write(proc, waiter, (body,))
        except HostCrashedError as error:
            waiter.finish(None, error)
        return waiter

    def _current(self) -> _Process:
        """The running host process; raises when the app is closed or the host is restarting."""
        with self._lock:
            state, proc = self._state, self._proc
        if state in ("closing", "closed"):
            raise ClosedError("the app was shut down")
        if state != "up" or proc is None:
            raise HostCrashedError("transom-host crashed and is being restarted; the command was not sent")
        return proc

    def _request(self, body: str, wait: bool = True) -> Dict[str, Any]:
        """Sends a command. With ``wait``, waits for its reply and returns it (raising its error);
        without, returns at once and the reply's error, if any, is only logged (debug)."""
        proc = self._current()
        if not wait:
            self._write(proc, _DROP, (body,))
            return {}
        if threading.current_thread() is proc.reader:
            raise RuntimeError("internal error: a command waits for its reply on the thread that reads it")
        waiter = self._send(proc, body)
        if not waiter.event.wait(REPLY_TIMEOUT):
            raise TimeoutError(f"transom-host did not answer within {REPLY_TIMEOUT:g} s")
        if waiter.error is not None:
            raise waiter.error
        assert waiter.reply is not None
        return waiter.reply

    def _post(self, target: int, *body: Any) -> None:
        """Sends a message to a page without waiting for the reply. ``target``: the webview id
        (0: every webview), or minus the window id. An error reply to an earlier message to the
        same target, come since, is raised instead (and this message is not sent)."""
        proc = self._current()
        if self._deferred:
            error = self._deferred.pop(target, None)
            if error is not None:
                raise error
        self._write(proc, target, body)

    def _check_size(self, what: str, size: int) -> None:
        if size > self._max_bytes:
            raise TooLargeError(f"{what} is {size} bytes, more than max_message_bytes ({self._max_bytes})")

    def _check_payload(self, channel: str, payload_json: str, raw: bool) -> None:
        """What the core checks of a post before it accepts it, checked here because the post
        does not wait for the core's answer."""
        _check_channel(channel)
        size = len(payload_json) if payload_json.isascii() else len(payload_json.encode("utf-8", "surrogatepass"))
        self._check_size("payload", size)
        if raw:
            check_json(payload_json, "payload")

    # ---- operations ------------------------------------------------------------------------

    def start(self, sink: EventSink, loop: Optional[asyncio.AbstractEventLoop], executor: Any = None) -> None:
        # Events are read on the reader thread in either case: a reply must be read even while
        # the asyncio loop is blocked in a synchronous call.
        self._sink = sink

    def on_event_thread(self) -> bool:
        proc = self._proc
        return proc is not None and threading.current_thread() is proc.reader

    @property
    def version(self) -> str:
        return self._version

    @property
    def pid(self) -> Optional[int]:
        with self._lock:
            if self._state != "up" or self._proc is None:
                return None
            return self._proc.popen.pid

    def window_create(self, options_json: str) -> int:
        return int(self._request('"cmd":"window.create","options":' + options_json)["window"])

    def window_set(self, window: int, props_json: str) -> None:
        self._request('"cmd":"window.set","window":%d,"props":%s' % (window, props_json))

    def window_close(self, window: int) -> None:
        self._request('"cmd":"window.close","window":%d' % window)

    def webview_create(self, window: int, options_json: str) -> int:
        reply = self._request('"cmd":"webview.create","window":%d,"options":%s' % (window, options_json))
        return int(reply["webview"])

    def webview_eval(self, webview: int, script: str) -> None:
        self._request('"cmd":"webview.eval","webview":%d,"script":%s' % (webview, _string(script)))

    def webview_navigate(self, webview: int, url: str) -> None:
        self._request('"cmd":"webview.navigate","webview":%d,"url":%s' % (webview, _string(url)))

    def post(self, webview: int, channel: str, payload_json: str, raw: bool = True) -> None:
        self._check_payload(channel, payload_json, raw)
        self._post(webview, '"cmd":"post","webview":%d,"channel":%s,"payload":' % (webview, _string(channel)),
                   payload_json)

    def invoke(self, webview: int, name: str, args_json: str, timeout_ms: int) -> int:
        reply = self._request(
            '"cmd":"invoke","webview":%d,"name":%s,"args":%s,"timeout_ms":%d'
            % (webview, _string(name), args_json, timeout_ms)
        )
        return int(reply["call"])

    def resolve(self, call: int, value_json: str, wait: bool = True) -> None:
        self._request('"cmd":"resolve","call":%d,"value":%s' % (call, value_json), wait)

    def reject(self, call: int, message: str, wait: bool = True) -> None:
        self._request('"cmd":"reject","call":%d,"message":%s' % (call, _string(message)), wait)

    def post_window(self, window: int, channel: str, payload_json: str, raw: bool = True) -> None:
        self._check_payload(channel, payload_json, raw)
        self._post(-window, '"cmd":"post","window":%d,"channel":%s,"payload":' % (window, _string(channel)),
                   payload_json)

    def post_bytes(self, webview: int, channel: str, data: bytes) -> None:
        _check_channel(channel)
        self._check_size("bytes", len(data))
        self._post(webview, '"cmd":"post","webview":%d,"channel":%s,"base64":"' % (webview, _string(channel)),
                   base64.b64encode(data), b'"')

    def invoke_cancel(self, call: int) -> None:
        self._request('"cmd":"invoke.cancel","call":%d' % call)

    def webview_set(self, webview: int, props_json: str) -> None:
        self._request('"cmd":"webview.set","webview":%d,"props":%s' % (webview, props_json))

    def asset_respond(self, request: int, status: int, headers_json: Optional[str], body: bytes) -> None:
        headers = "" if headers_json is None else ',"headers":' + headers_json
        encoded = base64.b64encode(body).decode("ascii")
        self._request('"cmd":"asset.respond","request":%d,"status":%d%s,"base64":"%s"' % (request, status, headers, encoded))

    def handle(self, name: str) -> None:
        self._request('"cmd":"handle","name":%s' % _string(name))
        self._handled.add(name)

    def state_set(self, key: str, value_json: str) -> None:
        self._request('"cmd":"state.set","key":%s,"value":%s' % (_string(key), value_json))

    def state_get(self, key: str) -> Any:
        # The reply was decoded with the rest of its line.
        return self._request('"cmd":"state.get","key":%s' % _string(key)).get("value")

    def channel_open(self, webview: int, name: str) -> int:
        reply = self._request('"cmd":"channel.open","webview":%d,"name":%s' % (webview, _string(name)))
        return int(reply["channel"])

    def channel_send(self, channel: int, payload_json: str) -> None:
        self._request('"cmd":"channel.send","channel":%d,"payload":%s' % (channel, payload_json))

    def channel_send_bytes(self, channel: int, data: bytes) -> None:
        self._request('"cmd":"channel.send","channel":%d,"base64":"%s"'
                      % (channel, base64.b64encode(data).decode("ascii")))

    def channel_close(self, channel: int, wait: bool = True) -> None:
        self._request('"cmd":"channel.close","channel":%d' % channel, wait)

    # ---- end -------------------------------------------------------------------------------

    def _end(self) -> None:
        with self._lock:
            if self._ended:
                return
            self._ended = True
        if self._sink is not None:
            try:
                self._sink.stream_ended()
            except Exception:  # pragma: no cover
                log.exception("transom: ending the event stream failed")

    def _stop_process(self, proc: _Process) -> None:
        """Asks a host to shut down, lets it write its last events and exit."""
        try:
            waiter = self._send(proc, '"cmd":"shutdown"')
            # The reply is read by the reader thread: do not wait for it on that thread.
            if proc.reader is not threading.current_thread():
                waiter.event.wait(15)
        except TransomError:
            pass
        try:
            if proc.popen.stdin is not None:
                proc.popen.stdin.close()
        except OSError:
            pass
        if proc.reader is not None and proc.reader is not threading.current_thread():
            proc.reader.join(15)
        try:
            proc.popen.wait(5)
        except subprocess.TimeoutExpired:
            self._kill(proc)

    def close(self) -> None:
        with self._lock:
            state = self._state
            if state in ("closing", "closed"):
                already = True
            else:
                already = False
                self._state = "closing"
            proc = self._proc
            timer = self._restart_timer
        if already:
            if not self.on_event_thread():
                self._closed_event.wait(30)
            return
        if timer is not None:
            timer.cancel()
        try:
            if proc is not None and state == "up":
                self._stop_process(proc)
            elif proc is not None:
                self._kill(proc)
        finally:
            with self._lock:
                self._state = "closed"
            self._end()
            self._closed_event.set()


def _decode_bytes(message: Dict[str, Any]) -> None:
    """A binary message event: its ``base64`` field becomes ``payload`` (``bytes``), as in process."""
    text = message.pop("base64")
    try:
        message["payload"] = base64.b64decode(text, validate=True) if text else b""
    except (TypeError, ValueError):  # pragma: no cover - the host writes canonical base64
        log.error("transom: transom-host sent bytes that are not base64 in a %s event", message.get("type"))
        message["payload"] = b""


def _check_channel(channel: str) -> None:
    """The core's check of a channel name (``check_name``): 1 to 256 bytes of UTF-8."""
    size = len(channel) if channel.isascii() else len(channel.encode("utf-8", "surrogatepass"))
    if not 1 <= size <= 256:
        raise InvalidArgumentError("channel must be 1 to 256 bytes long")


def _max_message_bytes(options_json: Optional[str]) -> int:
    """The app's ``max_message_bytes`` (the core refuses bad options at start-up)."""
    if options_json:
        try:
            value = json.loads(options_json).get("max_message_bytes")
        except (ValueError, AttributeError):
            value = None
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
    return _DEFAULT_MAX_BYTES


@functools.lru_cache(maxsize=1024)
def _string(text: str) -> str:
    """A JSON string literal (non-ASCII kept as is; the line is encoded as UTF-8). Cached: it is
    mostly called with the same few channel and handler names."""
    return json.dumps(text, ensure_ascii=False)
