"""Where events become Python: the one place that maps each event of the core to futures,
callbacks and event streams, and the executors that run user callbacks.

Threads (see the package docs): the backend calls :meth:`Dispatcher.deliver` on its event thread
(or on the asyncio loop). The dispatcher does only quick bookkeeping there (completing futures,
feeding streams, answering calls that have no handler) and hands every user function to the App's
:class:`Executor`: the App's asyncio loop; in process, the threads that read the events
(:class:`InlineExecutor`, which runs a message's listeners and a page call's handler while
routing, the rest right after it); in host mode, a thread of its own (:class:`ThreadExecutor`,
``transom-callbacks``).

To add a kind of event: add a method and an entry in ``Dispatcher._routes``. Channels
(``channel-open``, ``channel-message``, ``channel-close``, ``channel-ready``), shared state
(``state-changed``) and page calls given up (``invoke-cancelled``) are routed here like the rest.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import inspect
import logging
import queue
import threading
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, Optional, Set, Tuple

from ._calls import PageCall, _current
from ._channel import Channel
from ._errors import (
    ClosedError,
    HostCrashedError,
    InvokeCancelledError,
    InvokeError,
    InvokeTimeoutError,
    TimeoutError,
)
from ._json import encode
from ._state import StateMirror

if TYPE_CHECKING:  # pragma: no cover
    from ._app import App, Event

__all__ = ["Dispatcher", "Executor", "ThreadExecutor", "InlineExecutor", "LoopExecutor", "PrivateLoop", "EventStream", "AsyncEventStream"]

log = logging.getLogger("transom")


# ---- executors ----------------------------------------------------------------------------------


class Executor:
    """Runs user functions one at a time, in the order submitted."""

    def before_wait(self) -> None:
        """Called on a thread about to wait for something that events bring (see
        :class:`InlineExecutor`)."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        raise NotImplementedError

    def submit_unlocked(self, fn: Callable[..., Any], *args: Any) -> None:
        """:meth:`submit` for a caller that holds no lock a callback could need: an executor may
        then run ``fn`` at once on the calling thread (:class:`InlineExecutor` does on its
        reader)."""
        self.submit(fn, *args)

    def is_current(self) -> bool:
        """Whether the calling thread is the one running the functions."""
        raise NotImplementedError

    def close(self) -> None:
        """Runs what is queued, then stops (without waiting on itself)."""


class ThreadExecutor(Executor):
    """A daemon thread ``transom-callbacks`` that runs submitted functions in order."""

    def __init__(self) -> None:
        self._queue: "queue.SimpleQueue[Optional[Tuple[Callable[..., Any], Tuple[Any, ...]]]]" = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="transom-callbacks", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            fn, args = item
            try:
                fn(*args)
            except BaseException:  # a user callback must not end the thread
                log.exception("transom: an event callback raised")

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        self._queue.put((fn, args))

    def is_current(self) -> bool:
        return threading.current_thread() is self._thread

    def close(self) -> None:
        self._queue.put(None)
        if not self.is_current():
            self._thread.join(10)


