"""Calls both ways: :class:`Call` (the program called a page handler; it can be cancelled) and
:class:`PageCall` (a page called a Python handler; the page can give up on it)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import threading
from concurrent.futures import TimeoutError as FuturesTimeoutError
from typing import TYPE_CHECKING, Any, Generator, List, Optional

from ._errors import (
    ClosedError,
    HostCrashedError,
    InvokeCancelledError,
    NotFoundError,
    TimeoutError,
)

if TYPE_CHECKING:  # pragma: no cover
    from ._app import Webview

__all__ = ["Call", "PageCall", "current_call"]

log = logging.getLogger("transom")


class Call:
    """A call the program made to a page handler (``host.handle(name, fn)`` in the page), made by
    :meth:`Webview.call`. :meth:`Webview.invoke` and :meth:`Webview.invoke_async` are
    ``call(...).result()`` and ``await call(...)``.

    ``await call`` waits without blocking the loop; cancelling that await cancels the call (see
    :meth:`cancel`).

    Attributes:
        id: the core's call id.
        name: the page handler's name.
        webview: the :class:`Webview` whose page was called.

    Thread: any.
    """

    def __init__(self, webview: "Webview", id: int, name: str, future: "concurrent.futures.Future[Any]") -> None:  # noqa: A002
        self.webview: Webview = webview
        self.id: int = id
        self.name: str = name
        self._future = future

    def __repr__(self) -> str:
        state = "done" if self._future.done() else "pending"
        return f"<transom.Call {self.id} {self.name!r} to webview {self.webview.id} {state}>"

    @property
    def future(self) -> "concurrent.futures.Future[Any]":
        """A :class:`concurrent.futures.Future` of the outcome (its value, or the
        :class:`InvokeError`)."""
        return self._future

    def done(self) -> bool:
        """Whether the call has ended (answered, failed, timed out or cancelled)."""
        return self._future.done()

    def result(self, timeout: Optional[float] = None) -> Any:
        """Waits for the page's answer and returns it (decoded JSON).

        Args:
            timeout: seconds to wait here (``None``: no limit). Running out does not end the call
                (use the ``timeout`` of :meth:`Webview.call` for that, or :meth:`cancel`).

        Thread: any, except the App's asyncio loop in in-process mode (``RuntimeError``: the loop
        would have to deliver the answer; ``await`` the call there).

        Raises:
            InvokeError: the page's handler threw, has no such handler, the page went away, the
                app shut down (``code`` says which); InvokeTimeoutError: the call's ``timeout``;
                InvokeCancelledError: the call was cancelled.
            transom.TimeoutError: ``timeout`` ran out here; the call goes on.
        """
        if not self._future.done():
            self.webview.app._check_may_block("call.result()", "await the call")
        try:
            return self._future.result(timeout)
        except FuturesTimeoutError:
            raise TimeoutError(f"no answer to {self.name} within {timeout:g} s (the call goes on)") from None
        except concurrent.futures.CancelledError:
            raise self._cancelled_error() from None

    def cancel(self) -> bool:
        """Cancels the call (``transom_invoke_cancel`` / ``invoke.cancel``): it ends at once with
        :class:`InvokeCancelledError` (``code`` ``"TRANSOM_ERROR_CANCELLED"``) and the page is
        told: its handler runs anyway if the call had reached it, but its answer is dropped.

        Returns:
            True if the call was pending and is now cancelled; False if it had ended already (its
            outcome stands).

        Thread: any.
        """
        if self._future.done():
            return False
        try:
            self.webview.app._backend.invoke_cancel(self.id)
        except (NotFoundError, ClosedError, HostCrashedError):
            return False  # it ended meanwhile; its outcome is on its way
        return True

    def _cancel_quietly(self) -> None:
        try:
            self.cancel()
        except Exception as error:  # pragma: no cover - best effort
            log.debug("transom: could not cancel call %d: %s", self.id, error)

    def _cancelled_error(self) -> InvokeCancelledError:
        return InvokeCancelledError("cancelled by the program", name=self.name, call=self.id)

    async def _wait(self) -> Any:
        waiter = asyncio.wrap_future(self._future)
        try:
            # Shielded: a cancelled await must not cancel the future before the core is told.
            return await asyncio.shield(waiter)
        except asyncio.CancelledError:
            if not self._future.done():
                self._cancel_quietly()
            raise
        except concurrent.futures.CancelledError:  # pragma: no cover - the future is never cancelled
            raise self._cancelled_error() from None

    def __await__(self) -> Generator[Any, None, Any]:
        """``await call``: the page's answer (as :meth:`result`), without blocking the loop, in
        any running loop. A cancelled await cancels the call (see :meth:`cancel`)."""
        return self._wait().__await__()


#: The page call the running handler answers (set around sync handlers and inside coroutine ones).
_current: "contextvars.ContextVar[Optional[PageCall]]" = contextvars.ContextVar("transom_current_call", default=None)


def current_call() -> "Optional[PageCall]":
    """Inside a handler registered with :meth:`Webview.handle` / :meth:`App.handle` (sync or
    ``async def``): the :class:`PageCall` it is answering; elsewhere ``None``."""
    return _current.get()


class PageCall:
    """A call a page made with ``host.invoke(name, ...args)`` that a Python handler answers. Get it
    with :func:`transom.current_call` inside the handler.

    A page can give up on a call: ``host.invokeWith({timeout}, name, ...)`` runs out, and the core
    reports ``invoke-cancelled``. Then:

    - a handler that has not started yet (queued behind other callbacks) is not run;
    - a coroutine handler (``async def``) is cancelled: :class:`asyncio.CancelledError` is raised
      at its current ``await``;
    - a plain function cannot be interrupted: it runs to its end, and may check
      :attr:`cancelled` (or :meth:`wait_cancelled`) to stop early;
    - nothing is sent to the page for that call (its answer would be refused by the core).

    The same happens to the handlers running when the app shuts down or (host mode) the host
    crashes. The ``invoke-cancelled`` event also reaches event streams and ``on_event`` callbacks.

    Attributes:
        id: the core's call id (the ``call`` of the ``invoke`` event).
        name: the handler name the page called.
        args: the arguments (decoded JSON values).
        webview: the :class:`Webview` of the calling page (``None`` if unknown).

    Thread: any.
    """

    def __init__(self, id: int, name: str, args: List[Any], webview: "Optional[Webview]") -> None:  # noqa: A002
        self.id: int = id
        self.name: str = name
        self.args: List[Any] = args
        self.webview: Optional[Webview] = webview
        #: Made when first waited for (wait_cancelled); most calls are answered without.
        self._cancelled_event: Optional[threading.Event] = None
        self._is_cancelled = False
        self._reason: Optional[str] = None
        self._lock = threading.Lock()
        self._task: "Optional[asyncio.Task[Any]]" = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def __repr__(self) -> str:
        state = f" cancelled: {self._reason}" if self.cancelled else ""
        return f"<transom.PageCall {self.id} {self.name!r}{state}>"

    @property
    def cancelled(self) -> bool:
        """Whether the page gave up on the call (or the app ended, or the host crashed)."""
        return self._is_cancelled

    @property
    def cancel_reason(self) -> Optional[str]:
        """Why: ``"the page's timeout ran out"``, ``"the app was shut down"``, ``"transom-host
        crashed"``; ``None`` while not cancelled."""
        return self._reason

    def wait_cancelled(self, timeout: Optional[float] = None) -> bool:
        """Blocks until the call is cancelled or ``timeout`` seconds passed; returns
        :attr:`cancelled`."""
        with self._lock:
            if self._is_cancelled:
                return True
            if self._cancelled_event is None:
                self._cancelled_event = threading.Event()
            event = self._cancelled_event
        if self.webview is not None:
            self.webview.app._executor.before_wait()
        return event.wait(timeout)

    def _cancel(self, reason: str) -> None:
        with self._lock:
            if self._is_cancelled:
                return
            self._reason = reason
            self._is_cancelled = True
            if self._cancelled_event is not None:
                self._cancelled_event.set()
            task, loop = self._task, self._loop
        if task is not None and loop is not None:
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # its loop is closed
                pass

    def _attach(self, task: "asyncio.Task[Any]", loop: asyncio.AbstractEventLoop) -> bool:
        """Records the task running the handler; returns False if the call is cancelled already."""
        with self._lock:
            if self._is_cancelled:
                return False
            self._task, self._loop = task, loop
            return True
