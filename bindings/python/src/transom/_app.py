"""The public objects: :class:`App`, :class:`Window`, :class:`Webview` and :class:`Event`."""

from __future__ import annotations

import asyncio
import atexit
import json
import math
import sys
import threading
import weakref
# concurrent.futures.TimeoutError is the builtin TimeoutError from Python 3.11 on, but not before.
from concurrent.futures import TimeoutError as TimeoutError_
from typing import (
    Any,
    Callable,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypeVar,
    Union,
    overload,
)

from ._backend import Backend
from ._calls import Call
from ._channel import Channel
from ._dispatch import (
    AsyncEventStream,
    Dispatcher,
    EventStream,
    Executor,
    InlineExecutor,
    LoopExecutor,
    PrivateLoop,
    ThreadExecutor,
)
from ._errors import (
    ClosedError,
    InvalidArgumentError,
    InvokeTimeoutError,
    NotFoundError,
    UnsupportedError,
)
from ._json import RawJson, as_bytes, check_text, encode
from ._state import SharedState, check_key

__all__ = ["App", "Window", "Webview", "Event", "MODES"]

F = TypeVar("F", bound=Callable[..., Any])

#: The values ``App(mode=...)`` takes.
MODES = ("auto", "in-process", "host")

#: How much longer than its own ``timeout`` a synchronous invoke waits for the core's answer before
#: it gives up by itself (the core always answers; this only guards against a stuck process).
_INVOKE_GRACE = 10.0
_MAX_TIMEOUT_MS = 0xFFFFFFFF


class Event:
    """One event of an app, as the core reports it (docs/protocol.md, "Events"), plus the ones
    this package adds in host mode (``host-crashed``, ``host-restarted``).

    Attributes:
        type: the event's kind: ``"window-created"``, ``"close-requested"``,
            ``"window-destroyed"``, ``"focus"``, ``"blur"``, ``"resize"``, ``"move"``,
            ``"webview-created"``, ``"webview-destroyed"``, ``"page-load"``, ``"title-changed"``,
            ``"message"``, ``"invoke"``, ``"invoke-result"``, ``"invoke-cancelled"``,
            ``"error"``, ``"security"``, ``"channel-open"``, ``"channel-message"``,
            ``"channel-close"``, ``"channel-ready"``, ``"state-changed"``, ``"host-crashed"``,
            ``"host-restarted"``; newer cores add kinds.
        data: every field of the event as decoded JSON (``data["type"]`` too). A binary
            ``message`` or ``channel-message`` has its bytes as ``bytes`` in ``data["payload"]``
            (and their length in ``data["bytes"]``), in both modes.
        window: the :class:`Window` it concerns, or ``None``.
        webview: the :class:`Webview` it concerns, or ``None``.
        channel: for ``channel-*`` events, the :class:`Channel` (``data["channel"]`` is its id),
            else ``None``.

    ``event["payload"]`` and ``event.get("payload")`` read fields of ``data``.
    """

    __slots__ = ("type", "data", "window", "webview", "channel")

    def __init__(
        self, type: str, data: Dict[str, Any], window: Optional["Window"], webview: Optional["Webview"]  # noqa: A002
    ) -> None:
        self.type: str = type
        self.data: Dict[str, Any] = data
        self.window: Optional[Window] = window
        self.webview: Optional[Webview] = webview
        self.channel: Optional[Channel] = None

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        """The field ``key`` of the event, or ``default``."""
        return self.data.get(key, default)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={_short(v)}" for k, v in self.data.items() if k != "type")
        return f"Event({self.type!r}, {fields})"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _listener_decorator(register: Callable[[F], None], fn: Optional[F]) -> Any:
    if fn is not None:
        if not callable(fn):
            raise InvalidArgumentError(f"expected a function, got {type(fn).__name__}")
        register(fn)
        return fn

    def decorator(f: F) -> F:
        if not callable(f):
            raise InvalidArgumentError(f"expected a function, got {type(f).__name__}")
        register(f)
        return f

    return decorator


#: Names (channels, handlers) already checked: most programs use a few, many times.
_checked_names: Set[str] = set()
#: Payload types that are JSON values, never bytes (what ``as_bytes`` need not look at).
_JSON_TYPES = frozenset({dict, list, str, int, float, bool, type(None)})


def _check_id_text(value: Any, what: str) -> str:
    if type(value) is str and value in _checked_names:
        return value
    text = check_text(value, what, allow_empty=False)
    if len(_checked_names) < 4096:
        _checked_names.add(text)
    return text


def _options(values: Mapping[str, Any], extra: Optional[Mapping[str, Any]], what: str) -> str:
    options = {k: v for k, v in values.items() if v is not None}
    if extra:
        if not isinstance(extra, Mapping):
            raise InvalidArgumentError(f"{what}: options must be a mapping, got {type(extra).__name__}")
        options.update(extra)
    return encode(options, what)


class _EventTarget:
    """What App, Window and Webview share: ``on_event`` callbacks."""

    def __init__(self) -> None:
        self._event_listeners: Dict[Optional[str], List[Callable[[Event], Any]]] = {}

    @overload
    def on_event(self, type: Optional[str] = None) -> Callable[[F], F]: ...  # noqa: A002

    @overload
    def on_event(self, type: Optional[str], fn: F) -> F: ...  # noqa: A002

    def on_event(self, type: Optional[str] = None, fn: Optional[F] = None) -> Any:  # noqa: A002
        """Registers ``fn(event)`` for events of ``type`` (``"resize"``, ``"close-requested"``…;
        ``None``: every event) that concern this object. Use as a decorator, ``@window.on_event(
        "resize")``, or call with the function. ``fn`` may be a coroutine function.

        Thread: see the package docs, "Threads" (the ``transom-callbacks`` thread, or the App's
        asyncio loop). Exceptions are logged on the ``transom`` logger.

        Returns:
            ``fn`` (so the decorator leaves the function usable).
        """
        if type is not None:
            check_text(type, "event type", allow_empty=False)

        def register(f: Callable[[Event], Any]) -> None:
            self._event_listeners.setdefault(type, []).append(f)

        return _listener_decorator(register, fn)

    def off_event(self, type: Optional[str], fn: Callable[[Event], Any]) -> None:  # noqa: A002
        """Removes a callback added with :meth:`on_event` (no error if it is not there)."""
        listeners = self._event_listeners.get(type)
        if listeners and fn in listeners:
            listeners.remove(fn)

    def _listeners_for(self, type: str) -> List[Callable[[Event], Any]]:  # noqa: A002
        listeners = self._event_listeners
        if not listeners:
            return []
        return listeners.get(type, []) + listeners.get(None, [])


