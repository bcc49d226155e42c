"""Channels: ordered streams of messages between the program and one page, with backpressure.

A :class:`Channel` is made by :meth:`transom.Webview.channel` (the program opens it; the page
takes it with ``host.onChannel(name, fn)``) or handed to a :meth:`transom.Webview.on_channel` /
:meth:`transom.App.on_channel` handler (the page opened it with ``host.channel(name)``). Both
ends send and receive whichever side opened it.

Backpressure, program to page: the core lets at most 4 MiB be in flight (sent, not yet taken by
the page's ``message`` listeners). Past that it refuses a send with ``TRANSOM_ERROR_WOULD_BLOCK``
and later reports ``channel-ready``; :meth:`Channel.send` waits for that event and sends again.

Page to program: the core gives the page its window back when this package takes the
``channel-message`` event from the core (in process) or the host writes it (host mode), not when
your code reads the message: messages then wait in the channel (in memory) until you read them.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Callable,
    Deque,
    Iterator,
    List,
    Optional,
    Tuple,
    TypeVar,
    overload,
)

from ._errors import (
    ChannelClosedError,
    ClosedError,
    HostCrashedError,
    InvalidArgumentError,
    NotFoundError,
    TimeoutError,
    WouldBlockError,
)
from ._json import as_bytes, encode

if TYPE_CHECKING:  # pragma: no cover
    from ._app import App, Webview

__all__ = ["Channel"]

log = logging.getLogger("transom")

F = TypeVar("F", bound=Callable[..., Any])

#: Reason of a channel the program closed.
CLOSED_BY_PROGRAM = "closed by the program"


class Channel:
    """An ordered stream of messages between the program and one page, closed by either side.

    Get one from :meth:`Webview.channel` (opened by the program) or in a handler registered with
    :meth:`Webview.on_channel` / :meth:`App.on_channel` (opened by the page). The page's side is
    the object ``host.channel(name)`` returns or ``host.onChannel(name, fn)`` is given
    (src/page/host.d.ts).

    Sending: :meth:`send` (waits while the page is behind), :meth:`send_async`,
    :meth:`try_send` (never waits). A message is a JSON value, :class:`transom.RawJson`, or bytes
    (``bytes``, ``bytearray``, ``memoryview``: the page gets a ``Uint8Array``).

    Receiving, the page's messages in order (decoded JSON values, or ``bytes`` for an
    ``ArrayBuffer`` / typed array): iterate (``for message in channel``, ``async for message in
    channel``; both end when the channel closes), call :meth:`recv` / :meth:`recv_async`, or
    register callbacks with :meth:`on_message`. Messages wait in the channel until read; once a
    channel has ``on_message`` callbacks, every message goes to them (and not to readers).

    ``with webview.channel("feed") as channel:`` closes the channel when the block ends.

    Attributes:
        id: the core's channel id (an int, never 0).
        name: the channel's name.
        webview: the :class:`Webview` whose page is the other end.
        opened_by: ``"program"`` or ``"page"``.

    Thread: every method may be called from any thread; iterate a channel from one consumer at a
    time.
    """

    def __init__(self, app: "App", webview: "Webview", id: int, name: str, opened_by: str) -> None:  # noqa: A002
        self.app: App = app
        self.webview: Webview = webview
        self.id: int = id
        self.name: str = name
        self.opened_by: str = opened_by
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        #: asyncio waiters: (loop, future), woken by _notify.
        self._async_waiters: List[Tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]] = []
        self._inbox: Deque[Any] = collections.deque()
        self._message_callbacks: List[Callable[[Any], Any]] = []
        self._close_callbacks: List[Callable[[str], Any]] = []
        self._closed = False
        self._reason: Optional[str] = None
        #: channel-ready events seen; a send refused with WOULD_BLOCK waits for it to change.
        self._ready = 0

    def __repr__(self) -> str:
        state = f" closed: {self._reason}" if self._closed else ""
        return f"<transom.Channel {self.id} {self.name!r} of webview {self.webview.id}{state}>"

    # ---- state ---------------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Whether the channel has closed (by either side, with its page, or with the app). Messages
        that arrived before stay readable."""
        return self._closed

    @property
    def close_reason(self) -> Optional[str]:
        """Why the channel closed (``None`` while open): ``"closed by the program"``, ``"closed by
        the page"``, ``"no channel handler named NAME"``, ``"the page navigated away"``, ``"the
        webview was closed"``, ``"the app was shut down"``, ``"transom-host crashed"``."""
        return self._reason

    @property
    def pending(self) -> int:
        """How many messages from the page wait in the channel, unread."""
        with self._lock:
            return len(self._inbox)

    def _closed_error(self) -> ChannelClosedError:
        reason = self._reason or "closed"
        return ChannelClosedError(f"channel {self.name!r} ({self.id}) is closed: {reason}", reason)

    # ---- sending -------------------------------------------------------------------------------

    def _send_once(self, data: Any) -> None:
        """One attempt; raises WouldBlockError when the page is behind."""
        raw = as_bytes(data)
        backend = self.app._backend
        try:
            if raw is not None:
                backend.channel_send_bytes(self.id, raw)
            else:
                backend.channel_send(self.id, encode(data, "channel message"))
        except NotFoundError as error:
            # The core no longer knows the channel: it closed (its channel-close event may still be
            # on its way) or the program closed it.
            with self._lock:
                if self._closed:
                    raise self._closed_error() from None
            raise ChannelClosedError(
                f"channel {self.name!r} ({self.id}) is closed: {error.message}", error.message
            ) from None

    def try_send(self, data: Any = None) -> None:
        """Sends ``data`` if the channel has room now, without waiting.

        Raises:
            WouldBlockError: the page is behind; nothing was sent (a ``channel-ready`` event
                follows once it has caught up; :meth:`send` waits for it).
            others: as :meth:`send`.
        """
        if self._closed:
            raise self._closed_error()
        self._send_once(data)

    def send(self, data: Any = None, timeout: Optional[float] = None) -> None:
        """Sends ``data`` to the page, whose channel ``message`` listeners get it in order. While the
        page is behind (4 MiB in flight), waits until it has caught up, then sends.

        Args:
            data: a JSON-encodable value (dict, list, str, int, float, bool, None),
                :class:`transom.RawJson`, or ``bytes`` / ``bytearray`` / ``memoryview`` (sent as
                bytes; the page gets a ``Uint8Array``).
            timeout: seconds to wait for room (``None``: no limit).

        Thread: any. On the thread that delivers events (the App's asyncio loop, for an
        in-process App bound to it) it does not wait: it raises :class:`WouldBlockError` instead
        (use :meth:`send_async` there).

        Raises:
            ChannelClosedError: the channel is closed (``reason`` says why), also while waiting.
            transom.TimeoutError: no room within ``timeout``; nothing was sent.
            InvalidJsonError: ``data`` is not JSON. TooLargeError: over ``max_message_bytes``.
            ClosedError: the app is closed. HostCrashedError: host mode, the host is restarting.
        """
        deadline = None if timeout is None else time.monotonic() + _check_timeout(timeout)
        while True:
            with self._lock:
                if self._closed:
                    raise self._closed_error()
                seen = self._ready
            try:
                self._send_once(data)
                return
            except WouldBlockError:
                if self.app._backend.on_event_thread():
                    raise
            with self._lock:
                while not self._closed and self._ready == seen:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        raise TimeoutError(f"channel {self.name!r}: the page did not catch up within {timeout:g} s")
                    self.app._executor.before_wait()
                    self._cond.wait(left)

    async def send_async(self, data: Any = None, timeout: Optional[float] = None) -> None:
        """Like :meth:`send`, awaitable: ``await channel.send_async(data)`` waits without blocking
        the running loop while the page is behind. Works in any running asyncio loop.

        Raises: as :meth:`send`.
        """
        deadline = None if timeout is None else time.monotonic() + _check_timeout(timeout)
        while True:
            with self._lock:
                if self._closed:
                    raise self._closed_error()
                seen = self._ready
            try:
                self._send_once(data)
                return
            except WouldBlockError:
                pass
            if not await self._wait_async(lambda: self._closed or self._ready != seen, deadline):
                raise TimeoutError(f"channel {self.name!r}: the page did not catch up within {timeout:g} s")

    # ---- receiving -----------------------------------------------------------------------------

    def recv(self, timeout: Optional[float] = None) -> Any:
        """Returns the page's next message on this channel, waiting up to ``timeout`` seconds
        (``None``: no limit). Messages that came before are returned first, also after the
        channel closed.

        Thread: any (not the thread that delivers events, where it would wait forever if nothing
        is there: it raises ``RuntimeError`` then).

        Raises:
            ChannelClosedError: the channel is closed and every message was read.
            transom.TimeoutError: nothing came in time.
        """
        deadline = None if timeout is None else time.monotonic() + _check_timeout(timeout)
        with self._lock:
            while True:
                if self._inbox:
                    return self._inbox.popleft()
                if self._closed:
                    raise self._closed_error()
                if self.app._backend.on_event_thread():
                    raise RuntimeError("channel.recv() would wait for a message only this thread can deliver; "
                                       "use `await channel.recv_async()`")
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise TimeoutError(f"channel {self.name!r}: no message within {timeout:g} s")
                self.app._executor.before_wait()
                self._cond.wait(left)

    async def recv_async(self, timeout: Optional[float] = None) -> Any:
        """Like :meth:`recv`, awaitable. Works in any running asyncio loop.

        Raises: as :meth:`recv`.
        """
        deadline = None if timeout is None else time.monotonic() + _check_timeout(timeout)
        while True:
            with self._lock:
                if self._inbox:
                    return self._inbox.popleft()
                if self._closed:
                    raise self._closed_error()
            if not await self._wait_async(lambda: bool(self._inbox) or self._closed, deadline):
                raise TimeoutError(f"channel {self.name!r}: no message within {timeout:g} s")

    def __iter__(self) -> Iterator[Any]:
        """``for message in channel``: the page's messages until the channel closes (see
        :meth:`recv`)."""
        while True:
            try:
                yield self.recv()
            except ChannelClosedError:
                return

    async def __aiter__(self) -> AsyncIterator[Any]:
        """``async for message in channel``: the page's messages until the channel closes."""
        while True:
            try:
                message = await self.recv_async()
            except ChannelClosedError:
                return
            yield message

    @overload
    def on_message(self) -> Callable[[F], F]: ...

    @overload
    def on_message(self, fn: F) -> F: ...

    def on_message(self, fn: Optional[F] = None) -> Any:
        """Registers ``fn(message)`` for the page's messages on this channel: as a decorator,
        ``@channel.on_message()``, or called with the function. Messages waiting unread are handed
        to the first callback at once; from then on messages go to the callbacks, in order, not to
        :meth:`recv` or iteration. ``fn`` may be a coroutine function.

        Thread: the App's callback thread or loop (see the package docs, "Threads"). Exceptions
        are logged on the ``transom`` logger.

        Returns:
            ``fn``.
        """

        def register(f: Callable[[Any], Any]) -> None:
            if not callable(f):
                raise InvalidArgumentError(f"expected a function, got {type(f).__name__}")
            with self._lock:
                self._message_callbacks.append(f)
                waiting = list(self._inbox) if len(self._message_callbacks) == 1 else []
                self._inbox.clear()
                # Submitted under the lock so that later messages cannot overtake them.
                for message in waiting:
                    self.app._dispatcher.run_callback(f, message)

        if fn is not None:
            register(fn)
            return fn

        def decorator(f: F) -> F:
            register(f)
            return f

        return decorator

    def off_message(self, fn: Callable[[Any], Any]) -> None:
        """Removes a callback added with :meth:`on_message` (no error if it is not there). With
        none left, messages wait for :meth:`recv` again. Thread: any."""
        with self._lock:
            if fn in self._message_callbacks:
                self._message_callbacks.remove(fn)

    def on_close(self, fn: Callable[[str], Any]) -> Callable[[str], Any]:
        """Registers ``fn(reason)``, called once when the channel closes (at once, on the callback
        thread, if it is closed already). ``fn`` may be a coroutine function. Returns ``fn``."""
        if not callable(fn):
            raise InvalidArgumentError(f"expected a function, got {type(fn).__name__}")
        with self._lock:
            if not self._closed:
                self._close_callbacks.append(fn)
                return fn
            reason = self._reason or ""
        self.app._dispatcher.run_callback(fn, reason)
        return fn

    # ---- closing -------------------------------------------------------------------------------

    def close(self) -> None:
        """Closes the channel: the page's side ends with ``"closed by the program"`` after the
        messages sent before; waiting senders and readers wake (readers get the messages that had
        arrived, then the end). Closing a closed channel does nothing.

        Thread: any. Raises: HostCrashedError (host mode, while the host restarts).
        """
        with self._lock:
            if self._closed:
                return
        try:
            self.app._backend.channel_close(self.id)
        except (NotFoundError, ClosedError):
            pass  # it closed meanwhile; its channel-close event tells why
        except HostCrashedError:
            pass  # the host is gone with the channel; the crash closes it
        self._finish(CLOSED_BY_PROGRAM)
        self.app._dispatcher.forget_channel(self)

    def __enter__(self) -> "Channel":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> "Channel":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    # ---- from the dispatcher (the thread that delivers events) ---------------------------------

    def _deliver(self, message: Any) -> None:
        with self._lock:
            if self._message_callbacks:
                for fn in list(self._message_callbacks):
                    self.app._dispatcher.run_callback(fn, message)
                return
            self._inbox.append(message)
            self._notify()

    def _ready_now(self) -> None:
        with self._lock:
            self._ready += 1
            self._notify()

    def _finish(self, reason: str) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._reason = reason
            callbacks, self._close_callbacks = self._close_callbacks, []
            self._notify()
        for fn in callbacks:
            self.app._dispatcher.run_callback(fn, reason)

    # ---- waiting -------------------------------------------------------------------------------

    def _notify(self) -> None:
        """Wakes every waiter. Called with the lock held."""
        self._cond.notify_all()
        waiters, self._async_waiters = self._async_waiters, []
        for loop, future in waiters:
            try:
                loop.call_soon_threadsafe(_wake, future)
            except RuntimeError:  # its loop is closed
                pass

    async def _wait_async(self, done: Callable[[], bool], deadline: Optional[float]) -> bool:
        """Awaits until ``done()`` (checked under the lock) or the deadline; returns ``done()``."""
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                if done():
                    return True
                future: "asyncio.Future[None]" = loop.create_future()
                self._async_waiters.append((loop, future))
            left = None if deadline is None else deadline - time.monotonic()
            try:
                if left is not None and left <= 0:
                    raise asyncio.TimeoutError
                await asyncio.wait_for(future, left)
            except asyncio.TimeoutError:
                with self._lock:
                    return done()
            finally:
                with self._lock:
                    if (loop, future) in self._async_waiters:
                        self._async_waiters.remove((loop, future))


def _wake(future: "asyncio.Future[None]") -> None:
    if not future.done():
        future.set_result(None)


def _check_timeout(timeout: Any) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout >= 0:
        raise InvalidArgumentError(f"timeout must be a number of seconds >= 0 or None, got {timeout!r}")
    return float(timeout)