class InlineExecutor(Executor):
    """In-process without an asyncio loop: the threads that read events run the callbacks too.

    Two daemon threads, both named ``transom-callbacks``, share two roles. The *reader* blocks in
    ``transom_event_next_json`` (the GIL released), routes what comes and runs the callbacks it
    called for itself, at once (:meth:`submit_unlocked`: while routing, when nothing is queued;
    else right after the routing): no hand-over to another thread, which would cost two thread
    wake-ups and two GIL hand-overs per event. The other thread waits. So that a callback that
    takes long or waits for an answer does not stop event reading (other threads' ``invoke`` and
    event streams, or the answer that callback waits for), the waiting thread takes the reader role
    over when the reader's current callback has run for :data:`STEAL_AFTER` seconds, and at once
    when a callback is about to wait through the package (:meth:`before_wait`: ``invoke``,
    ``call.result()``, channel ``send``/``recv``, ``EventStream.get``). The callbacks of the events
    read meanwhile queue behind the running one. Whichever thread runs them, callbacks run one at
    a time, in the order they were submitted.

    While callbacks run, the waiting thread looks every :data:`STEAL_AFTER` seconds; after
    :data:`LINGER` seconds without a callback it sleeps until told: an idle app costs nothing.
    """

    #: Seconds a callback may run on the reader before the other thread takes over reading.
    STEAL_AFTER = 0.01
    #: Seconds without callbacks after which the waiting thread stops looking (so that an app
    #: that gets a message now and then does not wake a thread 100 times a second).
    LINGER = 0.1

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._queue: "collections.deque[Tuple[Callable[..., Any], Tuple[Any, ...]]]" = collections.deque()
        self._threads: List[threading.Thread] = []
        self._idents: Set[Optional[int]] = set()
        self._reader: Optional[threading.Thread] = None
        self._runner: Optional[threading.Thread] = None
        #: When the running callback started (monotonic), 0.0 between callbacks.
        self._started = 0.0
        self._last = 0.0
        #: Whether the waiting thread looks periodically (else it sleeps until notified).
        self._watching = False
        self._stopped = False
        self._read: Optional[Callable[[], bool]] = None
        #: Set when no thread will read events again (the stream ended or the executor closed).
        self.reading_done = threading.Event()

    def start(self, read: Callable[[], bool]) -> None:
        """Starts the two threads. ``read()`` blocks for the next events and hands them to the
        dispatcher (which submits callbacks here); it returns False when the stream has ended."""
        self._read = read
        for _ in range(2):
            thread = threading.Thread(target=self._loop, name="transom-callbacks", daemon=True)
            self._threads.append(thread)
        self._reader = self._threads[0]
        for thread in self._threads:
            thread.start()

    def owns_current_thread(self) -> bool:
        """Whether the calling thread is one of the two threads."""
        return threading.current_thread() in self._threads

    def _loop(self) -> None:
        me = threading.current_thread()
        self._idents.add(me.ident)
        read = self._read
        assert read is not None
        while True:
            # The common case without the lock: this thread reads and nothing else is asked of it
            # (only this thread gives its reader role away while it is not in a callback).
            role = _READ if self._reader is me and not self._stopped else self._next_role(me)
            if role == _STOP:
                return
            if role == _READ:
                try:
                    alive = read()
                except BaseException:  # pragma: no cover - read() catches what it can
                    log.exception("transom: reading events failed")
                    alive = False
                if not alive:
                    with self._lock:
                        self._stopped = True
                        self._reader = None
                        self._cond.notify_all()
                    self.reading_done.set()
            self._run_queue(me)

    def _next_role(self, me: threading.Thread) -> int:
        with self._lock:
            while True:
                if self._stopped:
                    return _RUN if self._queue and self._runner is None else _STOP
                if self._reader is me:
                    return _READ
                if self._queue and self._runner is None:
                    return _RUN
                now = time.monotonic()
                reader = self._reader
                if reader is not None and self._runner is reader and self._started:
                    left = self._started + self.STEAL_AFTER - now
                    if left <= 0:
                        # The reader has been in one callback for too long: read in its place.
                        self._reader = me
                        return _READ
                    self._watching = True
                    self._cond.wait(left)
                elif now - self._last < self.LINGER:
                    self._watching = True
                    self._cond.wait(self.STEAL_AFTER)
                else:
                    self._watching = False
                    self._cond.wait()

    def _run_queue(self, me: threading.Thread) -> None:
        """Runs queued functions until none is left, unless another thread is running them."""
        lock, queue, monotonic = self._lock, self._queue, time.monotonic
        if not queue:
            return  # checked again under the lock below when there is something
        with lock:
            if self._runner is not None or not queue:
                return
            self._runner = me
        while True:
            with lock:
                if not queue:
                    self._runner = None
                    self._started = 0.0
                    return
                fn, args = queue.popleft()
                self._started = self._last = monotonic()
                if not self._watching and self._reader is me:
                    self._watching = True
                    self._cond.notify()
            try:
                fn(*args)
            except BaseException:  # a user callback must not end the thread
                log.exception("transom: an event callback raised")

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        with self._lock:
            self._queue.append((fn, args))
            # Submitted from elsewhere while no thread runs callbacks (the reader may be blocked
            # in transom_event_next): the other thread runs it.
            if self._runner is None and threading.get_ident() not in self._idents:
                self._cond.notify()

    def submit_unlocked(self, fn: Callable[..., Any], *args: Any) -> None:
        """On the reader, with nothing queued and no callback running (the common case while it
        routes an event): runs ``fn`` at once, as :meth:`_run_queue` would right after the
        routing, but without the queue (one lock before the call instead of three). Elsewhere
        like :meth:`submit`. The caller must hold no lock: a callback that waits (``Channel.send``
        waiting for credit) would hold it while the other thread, now the reader, needs it."""
        me = threading.current_thread()
        if self._reader is not me or self._runner is not None or self._queue:
            self.submit(fn, *args)
            return
        lock = self._lock
        with lock:
            if self._runner is not None or self._queue or self._reader is not me:
                self._queue.append((fn, args))
                return
            self._runner = me
            self._started = self._last = time.monotonic()
            if not self._watching:
                self._watching = True
                self._cond.notify()
        try:
            fn(*args)
        except BaseException:  # a user callback must not end the thread
            log.exception("transom: an event callback raised")
        finally:
            with lock:
                self._runner = None
                self._started = 0.0

    def is_current(self) -> bool:
        return self._runner is threading.current_thread()

    def before_wait(self) -> None:
        """Called by a package function about to wait for something that events bring: if the
        calling thread is the reader (a callback running on it), the other thread reads from now
        on."""
        me = threading.current_thread()
        if self._reader is not me:
            return
        with self._lock:
            if self._reader is me and not self._stopped:
                others = [t for t in self._threads if t is not me]
                if others:
                    self._reader = others[0]
                    self._cond.notify_all()

    def close(self) -> None:
        """Stops the threads once the queue is empty (they stop reading when the stream ends).
        What is still queued when they are gone runs on the calling thread."""
        with self._lock:
            self._stopped = True
            self._cond.notify_all()
        me = threading.current_thread()
        for thread in self._threads:
            if thread is not me:
                thread.join(10)
        self._run_queue(me)