class Webview(_EventTarget):
    """The web page of a :class:`Window`, made by :meth:`Window.create_webview`.

    The page side is ``window.host`` (src/page/host.d.ts); this object is its counterpart:
    ``send``/``on`` for messages, ``invoke``/``call``/``handle`` for calls, both ways,
    ``channel``/``on_channel`` for channels.

    Attributes:
        id: the core's webview id (an int, never 0).
        window: the window it fills.
    """

    def __init__(self, app: "App", window: "Window", id: int) -> None:  # noqa: A002
        super().__init__()
        self.app: App = app
        self.window: Window = window
        self.id: int = id
        self._generation = app._generation
        self._closed = False
        self._listeners: Dict[str, List[Callable[..., Any]]] = {}
        self._handlers: Dict[str, Callable[..., Any]] = {}
        self._channel_handlers: Dict[str, Callable[..., Any]] = {}
        self._once: Set[Tuple[str, Callable[..., Any]]] = set()

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return f"<transom.Webview {self.id} of window {self.window.id}{state}>"

    @property
    def closed(self) -> bool:
        """Whether the webview is gone (its window closed, or the host crashed)."""
        return self._closed

    def _check(self) -> int:
        if self._generation != self.app._generation:
            raise NotFoundError(f"webview {self.id} was lost when transom-host crashed")
        return self.id

    # ---- messages ------------------------------------------------------------------------------

    def send(self, channel: str, data: Any = None) -> None:
        """Sends ``data`` on ``channel`` to the page, whose ``host.on(channel, fn)`` listeners get
        it. Messages sent before the page has loaded wait until its scripts have run; a page with
        no listener on ``channel`` drops the message.

        Args:
            channel: 1 to 256 bytes of UTF-8.
            data: a JSON-encodable value (dict, list, str, int, float, bool, None),
                :class:`transom.RawJson`, or ``bytes`` / ``bytearray`` / ``memoryview``: sent as
                bytes (``transom_post_bytes``; base64 over the host's pipe), the page's listeners
                get a ``Uint8Array``.

        Thread: any. In host mode it does not wait for the host's reply (messages are pipelined):
        an error the host reports later is logged and raised by the next ``send`` to this webview,
        which then sends nothing.

        Raises:
            InvalidArgumentError: bad channel. InvalidJsonError: ``data`` is not JSON.
            TooLargeError: over ``max_message_bytes``. NotFoundError: the webview is gone.
            ClosedError: the app is closed. HostCrashedError: host mode, the host is restarting.
        """
        # The checks of _check_id_text, _check and as_bytes written out for the common case: this
        # is the reply's path in a round trip.
        if type(channel) is not str or channel not in _checked_names:
            channel = _check_id_text(channel, "channel")
        app = self.app
        if self._generation != app._generation:
            self._check()  # raises
        webview_id = self.id
        if self._closed and not app._closed:
            # Known here already (host mode does not wait for the core's answer to a message).
            raise NotFoundError(f"no open webview with id {webview_id}")
        raw = None if type(data) in _JSON_TYPES else as_bytes(data)
        if raw is not None:
            app._backend.post_bytes(webview_id, channel, raw)
        else:
            app._backend.post(webview_id, channel, encode(data), isinstance(data, RawJson))

    @overload
    def on(self, channel: str) -> Callable[[F], F]: ...

    @overload
    def on(self, channel: str, fn: F) -> F: ...

    def on(self, channel: str, fn: Optional[F] = None) -> Any:
        """Registers ``fn(data)`` for the messages the page sends with ``host.send(channel,
        data)``; ``data`` is the decoded JSON value, or ``bytes`` when the page sent an
        ``ArrayBuffer`` or typed array. Use as a decorator, ``@webview.on("clicked")``, or call
        with the function. ``fn`` may be a coroutine function.

        Thread: see the package docs, "Threads". Exceptions are logged on the ``transom`` logger.

        Returns:
            ``fn``.
        """
        channel = _check_id_text(channel, "channel")

        def register(f: Callable[..., Any]) -> None:
            with self.app._lock:
                self._listeners.setdefault(channel, []).append(f)

        return _listener_decorator(register, fn)

    def once(self, channel: str, fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """Like :meth:`on`, for the next message on ``channel`` only (it is removed when that
        message arrives, before later messages are looked at). Returns ``fn`` (pass it to
        :meth:`off` to cancel)."""
        channel = _check_id_text(channel, "channel")
        if not callable(fn):
            raise InvalidArgumentError(f"expected a function, got {type(fn).__name__}")
        with self.app._lock:
            self._listeners.setdefault(channel, []).append(fn)
            self._once.add((channel, fn))
        return fn

    def _take_listeners(self, channel: str) -> List[Callable[..., Any]]:
        """The listeners for a message on ``channel``; ``once`` listeners are removed here, on the
        thread that reads events, so that each sees exactly one message."""
        if not self._once:
            listeners = self._listeners.get(channel)
            return tuple(listeners) if listeners else ()  # type: ignore[return-value]
        with self.app._lock:
            listeners = self._listeners.get(channel)
            if not listeners:
                return []
            taken = list(listeners)
            if self._once:
                for fn in taken:
                    if (channel, fn) in self._once:
                        self._once.discard((channel, fn))
                        listeners.remove(fn)
            return taken

    def off(self, channel: str, fn: Callable[..., Any]) -> None:
        """Removes a listener added with :meth:`on` (no error if it is not there)."""
        with self.app._lock:
            listeners = self._listeners.get(channel)
            if listeners and fn in listeners:
                listeners.remove(fn)
                self._once.discard((channel, fn))

    # ---- calls to the page ---------------------------------------------------------------------

    def call(self, name: str, *args: Any, timeout: Optional[float] = None) -> Call:
        """Calls the page's handler ``name`` (registered with ``host.handle(name, fn)``) with
        ``args`` and returns at once a :class:`Call`: ``call.result()`` waits for the answer,
        ``await call`` awaits it, ``call.cancel()`` cancels it (``transom_invoke_cancel``). Calls
        made before the page has loaded (also right after :meth:`Window.create_webview`) wait in
        the core until its scripts have run.

        Args:
            name: the handler's name, 1 to 256 bytes.
            *args: JSON-encodable values, spread as the handler's arguments.
            timeout: seconds (> 0) after which the core ends the call with
                :class:`InvokeTimeoutError` (the page is told, its late answer is dropped), or
                ``None``: no limit (the core still ends the call if the page navigates away,
                closes, or the app shuts down).

        Thread: any.

        Raises:
            InvalidArgumentError, InvalidJsonError, TooLargeError, NotFoundError, ClosedError,
            HostCrashedError: as for :meth:`send`.
        """
        name = _check_id_text(name, "handler name")
        timeout_ms = _timeout_ms(timeout)
        args_json = encode(list(args), "args")
        dispatcher = self.app._dispatcher
        epoch = dispatcher.epoch
        call_id = self.app._backend.invoke(self._check(), name, args_json, timeout_ms)
        return Call(self, call_id, name, dispatcher.register_call(call_id, name, epoch))

    def invoke(self, name: str, *args: Any, timeout: Optional[float] = None) -> Any:
        """Calls the page's handler ``name`` (registered with ``host.handle(name, fn)``) with
        ``args`` and waits for its answer: ``webview.call(name, *args, timeout=timeout).result()``.
        If the wait is interrupted (``KeyboardInterrupt``), the call is cancelled in the core.

        Args:
            name: the handler's name, 1 to 256 bytes.
            *args: JSON-encodable values, spread as the handler's arguments.
            timeout: seconds to wait for the answer (> 0), or ``None``: no limit (the core still
                ends the call if the page navigates away, closes, or the app shuts down). The core
                ends the call when it runs out: the page is told and its late answer is dropped.

        Returns:
            The decoded JSON value the handler returned or resolved with.

        Thread: any, except the App's asyncio loop in in-process mode (use :meth:`invoke_async`
        there; this raises ``RuntimeError`` because the loop would have to deliver the answer).

        Raises:
            InvokeError: the page's handler threw (``code`` ``None``, ``message`` its message),
                there is no handler of that name (``"no handler named NAME"``), the page went away
                or the app shut down (``code`` says which). InvokeTimeoutError: ``timeout`` passed.
                InvokeCancelledError: another thread cancelled the call.
            InvalidArgumentError, InvalidJsonError, TooLargeError, NotFoundError, ClosedError,
            HostCrashedError: as for :meth:`send`.
        """
        self.app._check_may_block("webview.invoke()", "use `await webview.invoke_async(...)`")
        call = self.call(name, *args, timeout=timeout)
        wait = None if timeout is None else timeout + _INVOKE_GRACE
        try:
            return call.future.result(wait)
        except TimeoutError_ as error:  # concurrent.futures.TimeoutError: the core did not answer
            call._cancel_quietly()
            raise InvokeTimeoutError(
                f"no answer from the page within {timeout:g} s", "TRANSOM_ERROR_TIMEOUT", name=name, call=call.id
            ) from error
        except BaseException:
            if not call.done():  # interrupted (KeyboardInterrupt): end the call in the core too
                call._cancel_quietly()
            raise

    async def invoke_async(self, name: str, *args: Any, timeout: Optional[float] = None) -> Any:
        """Like :meth:`invoke`, awaitable: ``value = await webview.invoke_async("sum", 1, 2)``
        (``await webview.call(...)``). Works in any running asyncio loop, whether or not the App is
        bound to it. Cancelling the await (``task.cancel()``, ``asyncio.wait_for``) cancels the
        call in the core: the page is told and its answer is dropped.

        Raises: as :meth:`invoke`.
        """
        return await self.call(name, *args, timeout=timeout)

    # ---- channels ------------------------------------------------------------------------------

    def channel(self, name: str) -> Channel:
        """Opens a channel ``name`` to the page (``transom_channel_open``), which takes it with
        ``host.onChannel(name, fn)``. Returns the :class:`Channel` at once; messages sent on it
        wait in order behind the open (also right after :meth:`Window.create_webview`). A page
        with no handler for ``name`` closes it: the channel then ends with the reason ``"no
        channel handler named NAME"`` and :meth:`Channel.send` raises
        :class:`ChannelClosedError`.

        Args:
            name: 1 to 256 bytes of UTF-8; names need not be unique (each call opens a channel).

        Thread: any.

        Raises:
            InvalidArgumentError: bad name. NotFoundError: the webview is gone. ClosedError,
            HostCrashedError.
        """
        name = _check_id_text(name, "channel name")
        dispatcher = self.app._dispatcher
        epoch = dispatcher.opening_channel()
        try:
            channel_id = self.app._backend.channel_open(self._check(), name)
        except BaseException:
            dispatcher.open_failed()
            raise
        channel = Channel(self.app, self, channel_id, name, "program")
        dispatcher.register_channel(channel, epoch)
        return channel

    @overload
    def on_channel(self, name: str) -> Callable[[F], F]: ...

    @overload
    def on_channel(self, name: str, fn: F) -> F: ...

    def on_channel(self, name: str, fn: Optional[F] = None) -> Any:
        """Accepts the channels this page opens with ``host.channel(name)``: ``fn(channel)`` gets
        each as a :class:`Channel` (``opened_by == "page"``). Use as a decorator,
        ``@webview.on_channel("upload")``, or call with the function. Replaces an earlier handler
        of that name; :meth:`App.on_channel` serves webviews without one. A channel the page opens
        with no handler for its name is closed at once (the page's side ends with ``"closed by
        the program"``; the ``channel-open`` event still reaches event streams).

        ``fn`` may be a coroutine function (``async for message in channel`` there). Messages
        that arrive before ``fn`` reads them wait in the channel. If ``fn`` raises, the exception
        is logged and the channel closed. A plain function that iterates the channel blocks the
        other callbacks until the channel ends: hand it to a thread of your own, or use
        :meth:`Channel.on_message`, or an ``async def`` handler.

        Thread: see the package docs, "Threads".

        Returns:
            ``fn``.
        """
        name = _check_id_text(name, "channel name")

        def register(f: Callable[..., Any]) -> None:
            self._channel_handlers[name] = f

        return _listener_decorator(register, fn)

    def remove_channel_handler(self, name: str) -> None:
        """Removes the :meth:`on_channel` handler of ``name`` (no error if there is none).
        Channels the page opens with that name are then closed, unless the App has a handler.
        Thread: any."""
        self._channel_handlers.pop(name, None)

    # ---- calls from the page -------------------------------------------------------------------

    @overload
    def handle(self, name: str) -> Callable[[F], F]: ...

    @overload
    def handle(self, name: str, fn: F) -> F: ...

    def handle(self, name: str, fn: Optional[F] = None) -> Any:
        """Answers the page's ``host.invoke(name, ...args)`` with ``fn(*args)``. Use as a
        decorator, ``@webview.handle("add")``, or call with the function. Replaces an earlier
        handler of that name. A name with a handler neither here nor on the App
        (:meth:`App.handle`) is rejected with ``"no handler named NAME"``. Registering a handler
        puts ``name`` on the app's handler allow-list in the core (``transom_handle``): page calls
        to names never registered are refused there and never reach Python.

        ``fn`` may be a plain function or a coroutine function. Its return value (JSON-encodable)
        resolves the page's Promise; an exception rejects it with ``str(exception)`` as the
        ``Error``'s message (the class name if that is empty); a value that is not JSON rejects it
        with ``"handler result is not JSON: …"``.

        Thread: see the package docs, "Threads". Handlers run one at a time with the other
        callbacks; a slow handler delays them (a coroutine handler does not).

        Returns:
            ``fn``.
        """
        name = _check_id_text(name, "handler name")

        def register(f: Callable[..., Any]) -> None:
            self.app._backend.handle(name)
            self._handlers[name] = f

        return _listener_decorator(register, fn)

    def remove_handler(self, name: str) -> None:
        """Removes the handler of ``name`` (no error if there is none). The name stays on the
        core's allow-list (another webview or the App may handle it); a page call to it is then
        rejected by the package with ``"no handler named NAME"``."""
        self._handlers.pop(name, None)

    # ---- page ----------------------------------------------------------------------------------

    def eval(self, script: str) -> None:
        """Runs ``script`` (JavaScript source) in the page's main frame, in order with the
        messages sent to it, once its scripts have run. Its value and exceptions are not reported:
        use :meth:`invoke` (and ``host.handle`` in the page) to get a result.

        Thread: any. Raises: InvalidArgumentError (not a str, NUL), NotFoundError, ClosedError,
        HostCrashedError.
        """
        script = check_text(script, "script")
        self.app._backend.webview_eval(self._check(), script)

    def navigate(self, url: str) -> None:
        """Loads ``url`` (absolute: ``https://…``, ``data:…``, ``file:///…``). Calls pending in the
        current page end with :class:`InvokeError` (``code`` ``"TRANSOM_ERROR_NOT_FOUND"``);
        ``page-load`` events follow.

        Thread: any. Raises: InvalidArgumentError (not an absolute URL), NotFoundError,
        ClosedError, HostCrashedError.
        """
        url = check_text(url, "url")
        self.app._backend.webview_navigate(self._check(), url)

    def set(
        self,
        *,
        x: Optional[float] = None,
        y: Optional[float] = None,
        width: Optional[float] = None,
        height: Optional[float] = None,
        fill: Optional[bool] = None,
        visible: Optional[bool] = None,
    ) -> None:
        """Moves, resizes, shows or hides the webview (``transom_webview_set``): ``x``, ``y``,
        ``width``, ``height`` together (logical pixels, relative to the window's content area),
        or ``fill=True`` to fill the window again; ``visible``. Only the arguments given change.
        A window may hold several webviews (:meth:`Window.create_webview` with the same four
        keys in ``options``).

        Thread: any. Raises: InvalidArgumentError (bounds not all four, out of range),
        NotFoundError (the webview is gone), ClosedError, HostCrashedError.
        """
        props = _options(
            {"x": x, "y": y, "width": width, "height": height, "fill": fill, "visible": visible},
            None, "webview properties",
        )
        self.app._backend.webview_set(self._check(), props)


def _timeout_ms(timeout: Optional[float]) -> int:
    if timeout is None:
        return 0
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise InvalidArgumentError(f"timeout must be a number of seconds or None, got {type(timeout).__name__}")
    if not (timeout > 0) or math.isinf(timeout):
        raise InvalidArgumentError(f"timeout must be a positive, finite number of seconds, got {timeout!r}")
    ms = max(1, math.ceil(timeout * 1000))
    if ms > _MAX_TIMEOUT_MS:
        raise InvalidArgumentError(f"timeout must be at most {_MAX_TIMEOUT_MS / 1000:g} s, got {timeout!r}")
    return ms


class Window(_EventTarget):
    """A native window, made by :meth:`App.create_window`. At most one :class:`Webview` fills it.

    ``with app.create_window(...) as window:`` closes the window when the block ends.

    Attributes:
        id: the core's window id (an int, never 0).
        app: its app.
    """

    def __init__(self, app: "App", id: int) -> None:  # noqa: A002
        super().__init__()
        self.app: App = app
        self.id: int = id
        self._generation = app._generation
        self._closed = False
        self._webview: Optional[Webview] = None

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return f"<transom.Window {self.id}{state}>"

    @property
    def closed(self) -> bool:
        """Whether the window is gone: closed by the program or the user (after
        ``window-destroyed``), or lost when the host crashed."""
        return self._closed

    @property
    def webview(self) -> Optional[Webview]:
        """The window's first webview (the one made first and still open), or ``None``."""
        return self._webview

    def _check(self) -> int:
        if self._generation != self.app._generation:
            raise NotFoundError(f"window {self.id} was lost when transom-host crashed")
        return self.id

    def create_webview(
        self,
        html: Optional[str] = None,
        url: Optional[str] = None,
        *,
        init_script: Optional[str] = None,
        devtools: Optional[bool] = None,
        user_agent: Optional[str] = None,
        background_color: Optional[str] = None,
        assets: Optional[str] = None,
        options: Optional[Mapping[str, Any]] = None,
    ) -> Webview:
        """Creates a webview in the window, showing ``html`` (a document), ``url`` (absolute) or
        the folder ``assets`` (served at ``transom://app/``); with none of them, an empty page.
        It fills the window unless ``options`` gives ``x``, ``y``, ``width``, ``height``; a window
        may hold several. Pages of the first page's origin (and of ``allowed_origins``) get
        ``window.host``.

        Args:
            html: an HTML document (its origin is opaque; its URL is ``about:blank`` on Linux).
            url: the URL to load.
            init_script: JavaScript run in the main frame of every page, before its own scripts.
            devtools: whether the web inspector can be opened (default False).
            user_agent: the User-Agent.
            background_color: ``"#rrggbb"`` or ``"#rrggbbaa"``, shown before the page paints.
            assets: a folder served at ``transom://app/`` (nothing outside it is ever served).
            options: more webview options by name (``csp``, ``bridge``, ``navigation``,
                ``allowed_origins``, ``assets_handler``, ``downloads``, bounds …) (docs/protocol.md, "Webview options"), for
                options newer than this package.

        Returns:
            The :class:`Webview`, at once; ``webview-created`` follows (or an ``error`` event).

        Thread: any.

        Raises:
            InvalidArgumentError: bad or unknown option, both ``html`` and ``url``.
            NotFoundError: the window is gone. ClosedError, HostCrashedError.
        """
        options_json = _options(
            {"html": html, "url": url, "init_script": init_script, "devtools": devtools,
             "user_agent": user_agent, "background_color": background_color, "assets": assets},
            options, "webview options",
        )
        # No lock is held across the backend call: in host mode the reader thread must be free to
        # read the reply. An event about the new webview that comes first makes the same object.
        window_id = self._check()
        webview_id = self.app._backend.webview_create(window_id, options_json)
        webview = self.app._webview_object(webview_id, window_id)
        if self._webview is None or self._webview.closed:
            self._webview = webview
        return webview

    def send(self, channel: str, data: Any = None) -> None:
        """Sends ``data`` on ``channel`` to the page of this window's webview
        (``transom_post_window``; ``post`` with ``window`` over the host protocol). The core finds
        the webview when it delivers: a window without a webview gets nothing (no error). Same
        payloads as :meth:`Webview.send`; bytes go to the webview this package knows for the
        window (the core takes bytes for a webview, not a window), and nowhere if it has none.

        Thread: any.

        Raises:
            InvalidArgumentError: bad channel. InvalidJsonError: ``data`` is not JSON.
            TooLargeError: over ``max_message_bytes``. NotFoundError: the window is gone.
            ClosedError: the app is closed. HostCrashedError: host mode, the host is restarting.
        """
        channel = _check_id_text(channel, "channel")
        raw = as_bytes(data)
        window_id = self._check()
        if self._closed and not self.app._closed:
            raise NotFoundError(f"no open window with id {window_id}")
        if raw is None:
            self.app._backend.post_window(window_id, channel, encode(data), isinstance(data, RawJson))
            return
        if self._closed:
            raise NotFoundError(f"no open window with id {window_id}")
        webview = self._webview
        if webview is not None and not webview.closed:
            self.app._backend.post_bytes(webview._check(), channel, raw)

    def set(
        self,
        *,
        title: Optional[str] = None,
        width: Optional[float] = None,
        height: Optional[float] = None,
        x: Optional[float] = None,
        y: Optional[float] = None,
        min_width: Optional[float] = None,
        min_height: Optional[float] = None,
        max_width: Optional[float] = None,
        max_height: Optional[float] = None,
        resizable: Optional[bool] = None,
        decorations: Optional[bool] = None,
        visible: Optional[bool] = None,
        always_on_top: Optional[bool] = None,
        maximized: Optional[bool] = None,
        fullscreen: Optional[bool] = None,
        close_guard: Optional[bool] = None,
        options: Optional[Mapping[str, Any]] = None,
    ) -> None:
        """Changes window properties; only the arguments given change. Same meanings as in
        :meth:`App.create_window` (``transparent`` can only be set at creation). No event
        confirms the change; a new size or position may cause ``resize`` / ``move`` events.

        Thread: any. Raises: InvalidArgumentError (bad value, the message names it),
        NotFoundError (the window is gone), ClosedError, HostCrashedError.
        """
        props = _options(
            {"title": title, "width": width, "height": height, "x": x, "y": y,
             "min_width": min_width, "min_height": min_height, "max_width": max_width,
             "max_height": max_height, "resizable": resizable, "decorations": decorations,
             "visible": visible, "always_on_top": always_on_top, "maximized": maximized,
             "fullscreen": fullscreen, "close_guard": close_guard},
            options, "window properties",
        )
        self.app._backend.window_set(self._check(), props)

    def close(self) -> None:
        """Closes the window and its webview. Calls pending in its page end with
        :class:`InvokeError`; ``webview-destroyed`` and ``window-destroyed`` follow. Closing a
        window that is already gone does nothing.

        Thread: any. Raises: HostCrashedError (host mode, while the host restarts).
        """
        if self._closed or self._generation != self.app._generation or self.app.closed:
            return
        try:
            self.app._backend.window_close(self.id)
        except (NotFoundError, ClosedError):
            pass

    def __enter__(self) -> "Window":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class App(_EventTarget):
    """An app: windows with webviews, and one stream of events.

    Args:
        mode: ``"in-process"`` (libtransom loaded with ctypes; the GUI runs on a thread of the
            library), ``"host"`` (a ``transom-host`` child process; a crash of the GUI does not
            take the program down, and it is restarted), or ``"auto"``: in-process on Linux and
            Windows, host on macOS (where the GUI needs the main thread).
        max_message_bytes: the largest payload in bytes (default 64 MiB).
        loop: the asyncio loop to bind the App to; by default the running loop when the App is
            made inside one, else none. A bound App runs every callback on that loop and, in
            process, reads events through ``loop.add_reader`` (no thread).
        host_path: host mode: the ``transom-host`` binary (default: ``TRANSOM_HOST``, the copy in
            the wheel, a source checkout, then ``PATH``).
        restart_delays: host mode: seconds to wait before each restart after crashes in a row;
            after the last the app ends. Default ``(1, 2, 4)``.

    Use ``with transom.App() as app:`` (or ``async with``) to close it at the end; open apps are
    closed at interpreter exit too.

    Thread: every method may be called from any thread.

    Raises:
        InvalidArgumentError: bad mode or option. UnsupportedError: in-process mode on macOS.
        LibraryNotFoundError: libtransom / transom-host not found. PlatformError: no display, GTK
        or WebKitGTK missing.
    """

    def __init__(
        self,
        mode: str = "auto",
        *,
        max_message_bytes: Optional[int] = None,
        loop: Optional[asyncio.AbstractEventLoop] = None,
        host_path: Optional[str] = None,
        restart_delays: Sequence[float] = (1.0, 2.0, 4.0),
    ) -> None:
        super().__init__()
        if mode not in MODES:
            raise InvalidArgumentError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        if mode == "auto":
            mode = "host" if sys.platform == "darwin" else "in-process"
        if max_message_bytes is not None and (
            isinstance(max_message_bytes, bool) or not isinstance(max_message_bytes, int) or max_message_bytes < 1
        ):
            raise InvalidArgumentError(f"max_message_bytes must be a positive int, got {max_message_bytes!r}")
        options_json = None if max_message_bytes is None else json.dumps({"max_message_bytes": max_message_bytes})
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
        self._loop: Optional[asyncio.AbstractEventLoop] = loop
        self._lock = threading.RLock()
        self._generation = 0
        self._windows: Dict[int, Window] = {}
        self._webviews: Dict[int, Webview] = {}
        self._gone: Set[int] = set()
        # The objects of closed windows and webviews, while the program holds them: events that
        # name them later (an invoke-result after the window closed) get the same objects.
        self._gone_objects: "weakref.WeakValueDictionary[int, Any]" = weakref.WeakValueDictionary()
        self._handlers: Dict[str, Callable[..., Any]] = {}
        self._channel_handlers: Dict[str, Callable[..., Any]] = {}
        self._state_watchers: Dict[str, List[Callable[[Any, Any], Any]]] = {}
        self._state_view = SharedState(self)
        self._closed = False
        self._run_cond = threading.Condition()
        self._run_done = False
        self._closing_lock = threading.Lock()
        self._closing = False
        self._private_loop = PrivateLoop()
        # Callbacks: on the bound loop; in process, on the threads that read the events
        # (InlineExecutor); in host mode, on a thread of their own (the reader thread must stay
        # free to read the replies that callbacks wait for).
        self._executor: Executor
        if loop is not None:
            self._executor = LoopExecutor(loop)
        elif mode == "in-process":
            self._executor = InlineExecutor()
        else:
            self._executor = ThreadExecutor()
        self._dispatcher = Dispatcher(self, self._executor, self._private_loop)
        backend: Backend
        try:
            if mode == "in-process":
                if sys.platform == "darwin":
                    raise UnsupportedError(
                        "in-process mode needs the main thread on macOS; use mode='host' (or 'auto')"
                    )
                from ._inprocess import InProcessBackend

                backend = InProcessBackend(options_json)
            else:
                from ._host import HostBackend

                if isinstance(restart_delays, (str, bytes)) or not all(
                    isinstance(d, (int, float)) and not isinstance(d, bool) and d >= 0 for d in restart_delays
                ):
                    raise InvalidArgumentError("restart_delays must be a sequence of seconds >= 0")
                backend = HostBackend(options_json, host_path, restart_delays)
        except BaseException:
            self._executor.close()
            raise
        self._backend: Backend = backend
        self.mode: str = mode
        backend.start(self._dispatcher, loop, self._executor)
        _live_apps.add(self)

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return f"<transom.App {self.mode}{state}, {len(self._windows)} windows>"

    # ---- properties ----------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Whether the app is closed (by :meth:`close`, or because the host could not be
        restarted)."""
        return self._closed

    @property
    def version(self) -> str:
        """The core's version, ``"MAJOR.MINOR.PATCH"``."""
        return self._backend.version

    @property
    def host_pid(self) -> Optional[int]:
        """Host mode: the process id of the running ``transom-host`` (``None`` while it restarts,
        after close, and in process)."""
        return self._backend.pid

    @property
    def windows(self) -> List[Window]:
        """The windows that are open, in creation order."""
        with self._lock:
            return [w for w in self._windows.values() if not w._closed]

    @property
    def state(self) -> SharedState:
        """The app's shared state, a mutable mapping of JSON values that every page sees as
        ``host.state`` (see :class:`transom.SharedState`): ``app.state["theme"] = "dark"``,
        ``app.state["theme"]``, ``app.state.get("theme")``."""
        return self._state_view

    def _check_may_block(self, what: str, instead: str) -> None:
        """Raises RuntimeError where a blocking wait for an event would deadlock: on the thread
        that delivers events (the loop of an in-process App bound to it)."""
        if self._backend.on_event_thread() or (
            self._backend.mode == "in-process" and self._executor.is_current()
            and isinstance(self._executor, LoopExecutor)
        ):
            raise RuntimeError(
                f"{what} would wait for an answer that only this thread can deliver; {instead} "
                "on the App's event loop"
            )
        self._executor.before_wait()

    # ---- registry (internal) -------------------------------------------------------------------

    def _window_object(self, window_id: int) -> Window:
        with self._lock:
            window = self._windows.get(window_id)
            if window is None:
                gone = self._gone_objects.get(window_id)
                if isinstance(gone, Window):
                    return gone
                window = Window(self, window_id)
                if window_id in self._gone:
                    window._closed = True
                else:
                    self._windows[window_id] = window
            return window

    def _webview_object(self, webview_id: int, window_id: int) -> Webview:
        with self._lock:
            webview = self._webviews.get(webview_id)
            if webview is None:
                gone = self._gone_objects.get(webview_id)
                if isinstance(gone, Webview):
                    return gone
                window = self._window_object(window_id) if window_id else Window(self, 0)
                webview = Webview(self, window, webview_id)
                if webview_id in self._gone:
                    webview._closed = True
                else:
                    self._webviews[webview_id] = webview
                    if window._webview is None:
                        window._webview = webview
            return webview

    def _make_event(self, data: Dict[str, Any]) -> Event:
        kind = data.get("type", "")
        if type(kind) is not str:
            kind = str(kind)
        window_id = data.get("window")
        webview_id = data.get("webview")
        if webview_id is not None:
            # Most events (messages, calls) name an open webview (and its window): no lock needed
            # to find it.
            webview = self._webviews.get(webview_id)
            if webview is not None and (window_id is None or window_id == webview.window.id):
                return Event(kind, data, webview.window, webview)
        with self._lock:
            window = self._window_object(window_id) if isinstance(window_id, int) and window_id else None
            webview = None
            if isinstance(webview_id, int) and webview_id:
                webview = self._webviews.get(webview_id)
                if webview is None:
                    gone = self._gone_objects.get(webview_id)
                    webview = gone if isinstance(gone, Webview) else None
                if webview is None and window is not None:
                    webview = self._webview_object(webview_id, window.id)
                if window is None and webview is not None:
                    window = webview.window
        return Event(kind, data, window, webview)

    def _event_callbacks(self, event: Event) -> List[Callable[[Event], Any]]:
        callbacks: List[Callable[[Event], Any]] = []
        if event.webview is not None and event.webview._event_listeners:
            callbacks += event.webview._listeners_for(event.type)
        if event.window is not None and event.window._event_listeners:
            callbacks += event.window._listeners_for(event.type)
        if self._event_listeners:
            callbacks += self._listeners_for(event.type)
        return callbacks

    def _forget_webview(self, webview: Webview) -> None:
        with self._lock:
            webview._closed = True
            self._webviews.pop(webview.id, None)
            self._gone.add(webview.id)
            self._gone_objects[webview.id] = webview

    def _forget_window(self, window: Window) -> None:
        with self._lock:
            window._closed = True
            self._windows.pop(window.id, None)
            self._gone.add(window.id)
            self._gone_objects[window.id] = window
            if window._webview is not None:
                self._forget_webview(window._webview)

    def _lose_everything(self) -> List[Window]:
        """Host crash: every window and webview is gone; ids start again in the next host."""
        with self._lock:
            self._generation += 1
            lost = [w for w in self._windows.values() if not w._closed]
            for window in self._windows.values():
                window._closed = True
            for webview in self._webviews.values():
                webview._closed = True
            self._windows.clear()
            self._webviews.clear()
            self._gone.clear()
            self._gone_objects.clear()
        return lost

    def _mark_closed(self) -> None:
        with self._lock:
            self._closed = True
            for window in self._windows.values():
                window._closed = True
            for webview in self._webviews.values():
                webview._closed = True
            self._windows.clear()
            self._webviews.clear()

    def _settle(self) -> None:
        """Runs on the callback executor after the callbacks of a window-destroyed (or a host
        restart): lets :meth:`run` return when no window is left."""
        with self._run_cond:
            if self._closed or not self.windows:
                self._run_done = True
                self._run_cond.notify_all()

    # ---- windows -------------------------------------------------------------------------------

    def create_window(
        self,
        title: Optional[str] = None,
        *,
        width: Optional[float] = None,
        height: Optional[float] = None,
        x: Optional[float] = None,
        y: Optional[float] = None,
        min_width: Optional[float] = None,
        min_height: Optional[float] = None,
        max_width: Optional[float] = None,
        max_height: Optional[float] = None,
        resizable: Optional[bool] = None,
        decorations: Optional[bool] = None,
        visible: Optional[bool] = None,
        always_on_top: Optional[bool] = None,
        maximized: Optional[bool] = None,
        fullscreen: Optional[bool] = None,
        transparent: Optional[bool] = None,
        close_guard: Optional[bool] = None,
        options: Optional[Mapping[str, Any]] = None,
    ) -> Window:
        """Opens a window. Arguments left ``None`` take the core's defaults.

        Args:
            title: title bar text (default ``"transom"``).
            width, height: inner size in logical pixels, in (0, 100000] (default 800 × 600).
            x, y: position on the desktop in logical pixels, both or neither.
            min_width, min_height, max_width, max_height: limits when the user resizes.
            resizable, decorations, visible, always_on_top, maximized, fullscreen: booleans.
            transparent: a transparent background (creation only).
            close_guard: when True, a close request (title-bar button) only sends
                ``close-requested`` and the program decides; by default the window closes.
            options: more window options by name (docs/protocol.md, "Window options").

        Returns:
            The :class:`Window`, at once; ``window-created`` follows (or an ``error`` event).

        Thread: any.

        Raises:
            InvalidArgumentError: bad or unknown option (the message names it), ``x`` without
            ``y``. ClosedError: the app is closed. HostCrashedError: host mode, the host restarts.
        """
        options_json = _options(
            {"title": title, "width": width, "height": height, "x": x, "y": y,
             "min_width": min_width, "min_height": min_height, "max_width": max_width,
             "max_height": max_height, "resizable": resizable, "decorations": decorations,
             "visible": visible, "always_on_top": always_on_top, "maximized": maximized,
             "fullscreen": fullscreen, "transparent": transparent, "close_guard": close_guard},
            options, "window options",
        )
        window_id = self._backend.window_create(options_json)
        window = self._window_object(window_id)
        with self._run_cond:
            self._run_done = False
        return window

    def broadcast(self, channel: str, data: Any = None) -> None:
        """Sends ``data`` on ``channel`` to every webview of the app (see :meth:`Webview.send`;
        bytes too).

        Thread: any. Raises: as :meth:`Webview.send`.
        """
        channel = _check_id_text(channel, "channel")
        raw = as_bytes(data)
        if raw is not None:
            self._backend.post_bytes(0, channel, raw)
        else:
            self._backend.post(0, channel, encode(data), isinstance(data, RawJson))

    @overload
    def on_channel(self, name: str) -> Callable[[F], F]: ...

    @overload
    def on_channel(self, name: str, fn: F) -> F: ...

    def on_channel(self, name: str, fn: Optional[F] = None) -> Any:
        """Like :meth:`Webview.on_channel`, for every webview of the app: used when the page's
        webview has no handler of that name itself. ``channel.webview`` says which page opened
        it. Thread: see the package docs, "Threads". Raises: InvalidArgumentError (bad name, not
        a function). Returns ``fn``."""
        name = _check_id_text(name, "channel name")

        def register(f: Callable[..., Any]) -> None:
            self._channel_handlers[name] = f

        return _listener_decorator(register, fn)

    def remove_channel_handler(self, name: str) -> None:
        """Removes the app-wide :meth:`on_channel` handler of ``name`` (no error if none).
        Thread: any."""
        self._channel_handlers.pop(name, None)

    # ---- shared state --------------------------------------------------------------------------

    @overload
    def watch_state(self, key: str) -> Callable[[F], F]: ...

    @overload
    def watch_state(self, key: str, fn: F) -> F: ...

    def watch_state(self, key: str, fn: Optional[F] = None) -> Any:
        """Registers ``fn(value, old)`` for changes of the shared state ``key``, by the program
        or by any page (``host.state.key = value``): as a decorator, ``@app.watch_state("theme")``,
        or called with the function. ``fn`` may be a coroutine function.

        It is called once per write that changes this package's view of the key, in the order
        the core gave the writes their versions: a write whose value equals the current one (as
        JSON) does not call it, nor does a write the core ordered before one already seen.
        ``old`` is the previous value (``None`` for the key's first write). Every write, equal or
        not, is also a ``state-changed`` event (``app.on_event("state-changed")``).

        Thread: see the package docs, "Threads". Exceptions are logged on the ``transom`` logger.

        Raises:
            InvalidArgumentError: bad key (1 to 256 bytes of UTF-8).

        Returns:
            ``fn``.
        """
        key = check_key(key)

        def register(f: Callable[..., Any]) -> None:
            with self._lock:
                self._state_watchers.setdefault(key, []).append(f)

        return _listener_decorator(register, fn)

    def unwatch_state(self, key: str, fn: Callable[[Any, Any], Any]) -> None:
        """Removes a watcher added with :meth:`watch_state` (no error if it is not there).
        Thread: any."""
        with self._lock:
            watchers = self._state_watchers.get(key)
            if watchers and fn in watchers:
                watchers.remove(fn)

    @overload
    def handle(self, name: str) -> Callable[[F], F]: ...

    @overload
    def handle(self, name: str, fn: F) -> F: ...

    def handle(self, name: str, fn: Optional[F] = None) -> Any:
        """Like :meth:`Webview.handle`, for every webview of the app: used when the calling
        webview has no handler of that name itself."""
        name = _check_id_text(name, "handler name")

        def register(f: Callable[..., Any]) -> None:
            self._backend.handle(name)
            self._handlers[name] = f

        return _listener_decorator(register, fn)

    def remove_handler(self, name: str) -> None:
        """Removes the app-wide handler of ``name`` (no error if there is none)."""
        self._handlers.pop(name, None)

    def respond_asset(
        self,
        request: int,
        status: int = 200,
        headers: Optional[Mapping[str, str]] = None,
        body: bytes = b"",
    ) -> None:
        """Answers an ``asset-request`` event (a webview created with
        ``options={"assets_handler": True}`` asked for ``transom://app/…`` that its folder does not
        have): HTTP ``status`` (100 to 599), ``headers`` (name to value) and ``body`` (bytes; a
        ``str`` is sent as UTF-8). Without a ``content-type`` the type is guessed from the path;
        the webview's Content-Security-Policy is added unless ``headers`` has one. The event's
        ``request`` field is the id; its ``payload`` holds the request body, if any.

        Thread: any. Raises: InvalidArgumentError (status, header names or values),
        NotFoundError (no such request waiting: answered already, or its webview closed),
        ClosedError, HostCrashedError.
        """
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise InvalidArgumentError(f"status must be an HTTP status from 100 to 599, got {status!r}")
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers_json = None if headers is None else encode(dict(headers))
        self._backend.asset_respond(int(request), status, headers_json, bytes(body))

    # ---- events --------------------------------------------------------------------------------

    def events(self, *types: str) -> EventStream:
        """A blocking iterator over the app's events from now on (only ``types`` if given):
        ``for event in app.events(): …``. It ends when the app is closed. Create it before the
        actions whose events you want to see. ``stream.get(timeout)`` and
        ``stream.wait_for(type, predicate, timeout)`` wait with a bound.

        Thread: any (one consumer at a time per stream).
        """
        for t in types:
            check_text(t, "event type", allow_empty=False)
        stream = EventStream(self, tuple(types))
        self._dispatcher.subscribe(stream)
        return stream

    def events_async(self, *types: str) -> AsyncEventStream:
        """Like :meth:`events`, as an async iterator for the running asyncio loop:
        ``async for event in app.events_async(): …``. Works whether or not the App is bound to
        that loop.

        Raises:
            RuntimeError: no asyncio loop is running in this thread.
        """
        for t in types:
            check_text(t, "event type", allow_empty=False)
        stream = AsyncEventStream(self, tuple(types), asyncio.get_running_loop())
        self._dispatcher.subscribe(stream)
        return stream

    def run(self, timeout: Optional[float] = None) -> bool:
        """Blocks until the last window has closed (after its ``window-destroyed`` callbacks ran)
        or the app is closed. Returns at once if no window is open. After a host crash it goes on
        waiting for the restart, and returns then unless a ``host-restarted`` callback opened a
        window again. The app stays usable afterwards; close it (or let ``with`` do it).

        Args:
            timeout: at most this many seconds (``None``: no limit).

        Returns:
            True if it returned because no window is left or the app closed, False on timeout.

        Thread: any but the App's asyncio loop (use :meth:`run_async` there: this raises
        ``RuntimeError``).
        """
        if self._loop is not None and self._executor.is_current():
            raise RuntimeError("app.run() would block the App's event loop; use `await app.run_async()`")
        with self._run_cond:
            if self._closed or not self.windows:
                return True
            self._run_done = False
            return self._run_cond.wait_for(lambda: self._run_done or self._closed, timeout)

    async def run_async(self) -> None:
        """Awaits until the last window has closed or the app is closed (see :meth:`run`)."""
        stream = self.events_async("window-destroyed", "host-restarted", "host-crashed")
        try:
            while True:
                with self._run_cond:
                    if self._closed or not self.windows:
                        return
                try:
                    await stream.get()
                except ClosedError:
                    return
                # Let the callbacks of that event run first (they may open a window).
                done = asyncio.get_running_loop().create_future()

                def settled(fut: "asyncio.Future[None]" = done) -> None:
                    def finish() -> None:
                        if not fut.done():
                            fut.set_result(None)

                    fut.get_loop().call_soon_threadsafe(finish)

                self._executor.submit(settled)
                await done
        finally:
            stream.close()

    # ---- end -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Shuts the app down: pending invokes raise :class:`InvokeError` (``code``
        ``"TRANSOM_ERROR_CLOSED"``), windows close (their ``webview-destroyed`` /
        ``window-destroyed`` events are delivered), event streams end, the callback thread stops
        after running what was queued, and the library's app (or the host process) is released.
        Waits up to about 10 s for the GUI thread. Idempotent.

        Thread: any, including a callback.
        """
        with self._closing_lock:
            first = not self._closing
            self._closing = True
        if not first:
            if not self._executor.is_current():
                self._backend.close()  # waits for the closing thread
            return
        try:
            self._backend.close()
        finally:
            self._dispatcher.stream_ended()
            self._executor.close()
            self._private_loop.close()
            _live_apps.discard(self)

    async def aclose(self) -> None:
        """:meth:`close` without blocking the running loop (it runs in the default executor)."""
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    def __enter__(self) -> "App":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> "App":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


_live_apps: "weakref.WeakSet[App]" = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for app in list(_live_apps):
        try:
            app.close()
        except Exception:  # pragma: no cover
            pass


# Names used in annotations only.
_unused = (Iterator, Union)
