"""What the App asks of a backend, and what a backend tells the App.

Two backends implement :class:`Backend`: :class:`transom._inprocess.InProcessBackend` (ctypes over
libtransom) and :class:`transom._host.HostBackend` (a ``transom-host`` child process speaking
docs/protocol.md). Arguments arrive checked for type and already encoded: ``*_json`` arguments
are JSON text, strings hold no NUL. Every method may be called from any thread and raises the
:class:`transom.TransomError` subclass of the core's result code.

A backend hands what happens to an :class:`EventSink` (the App's dispatcher). Both backends
deliver events in the same shape: a binary ``message`` / ``channel-message`` has its bytes as a
Python ``bytes`` object in ``payload`` (next to the core's ``bytes`` length field; the host's
``base64`` field is decoded and removed).
"""

from __future__ import annotations

import abc
import asyncio
from typing import Any, Dict, List, Optional

from typing import Protocol

__all__ = ["Backend", "EventSink"]


class EventSink(Protocol):
    """Receives what a backend reports. Called on the backend's event thread, or on the asyncio
    loop thread when the backend reads events through ``loop.add_reader``."""

    def deliver(self, events: List[Dict[str, Any]]) -> None:
        """Events of the core, decoded from their JSON text, in order."""

    def deliver_one(self, data: Dict[str, Any]) -> None:
        """One event, as :meth:`deliver` takes them (without the list)."""

    def host_crashed(self, info: Dict[str, Any]) -> None:
        """Host mode: the host process died. ``info`` becomes the ``host-crashed`` event."""

    def host_restarted(self, info: Dict[str, Any]) -> None:
        """Host mode: a new host process runs. ``info`` becomes the ``host-restarted`` event."""

    def stream_ended(self) -> None:
        """No event will ever come again: the app was shut down (or the host could not be
        restarted)."""


class Backend(abc.ABC):
    """The operations of the core, as both backends offer them."""

    #: ``"in-process"`` or ``"host"``.
    mode: str = ""

    @abc.abstractmethod
    def start(self, sink: EventSink, loop: Optional[asyncio.AbstractEventLoop], executor: Any = None) -> None:
        """Starts event delivery to ``sink``; with ``loop``, through that loop where the backend
        can (in-process: ``add_reader`` on the core's event fd). ``executor``: the App's callback
        executor; in process an :class:`transom._dispatch.InlineExecutor` is given the reading."""

    @property
    @abc.abstractmethod
    def version(self) -> str:
        """The core's version, ``"MAJOR.MINOR.PATCH"``."""

    @abc.abstractmethod
    def window_create(self, options_json: str) -> int: ...

    @abc.abstractmethod
    def window_set(self, window: int, props_json: str) -> None: ...

    @abc.abstractmethod
    def window_close(self, window: int) -> None: ...

    @abc.abstractmethod
    def webview_create(self, window: int, options_json: str) -> int: ...

    @abc.abstractmethod
    def webview_eval(self, webview: int, script: str) -> None: ...

    @abc.abstractmethod
    def webview_navigate(self, webview: int, url: str) -> None: ...

    @abc.abstractmethod
    def post(self, webview: int, channel: str, payload_json: str, raw: bool = True) -> None:
        """Posts JSON text to ``webview`` (0: every webview). ``raw``: the text is the caller's
        (:class:`transom.RawJson`), not checked as JSON yet; False for text this package encoded.
        The host backend does not wait for the reply (see :mod:`transom._host`)."""

    @abc.abstractmethod
    def invoke(self, webview: int, name: str, args_json: str, timeout_ms: int) -> int: ...

    @abc.abstractmethod
    def resolve(self, call: int, value_json: str, wait: bool = True) -> None:
        """Answers a page's call. With ``wait=False`` the host backend does not wait for the
        reply (errors found later are dropped): the dispatcher answers this way, also from the
        event thread, which must never wait for a reply it has to read itself."""

    @abc.abstractmethod
    def reject(self, call: int, message: str, wait: bool = True) -> None:
        """Rejects a page's call; ``wait`` as in :meth:`resolve`."""

    @abc.abstractmethod
    def post_window(self, window: int, channel: str, payload_json: str, raw: bool = True) -> None:
        """Posts to the webview of ``window`` (``transom_post_window``, ``post`` with ``window``)."""

    @abc.abstractmethod
    def post_bytes(self, webview: int, channel: str, data: bytes) -> None:
        """Posts bytes to ``webview`` (0: every webview)."""

    @abc.abstractmethod
    def invoke_cancel(self, call: int) -> None:
        """Cancels a pending call the program made (``NotFoundError`` if it is not pending)."""

    @abc.abstractmethod
    def webview_set(self, webview: int, props_json: str) -> None:
        """Moves, resizes, shows or hides a webview (``transom_webview_set``)."""

    @abc.abstractmethod
    def asset_respond(self, request: int, status: int, headers_json: Optional[str], body: bytes) -> None:
        """Answers an ``asset-request`` (``transom_asset_respond``)."""

    @abc.abstractmethod
    def handle(self, name: str) -> None:
        """Adds ``name`` to the core's handler allow-list (``transom_handle``): only registered
        names reach the program; other page calls are refused in the page."""

    @abc.abstractmethod
    def state_set(self, key: str, value_json: str) -> None: ...

    @abc.abstractmethod
    def state_get(self, key: str) -> Any:
        """The decoded value of a state key (``NotFoundError`` if it was never set)."""

    @abc.abstractmethod
    def channel_open(self, webview: int, name: str) -> int: ...

    @abc.abstractmethod
    def channel_send(self, channel: int, payload_json: str) -> None:
        """Raises ``WouldBlockError`` when the page is behind (nothing was sent)."""

    @abc.abstractmethod
    def channel_send_bytes(self, channel: int, data: bytes) -> None:
        """As :meth:`channel_send`, with bytes."""

    @abc.abstractmethod
    def channel_close(self, channel: int, wait: bool = True) -> None:
        """Closes a channel; ``wait`` as in :meth:`resolve`."""

    @abc.abstractmethod
    def close(self) -> None:
        """Shuts the app down (pending calls end, windows close, the last events are delivered,
        then ``stream_ended``) and releases everything. Idempotent; safe from any thread,
        including the sink's."""

    @property
    def pid(self) -> Optional[int]:
        """The host process's id (host mode, while it runs), else ``None``."""
        return None

    def on_event_thread(self) -> bool:
        """Whether the calling thread is the one that delivers events (sync waits for events on it
        would deadlock)."""
        return False