_READ, _RUN, _STOP = 0, 1, 2


class LoopExecutor(Executor):
    """Runs submitted functions on an asyncio loop's thread (``call_soon_threadsafe``)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._thread_id: Optional[int] = None
        try:
            if asyncio.get_running_loop() is loop:
                self._thread_id = threading.get_ident()
        except RuntimeError:
            pass

    def _guarded(self, fn: Callable[..., Any], args: Tuple[Any, ...]) -> None:
        self._thread_id = threading.get_ident()
        try:
            fn(*args)
        except Exception:
            log.exception("transom: an event callback raised")

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self.loop.call_soon_threadsafe(self._guarded, fn, args)
        except RuntimeError:  # the loop is closed
            log.debug("transom: dropped a callback: its event loop is closed")

    def is_current(self) -> bool:
        return self._thread_id == threading.get_ident()


class PrivateLoop:
    """A private asyncio loop on a daemon thread ``transom-asyncio``, for coroutine callbacks of an
    App that has no loop of its own. Started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()
                    loop.close()

                self._thread = threading.Thread(target=run, name="transom-asyncio", daemon=True)
                self._thread.start()
                ready.wait(10)
                self._loop = loop
            return self._loop

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            if thread is not threading.current_thread():
                thread.join(5)


# ---- event streams ------------------------------------------------------------------------------

_END = object()
#: Results that are certainly not awaitable (skips inspect.isawaitable for them).
_PLAIN = frozenset((type(None), bool, int, float, str, list, dict, tuple, bytes))


def _matches(types: Tuple[str, ...], event: "Event") -> bool:
    return not types or event.type in types


