"""transom: native windows with system webviews, and a message layer between your program and
its pages.

Quick start::

    import transom

    with transom.App() as app:
        window = app.create_window("hello", width=640, height=480)
        webview = window.create_webview(html="<button onclick=\\"host.invoke('add', 2, 3)"
                                             ".then(v => document.body.append(v))\\">add</button>")

        @webview.handle("add")
        def add(a, b):
            return a + b

        app.run()   # until the window is closed

The page side is ``window.host`` (``send``, ``on``, ``off``, ``once``, ``invoke``, ``handle``,
``channel``, ``onChannel``, ``state``, ``watchState``); this package is its counterpart:
:meth:`Webview.send` (JSON or bytes), :meth:`Window.send`, :meth:`App.broadcast`,
:meth:`Webview.on`, :meth:`Webview.invoke` / :meth:`Webview.invoke_async` /
:meth:`Webview.call` (a cancellable :class:`Call`), :meth:`Webview.handle` (with
:func:`current_call` to see a page giving up), :meth:`Webview.channel` /
:meth:`Webview.on_channel` / :meth:`App.on_channel` (:class:`Channel`: ordered streams with
backpressure), :attr:`App.state` (:class:`SharedState`) and :meth:`App.watch_state`.

Two backends behind one API: ``App(mode="in-process")`` loads libtransom with ctypes;
``App(mode="host")`` runs the ``transom-host`` binary and speaks its protocol over pipes,
restarting it if it crashes; ``"auto"`` (the default) is in-process on Linux and Windows, host on
macOS.

Threads: every method may be called from any thread. Callbacks (``on``, ``on_event``,
``handle``) run one at a time, in event order, on a thread of the App named
``transom-callbacks`` -- or, when the App is bound to an asyncio loop (made inside a running loop,
or given ``loop=``), on that loop's thread. In process the App has two such threads, which also
read the events: the one that read an event runs its callbacks at once, and the other takes the
reading over while a callback waits or runs long. Coroutine functions are accepted everywhere a
callback is: they run on the App's loop, or on a private loop thread ``transom-asyncio`` when the
App has none. Events are read on the ``transom-callbacks`` threads (in-process), on the bound loop
through ``loop.add_reader`` (in-process with a loop: no thread), or on ``transom-host-reader``
(host mode).

See README.md beside this package for the details.
"""

from __future__ import annotations

from ._app import MODES, App, Event, Webview, Window
from ._calls import Call, PageCall, current_call
from ._channel import Channel
from ._dispatch import AsyncEventStream, EventStream
from ._errors import (
    CancelledError,
    ChannelClosedError,
    ClosedError,
    HostCrashedError,
    InvalidArgumentError,
    InvalidJsonError,
    InvalidUtf8Error,
    InvokeCancelledError,
    InvokeError,
    InvokeTimeoutError,
    LibraryNotFoundError,
    NotFoundError,
    NullArgumentError,
    PanicError,
    PlatformError,
    TimeoutError,
    TooLargeError,
    TransomError,
    UnsupportedError,
    WouldBlockError,
)
from ._json import RawJson
from ._library import find_host, find_library
from ._state import SharedState

__version__ = "0.1.0"

__all__ = [
    "App",
    "Window",
    "Webview",
    "Event",
    "Channel",
    "Call",
    "PageCall",
    "current_call",
    "SharedState",
    "EventStream",
    "AsyncEventStream",
    "RawJson",
    "MODES",
    "find_library",
    "find_host",
    "TransomError",
    "NullArgumentError",
    "InvalidUtf8Error",
    "InvalidJsonError",
    "InvalidArgumentError",
    "NotFoundError",
    "ClosedError",
    "TooLargeError",
    "UnsupportedError",
    "PlatformError",
    "PanicError",
    "WouldBlockError",
    "CancelledError",
    "InvokeError",
    "InvokeTimeoutError",
    "InvokeCancelledError",
    "ChannelClosedError",
    "HostCrashedError",
    "LibraryNotFoundError",
]
# transom.TimeoutError is importable (``transom.TimeoutError``) but left out of ``__all__`` so that
# ``from transom import *`` does not shadow the builtin TimeoutError (it subclasses it).