class EventStream:
    """The events of an app, as a blocking iterator: ``for event in app.events(): …``.

    Made by :meth:`transom.App.events`; it sees the events that happen from then on (of the given
    types, or all). Iteration ends when the app is closed. Events wait in the stream until taken:
    close a stream you no longer read (``stream.close()`` or ``with app.events() as stream:``).
    Safe to use from any one thread at a time.
    """

    def __init__(self, app: "App", types: Tuple[str, ...]) -> None:
        self._app = app
        self.types: Tuple[str, ...] = types
        self._queue: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self._done = False

    def _put(self, event: "Event") -> None:
        if _matches(self.types, event):
            self._queue.put(event)

    def _end(self) -> None:
        self._queue.put(_END)

    def get(self, timeout: Optional[float] = None) -> "Event":
        """Returns the next event, waiting up to ``timeout`` seconds (``None``: no limit).

        Raises:
            transom.TimeoutError: no event came in time.
            transom.ClosedError: the app is closed and every event was taken.
        """
        if self._done:
            raise ClosedError("the app is closed and every event was taken")
        if timeout is None or timeout > 0:
            self._app._executor.before_wait()
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no event within {timeout:g} s") from None
        if item is _END:
            self._done = True
            raise ClosedError("the app is closed and every event was taken")
        return item  # type: ignore[no-any-return]

    def wait_for(
        self,
        type: Optional[str] = None,  # noqa: A002 - the event field's name
        predicate: Optional[Callable[["Event"], bool]] = None,
        timeout: Optional[float] = None,
    ) -> "Event":
        """Skips events until one has ``type`` (if given) and satisfies ``predicate`` (if given),
        and returns it. ``timeout`` (seconds) bounds the whole wait.

        Raises:
            transom.TimeoutError: no such event in time.
            transom.ClosedError: the app closed first.
        """
        deadline = None if timeout is None else _now() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - _now())
            if left == 0.0:
                raise TimeoutError(f"no {type or 'matching'} event within {timeout:g} s")
            try:
                event = self.get(left)
            except TimeoutError:
                raise TimeoutError(f"no {type or 'matching'} event within {timeout:g} s") from None
            if (type is None or event.type == type) and (predicate is None or predicate(event)):
                return event

    def close(self) -> None:
        """Stops receiving events; iteration ends."""
        self._app._dispatcher.unsubscribe(self)
        self._queue.put(_END)

    def __iter__(self) -> "EventStream":
        return self

    def __next__(self) -> "Event":
        try:
            return self.get()
        except ClosedError:
            raise StopIteration from None

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncEventStream:
    """The events of an app, as an async iterator: ``async for event in app.events_async(): …``.

    Made by :meth:`transom.App.events_async` inside a running asyncio loop, to which it belongs. It
    sees the events from then on; iteration ends when the app is closed. Close it when done.
    """

    def __init__(self, app: "App", types: Tuple[str, ...], loop: asyncio.AbstractEventLoop) -> None:
        self._app = app
        self.types: Tuple[str, ...] = types
        self._loop = loop
        self._queue: "asyncio.Queue[Any]" = asyncio.Queue()
        self._done = False

    def _put(self, event: "Event") -> None:
        if _matches(self.types, event):
            self._push(event)

    def _end(self) -> None:
        self._push(_END)

    def _push(self, item: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # its loop is closed
            self._app._dispatcher.unsubscribe(self)

    async def get(self, timeout: Optional[float] = None) -> "Event":
        """Returns the next event, waiting up to ``timeout`` seconds (``None``: no limit).

        Raises:
            transom.TimeoutError: no event came in time.
            transom.ClosedError: the app is closed and every event was taken.
        """
        if self._done:
            raise ClosedError("the app is closed and every event was taken")
        try:
            item = await asyncio.wait_for(self._queue.get(), timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(f"no event within {timeout:g} s") from None
        if item is _END:
            self._done = True
            raise ClosedError("the app is closed and every event was taken")
        return item  # type: ignore[no-any-return]

    async def wait_for(
        self,
        type: Optional[str] = None,  # noqa: A002
        predicate: Optional[Callable[["Event"], bool]] = None,
        timeout: Optional[float] = None,
    ) -> "Event":
        """Like :meth:`EventStream.wait_for`, awaitable."""
        deadline = None if timeout is None else _now() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - _now())
            if left == 0.0:
                raise TimeoutError(f"no {type or 'matching'} event within {timeout:g} s")
            try:
                event = await self.get(left)
            except TimeoutError:
                raise TimeoutError(f"no {type or 'matching'} event within {timeout:g} s") from None
            if (type is None or event.type == type) and (predicate is None or predicate(event)):
                return event

    def close(self) -> None:
        """Stops receiving events; iteration ends."""
        self._app._dispatcher.unsubscribe(self)
        self._push(_END)

    def __aiter__(self) -> "AsyncEventStream":
        return self

    async def __anext__(self) -> "Event":
        try:
            return await self.get()
        except ClosedError:
            raise StopAsyncIteration from None

    async def __aenter__(self) -> "AsyncEventStream":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


def _now() -> float:
    import time

    return time.monotonic()


# ---- the dispatcher -----------------------------------------------------------------------------


class Dispatcher:
    """Routes the events of one App. Created by the App; its methods are the backend's
    :class:`transom._backend.EventSink`."""

    def __init__(self, app: "App", executor: Executor, private_loop: PrivateLoop) -> None:
        self._app = app
        self._executor = executor
        self._private_loop = private_loop
        self._lock = threading.Lock()
        self._subscribers: List[Any] = []
        #: Calls made with invoke, by call id, waiting for their invoke-result.
        self._pending: Dict[int, Tuple[concurrent.futures.Future[Any], str]] = {}
        #: invoke-results that came before their call was registered (the reply and the result
        #: race in-process): at most a few, taken by register_call.
        self._early_results: Dict[int, Dict[str, Any]] = {}
        self._ended = False
        #: Bumped by a host crash: a call whose invoke was answered by a host that has crashed
        #: since can never get its result.
        self.epoch = 0
        #: Calls pages made that a handler is answering, by call id.
        self._incoming: Dict[int, PageCall] = {}
        #: Open channels, by channel id.
        self._channels: Dict[int, Channel] = {}
        #: Channels the program is opening (channel_open called, not yet registered), and the
        #: events for unknown channel ids that came meanwhile (in process the reply and the first
        #: events race): taken by register_channel, dropped when no open is in progress.
        self._opening = 0
        self._early_channel_events: Dict[int, List["Event"]] = {}
        #: The shared state as state-changed events showed it.
        self._state = StateMirror()
        self._routes: Dict[str, Callable[["Event"], None]] = {
            "invoke-result": self._on_invoke_result,
            "invoke": self._on_invoke,
            "invoke-cancelled": self._on_invoke_cancelled,
            "message": self._on_message,
            "webview-created": self._on_webview_created,
            "webview-destroyed": self._on_webview_destroyed,
            "window-destroyed": self._on_window_destroyed,
            "error": self._on_error,
            "channel-open": self._on_channel_open,
            "channel-message": self._on_channel_message,
            "channel-close": self._on_channel_close,
            "channel-ready": self._on_channel_ready,
            "state-changed": self._on_state_changed,
        }

    # ---- subscriptions ------------------------------------------------------------------------

    def subscribe(self, stream: Any) -> None:
        with self._lock:
            if self._ended:
                stream._end()
                return
            self._subscribers.append(stream)

    def unsubscribe(self, stream: Any) -> None:
        with self._lock:
            if stream in self._subscribers:
                self._subscribers.remove(stream)

    # ---- calls the program makes (invoke) ------------------------------------------------------

    def register_call(self, call: int, name: str, epoch: int) -> "concurrent.futures.Future[Any]":
        """Registers a call just made (``epoch``: :attr:`epoch` read before making it); returns
        the future its invoke-result completes."""
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._lock:
            early = self._early_results.pop(call, None)
            if early is None:
                if epoch != self.epoch:
                    early = {"ok": False, "error": "transom-host crashed before the page answered",
                             "code": "HOST_CRASHED"}
                elif self._ended:
                    early = {"ok": False, "error": "the app was shut down", "code": "TRANSOM_ERROR_CLOSED"}
                else:
                    self._pending[call] = (future, name)
        if early is not None:
            _complete(future, early, name, call)
        return future

    def _on_invoke_result(self, event: "Event") -> None:
        call = int(event.data.get("call", 0))
        with self._lock:
            entry = self._pending.pop(call, None)
            if entry is None:
                self._early_results[call] = event.data
                return
        _complete(entry[0], event.data, entry[1], call)

    def _fail_calls(self, message: str, code: str) -> None:
        with self._lock:
            if code == "HOST_CRASHED":
                self.epoch += 1
            pending, self._pending = self._pending, {}
            self._early_results.clear()
        for call, (future, name) in pending.items():
            _complete(future, {"ok": False, "error": message, "code": code}, name, call)

    # ---- calls the page makes (host.invoke) ----------------------------------------------------

    def _on_invoke(self, event: "Event") -> None:
        name = str(event.data.get("name", ""))
        call = int(event.data.get("call", 0))
        args = event.data.get("args") or []
        handler = None
        if event.webview is not None:
            handler = event.webview._handlers.get(name)
        if handler is None:
            handler = self._app._handlers.get(name)
        if handler is None:
            self._answer(call, False, f"no handler named {name}")
            return
        page_call = PageCall(call, name, list(args), event.webview)
        with self._lock:
            self._incoming[call] = page_call
        self._executor.submit_unlocked(self._run_handler, handler, page_call)

    def _run_handler(self, handler: Callable[..., Any], page_call: PageCall) -> None:
        call, name = page_call.id, page_call.name
        if page_call.cancelled:
            log.debug("transom: call %d to %r was given up before its handler ran", call, name)
            with self._lock:
                self._incoming.pop(call, None)
            return
        token = _current.set(page_call)
        try:
            result = handler(*page_call.args)
        except Exception as error:
            log.debug("transom: handler %r raised", name, exc_info=True)
            self._answer(call, False, _error_message(error))
            return
        finally:
            _current.reset(token)
        if type(result) not in _PLAIN and inspect.isawaitable(result):
            self._run_coroutine(result, lambda value: self._answer(call, True, value),
                                lambda error: self._answer(call, False, _error_message(error)),
                                page_call)
        else:
            self._answer(call, True, result)

    def _on_invoke_cancelled(self, event: "Event") -> None:
        call = int(event.data.get("call", 0))
        with self._lock:
            page_call = self._incoming.pop(call, None)
        if page_call is not None:
            page_call._cancel(str(event.data.get("reason") or "the page gave up"))

    def _cancel_incoming(self, reason: str) -> None:
        with self._lock:
            incoming, self._incoming = self._incoming, {}
        for page_call in incoming.values():
            page_call._cancel(reason)

    def _answer(self, call: int, ok: bool, value: Any) -> None:
        with self._lock:
            page_call = self._incoming.pop(call, None)
        if page_call is not None and page_call.cancelled:
            log.debug("transom: dropped the answer to call %d: the page gave up on it", call)
            return
        backend = self._app._backend
        try:
            if ok:
                try:
                    text = encode(value, "handler result")
                except Exception as error:
                    backend.reject(call, _clean(f"handler result is not JSON: {error}"), wait=False)
                    return
                backend.resolve(call, text, wait=False)
            else:
                backend.reject(call, _clean(str(value)), wait=False)
        except Exception as error:  # the page went away, the app closed, the host crashed
            log.debug("transom: could not answer call %d: %s", call, error)

    # ---- messages and listeners ----------------------------------------------------------------

    def _on_message(self, event: "Event") -> None:
        webview = event.webview
        if webview is None:
            return
        listeners = webview._take_listeners(str(event.data.get("channel")))
        if not listeners:
            return
        payload = event.data.get("payload")
        for fn in listeners:
            self._executor.submit_unlocked(self._run_listener, fn, (payload,))

    def run_callback(self, fn: Callable[..., Any], *args: Any) -> None:
        """Runs ``fn(*args)`` on the callback executor (a coroutine function on the App's loop);
        exceptions are logged."""
        self._executor.submit(self._run_listener, fn, args)

    def _run_listener(self, fn: Callable[..., Any], args: Tuple[Any, ...]) -> None:
        try:
            result = fn(*args)
        except Exception:
            log.exception("transom: listener %r raised", fn)
            return
        if result is not None and type(result) not in _PLAIN and inspect.isawaitable(result):
            self._run_coroutine(result, None, lambda error: log.error(
                "transom: listener %r raised", fn, exc_info=(type(error), error, error.__traceback__)))

    def _run_coroutine(
        self,
        awaitable: Awaitable[Any],
        on_value: Optional[Callable[[Any], None]],
        on_error: Callable[[BaseException], None],
        page_call: Optional[PageCall] = None,
    ) -> None:
        """Runs a coroutine on the App's loop (or the private loop); calls back with its outcome
        on that loop's thread. With ``page_call``, the task is cancelled if the page gives up."""
        loop = self._app._loop or self._private_loop.loop()

        async def wrapper() -> None:
            if page_call is not None:
                task = asyncio.current_task()
                if task is None or not page_call._attach(task, loop):
                    close = getattr(awaitable, "close", None)
                    if close is not None:
                        close()  # never started: no "never awaited" warning
                    with self._lock:
                        self._incoming.pop(page_call.id, None)
                    return
                _current.set(page_call)
            try:
                value = await awaitable
            except asyncio.CancelledError:
                if page_call is not None and page_call.cancelled:
                    log.debug("transom: handler %r cancelled: %s", page_call.name, page_call.cancel_reason)
                    return
                raise
            except Exception as error:
                on_error(error)
                return
            if on_value is not None:
                on_value(value)

        asyncio.run_coroutine_threadsafe(wrapper(), loop)

    # ---- channels ------------------------------------------------------------------------------

    def opening_channel(self) -> int:
        """Called before the program opens a channel; returns the epoch to pass to
        :meth:`register_channel` (or :meth:`open_failed`)."""
        with self._lock:
            self._opening += 1
            return self.epoch

    def open_failed(self) -> None:
        with self._lock:
            self._opening -= 1
            if self._opening == 0:
                self._early_channel_events.clear()

    def register_channel(self, channel: Channel, epoch: int) -> None:
        """Registers a channel the program has just opened; applies the events that came first."""
        reason = None
        with self._lock:
            self._opening -= 1
            early = self._early_channel_events.pop(channel.id, [])
            if self._opening == 0:
                self._early_channel_events.clear()
            if epoch != self.epoch:
                reason = "transom-host crashed"
            elif self._ended:
                reason = "the app was shut down"
            else:
                self._channels[channel.id] = channel
                # Under the lock: events routed from now on come after these.
                for event in early:
                    self._channel_event(channel, event)
        if reason is not None:
            channel._finish(reason)

    def forget_channel(self, channel: Channel) -> None:
        """The program closed ``channel``."""
        with self._lock:
            if self._channels.get(channel.id) is channel:
                del self._channels[channel.id]

    def _channel_event(self, channel: Channel, event: "Event") -> None:
        """Applies a channel event to its channel. Called with the lock held."""
        event.channel = channel
        if event.type == "channel-message":
            channel._deliver(event.data.get("payload"))
        elif event.type == "channel-ready":
            channel._ready_now()
        elif event.type == "channel-close":
            self._channels.pop(channel.id, None)
            reason = str(event.data.get("reason") or "closed")
            # _finish runs callbacks through the executor; it only takes the channel's lock.
            channel._finish(reason)

    def _on_channel_event(self, event: "Event") -> None:
        channel_id = event.data.get("channel")
        if not isinstance(channel_id, int):
            return
        with self._lock:
            channel = self._channels.get(channel_id)
            if channel is not None:
                self._channel_event(channel, event)
            elif self._opening > 0:
                self._early_channel_events.setdefault(channel_id, []).append(event)

    _on_channel_message = _on_channel_event
    _on_channel_ready = _on_channel_event
    _on_channel_close = _on_channel_event

    def _on_channel_open(self, event: "Event") -> None:
        webview = event.webview
        channel_id = event.data.get("channel")
        if webview is None or not isinstance(channel_id, int):
            return
        name = str(event.data.get("name", ""))
        channel = Channel(self._app, webview, channel_id, name, "page")
        event.channel = channel
        handler = webview._channel_handlers.get(name) or self._app._channel_handlers.get(name)
        if handler is None:
            # Like a page without a host.onChannel handler: close it (the page's side ends with
            # "closed by the program"). Not waiting: this may be the thread that reads replies.
            try:
                self._app._backend.channel_close(channel_id, wait=False)
            except Exception as error:
                log.debug("transom: could not close channel %d: %s", channel_id, error)
            channel._finish(f"no channel handler named {name}")
            return
        with self._lock:
            if self._ended:
                channel._finish("the app was shut down")
                return
            self._channels[channel_id] = channel
        self._executor.submit(self._run_channel_handler, handler, channel)

    def _run_channel_handler(self, handler: Callable[..., Any], channel: Channel) -> None:
        def failed(error: BaseException) -> None:
            log.error("transom: channel handler %r raised; closing channel %r", handler, channel.name,
                      exc_info=(type(error), error, error.__traceback__))
            channel.close()

        try:
            result = handler(channel)
        except Exception as error:
            failed(error)
            return
        if inspect.isawaitable(result):
            self._run_coroutine(result, None, failed)

    def _close_channels(self, reason: str) -> None:
        with self._lock:
            channels, self._channels = self._channels, {}
            self._early_channel_events.clear()
        for channel in channels.values():
            channel._finish(reason)

    # ---- shared state --------------------------------------------------------------------------

    def state_keys(self) -> List[str]:
        with self._lock:
            return self._state.keys()

    def state_written(self, key: str) -> None:
        with self._lock:
            self._state.written.add(key)

    def _on_state_changed(self, event: "Event") -> None:
        key = event.data.get("key")
        version = event.data.get("version")
        if not isinstance(key, str) or not isinstance(version, int):
            return
        value = event.data.get("value")
        with self._lock:
            newer, had_value, old = self._state.change(key, version, value)
        if not newer:
            return  # an older write the core ordered before the one already seen
        watchers = list(self._app._state_watchers.get(key, ()))
        if not watchers:
            return
        if had_value and encode(old) == encode(value):
            return  # the view did not change
        for fn in watchers:
            self._executor.submit(self._run_listener, fn, (value, old))

    # ---- windows and webviews ------------------------------------------------------------------

    def _on_webview_created(self, event: "Event") -> None:
        if event.window is not None and event.webview is not None:
            event.window._webview = event.webview

    def _on_webview_destroyed(self, event: "Event") -> None:
        if event.webview is not None:
            self._app._forget_webview(event.webview)

    def _on_window_destroyed(self, event: "Event") -> None:
        if event.window is not None:
            self._app._forget_window(event.window)
        self._executor.submit(self._app._settle)

    def _on_error(self, event: "Event") -> None:
        # A window or webview that the GUI thread could not make: its id is unknown from now on.
        target = event.data.get("id")
        if not isinstance(target, int):
            return
        webview = self._app._webviews.get(target)
        if webview is not None:
            self._app._forget_webview(webview)
            return
        window = self._app._windows.get(target)
        if window is not None and event.data.get("code") != "TRANSOM_ERROR_NOT_FOUND":
            self._app._forget_window(window)
            self._executor.submit(self._app._settle)

    # ---- the backend's sink --------------------------------------------------------------------

    def deliver(self, events: List[Dict[str, Any]]) -> None:
        """Called by the backend with events in order (see the module docs for the thread)."""
        for data in events:
            self.deliver_one(data)

    def deliver_one(self, data: Dict[str, Any]) -> None:
        """:meth:`deliver` for one event (the in-process reader takes them one at a time)."""
        app = self._app
        try:
            if data.get("type") == "message" and not self._subscribers and not app._event_listeners:
                # The common case made short: a message that only its channel's listeners look at
                # (no event stream, no on_event callback) needs no Event object.
                webview = app._webviews.get(data.get("webview"))  # type: ignore[arg-type]
                if webview is not None and not webview._event_listeners and not webview.window._event_listeners:
                    if webview._once:
                        listeners = webview._take_listeners(str(data.get("channel")))
                    else:  # what _take_listeners does then, without the call
                        listeners = webview._listeners.get(data.get("channel"))  # type: ignore[arg-type]
                        listeners = tuple(listeners) if listeners else ()
                    if listeners:
                        payload = data.get("payload")
                        submit = self._executor.submit_unlocked
                        for fn in listeners:
                            submit(self._run_listener, fn, (payload,))
                    return
            event = app._make_event(data)
            route = self._routes.get(event.type)
            if route is not None:
                route(event)
            self._publish(event)
        except Exception:
            log.exception("transom: handling event %r failed", data)

    def _publish(self, event: "Event") -> None:
        """Hands an event to the streams and the on_event callbacks."""
        if self._subscribers:
            with self._lock:
                subscribers = list(self._subscribers)
            for stream in subscribers:
                stream._put(event)
        for fn in self._app._event_callbacks(event):
            self._executor.submit(self._run_listener, fn, (event,))

    def host_crashed(self, info: Dict[str, Any]) -> None:
        # Every pending call raises at once, then the lost windows are forgotten and reported.
        self._fail_calls("transom-host crashed before the page answered", "HOST_CRASHED")
        self._close_channels("transom-host crashed")
        self._cancel_incoming("transom-host crashed")
        with self._lock:
            self._state.clear()
        lost = self._app._lose_everything()
        info = dict(info)
        info["windows"] = [w.id for w in lost]
        event = self._app._make_event(info)
        self._publish(event)
        if info.get("restart_in") is None:
            self._executor.submit(self._app._settle)

    def host_restarted(self, info: Dict[str, Any]) -> None:
        self._publish(self._app._make_event(dict(info)))
        # app.run() returns now unless a host-restarted callback opened a window again.
        self._executor.submit(self._app._settle)

    def stream_ended(self) -> None:
        with self._lock:
            if self._ended:
                return
            self._ended = True
            subscribers, self._subscribers = self._subscribers, []
        self._fail_calls("the app was shut down", "TRANSOM_ERROR_CLOSED")
        self._close_channels("the app was shut down")
        self._cancel_incoming("the app was shut down")
        self._app._mark_closed()
        for stream in subscribers:
            stream._end()
        self._executor.submit(self._app._settle)


def _complete(future: "concurrent.futures.Future[Any]", data: Dict[str, Any], name: str, call: int) -> None:
    if future.done():
        return
    try:
        if data.get("ok"):
            future.set_result(data.get("value"))
            return
        code = data.get("code")
        message = str(data.get("error", "the call failed"))
        cls = _INVOKE_ERRORS.get(str(code), InvokeError)
        future.set_exception(cls(message, code, name=name, call=call))
    except concurrent.futures.InvalidStateError:  # cancelled meanwhile
        pass


_INVOKE_ERRORS = {
    "TRANSOM_ERROR_TIMEOUT": InvokeTimeoutError,
    "TRANSOM_ERROR_CANCELLED": InvokeCancelledError,
}


def _error_message(error: BaseException) -> str:
    text = str(error)
    return text if text else type(error).__name__


def _clean(text: str) -> str:
    """A rejection message that can travel as a C string."""
    text = text.replace("\x00", "\ufffd")
    return text.encode("utf-8", "replace").decode("utf-8")


# Keep names referenced for type checkers.
_unused = (HostCrashedError,)
