"""The exceptions of the transom package.

Every ``transom_result`` code of the core (``include/transom.h``; the ``code`` strings of the host
protocol, ``docs/protocol.md``) maps to one subclass of :class:`TransomError`. The package adds a
few of its own (:class:`InvokeError`, :class:`HostCrashedError`, :class:`LibraryNotFoundError`)
for failures that have no core code; their ``code`` says which, or is ``None``.
"""

from __future__ import annotations

import builtins
from typing import Dict, Optional, Type

__all__ = [
    "TransomError",
    "NullArgumentError",
    "InvalidUtf8Error",
    "InvalidJsonError",
    "InvalidArgumentError",
    "NotFoundError",
    "ClosedError",
    "TimeoutError",
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
    "error_for_code",
]


class TransomError(Exception):
    """Base class of every exception this package raises for a failed transom operation.

    Attributes:
        code: the result code's name as the core spells it (``"TRANSOM_ERROR_NOT_FOUND"``), or
            ``None`` for failures that have no core code (a page's handler rejecting an invoke,
            the host process crashing, the library not being found).
        number: the numeric ``transom_result`` (``5``), or ``None`` where ``code`` is ``None``
            or the package does not know the number.
        message: the human-readable detail, without the code prefix. Its wording is not part of
            the API.
    """

    #: The code this class stands for; subclasses set it.
    default_code: Optional[str] = None
    #: The numeric ``transom_result`` this class stands for; subclasses set it.
    default_number: Optional[int] = None

    def __init__(self, message: str, code: Optional[str] = None, number: Optional[int] = None) -> None:
        super().__init__(message)
        self.message: str = message
        self.code: Optional[str] = code if code is not None else self.default_code
        if number is None and self.code is not None:
            number = _NUMBER_BY_CODE.get(self.code)
        self.number: Optional[int] = number

    def __str__(self) -> str:
        if self.code:
            return f"{self.code}: {self.message}"
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"


class NullArgumentError(TransomError):
    """A required pointer argument was NULL (``TRANSOM_ERROR_NULL_ARGUMENT``, 1). The package never
    passes NULL where one is required, so seeing this means a bug in the package."""

    default_code = "TRANSOM_ERROR_NULL_ARGUMENT"
    default_number = 1


class InvalidUtf8Error(TransomError, ValueError):
    """A string could not be encoded as UTF-8, e.g. it holds a lone surrogate
    (``TRANSOM_ERROR_INVALID_UTF8``, 2)."""

    default_code = "TRANSOM_ERROR_INVALID_UTF8"
    default_number = 2


class InvalidJsonError(TransomError, ValueError):
    """A payload is not JSON: a Python value :func:`json.dumps` cannot encode (a set, NaN, a
    cycle), or a :class:`transom.RawJson` text that is not valid JSON
    (``TRANSOM_ERROR_INVALID_JSON``, 3)."""

    default_code = "TRANSOM_ERROR_INVALID_JSON"
    default_number = 3


class InvalidArgumentError(TransomError, ValueError):
    """An argument has the wrong type or a bad value: unknown option, empty channel, URL that is
    not absolute, string with a NUL character. The message names it
    (``TRANSOM_ERROR_INVALID_ARGUMENT``, 4)."""

    default_code = "TRANSOM_ERROR_INVALID_ARGUMENT"
    default_number = 4


class NotFoundError(TransomError, LookupError):
    """An id is unknown or closed: the window or webview is gone, the page call was already
    answered or its page went away, or the object was lost when the host crashed
    (``TRANSOM_ERROR_NOT_FOUND``, 5)."""

    default_code = "TRANSOM_ERROR_NOT_FOUND"
    default_number = 5


class ClosedError(TransomError):
    """The app has been shut down (``TRANSOM_ERROR_CLOSED``, 6)."""

    default_code = "TRANSOM_ERROR_CLOSED"
    default_number = 6


class TimeoutError(TransomError, builtins.TimeoutError):  # noqa: A001 - mirrors the core's name
    """A wait ran out of time (``TRANSOM_ERROR_TIMEOUT``, 7): an event stream's ``get`` with a
    timeout, the core not finishing a shutdown within 10 s, the host not answering a command.
    Also a :class:`builtins.TimeoutError`, so ``except TimeoutError`` catches it."""

    default_code = "TRANSOM_ERROR_TIMEOUT"
    default_number = 7


class TooLargeError(TransomError, ValueError):
    """A payload, argument list, value or rejection message is larger than the app's
    ``max_message_bytes`` (``TRANSOM_ERROR_TOO_LARGE``, 8)."""

    default_code = "TRANSOM_ERROR_TOO_LARGE"
    default_number = 8


class UnsupportedError(TransomError):
    """Not supported on this platform or in this version, e.g. a second webview in one window
    (``TRANSOM_ERROR_UNSUPPORTED``, 9)."""

    default_code = "TRANSOM_ERROR_UNSUPPORTED"
    default_number = 9


class PlatformError(TransomError, OSError):
    """The windowing system or the webview engine failed, e.g. there is no display
    (``TRANSOM_ERROR_PLATFORM``, 10)."""

    default_code = "TRANSOM_ERROR_PLATFORM"
    default_number = 10


class PanicError(TransomError):
    """An internal error was caught inside the core; the operation did not complete
    (``TRANSOM_ERROR_PANIC``, 11)."""

    default_code = "TRANSOM_ERROR_PANIC"
    default_number = 11


class WouldBlockError(TransomError):
    """A channel's receiver is behind: the page has not taken what was sent on the channel and the
    message does not fit in the 4 MiB window; nothing was sent (``TRANSOM_ERROR_WOULD_BLOCK``,
    12). :meth:`transom.Channel.send` handles it by waiting for the channel's ``channel-ready``
    event; you see it only from :meth:`transom.Channel.try_send`, or from ``send`` on the thread
    that delivers events (where waiting would deadlock)."""

    default_code = "TRANSOM_ERROR_WOULD_BLOCK"
    default_number = 12


class CancelledError(TransomError):
    """A call was cancelled by the side that made it (``TRANSOM_ERROR_CANCELLED``, 13). The core
    uses the code only in ``invoke-result`` events; the package raises the subclass
    :class:`InvokeCancelledError`. (Not :class:`asyncio.CancelledError`.)"""

    default_code = "TRANSOM_ERROR_CANCELLED"
    default_number = 13


class InvokeError(TransomError):
    """A call made with :meth:`transom.Webview.invoke` / ``invoke_async`` did not return a value.

    ``code`` is ``None`` when the page answered with an error (its handler threw or rejected, or
    it has no handler of that name: ``"no handler named NAME"``); otherwise it says why transom
    ended the call: ``"TRANSOM_ERROR_TIMEOUT"`` (see :class:`InvokeTimeoutError`),
    ``"TRANSOM_ERROR_NOT_FOUND"`` (the page navigated away or its window closed),
    ``"TRANSOM_ERROR_CLOSED"`` (the app shut down), ``"TRANSOM_ERROR_TOO_LARGE"`` (the page's
    answer was too large), ``"TRANSOM_ERROR_CANCELLED"`` (the program cancelled the call, see
    :class:`InvokeCancelledError`) or ``"HOST_CRASHED"`` (host mode: the host process died).

    Attributes (besides those of :class:`TransomError`):
        name: the name of the page handler that was called.
        call: the call id the core gave the call.
    """

    def __init__(
        self,
        message: str,
        code: Optional[str] = None,
        number: Optional[int] = None,
        *,
        name: str = "",
        call: int = 0,
    ) -> None:
        super().__init__(message, code, number)
        self.name: str = name
        self.call: int = call


class InvokeTimeoutError(InvokeError, TimeoutError):
    """An invoke was not answered within its ``timeout`` (``code`` ``"TRANSOM_ERROR_TIMEOUT"``).
    Both an :class:`InvokeError` and a :class:`TimeoutError`."""

    default_code = "TRANSOM_ERROR_TIMEOUT"
    default_number = 7


class InvokeCancelledError(InvokeError, CancelledError):
    """The program cancelled its own call (:meth:`transom.Call.cancel`, a cancelled
    ``invoke_async`` await, an interrupted ``invoke``) before the page answered (``code``
    ``"TRANSOM_ERROR_CANCELLED"``). Both an :class:`InvokeError` and a :class:`CancelledError`."""

    default_code = "TRANSOM_ERROR_CANCELLED"
    default_number = 13


class ChannelClosedError(NotFoundError):
    """The channel is closed: by the program (:meth:`transom.Channel.close`), by the page
    (``channel.close()``), because the page had no ``host.onChannel`` handler for its name, because
    its page navigated away or its window closed, the app shut down or (host mode) the host
    crashed. A :class:`NotFoundError` (``code`` ``"TRANSOM_ERROR_NOT_FOUND"``: the core no longer
    knows the channel id).

    Attributes (besides those of :class:`TransomError`):
        reason: why the channel closed, e.g. ``"closed by the page"``, ``"the page navigated
            away"``, ``"no channel handler named NAME"``.
    """

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason: str = reason


class HostCrashedError(TransomError):
    """Host mode only: the ``transom-host`` process died (or is being restarted) while the
    operation was pending or before it could be sent. ``code`` is ``"HOST_CRASHED"`` (a code of
    this package, not of the core). Windows of the crashed host are gone; the package restarts the
    host with back-off and reports ``host-crashed`` / ``host-restarted`` events."""

    default_code = "HOST_CRASHED"


class LibraryNotFoundError(TransomError, OSError):
    """The shared library ``libtransom`` (in-process mode) or the ``transom-host`` binary (host
    mode) could not be found or loaded. Set ``TRANSOM_LIBRARY`` / ``TRANSOM_HOST`` to its path.
    ``code`` is ``None``."""


_CLASSES: Dict[str, Type[TransomError]] = {
    str(cls.default_code): cls
    for cls in (
        NullArgumentError,
        InvalidUtf8Error,
        InvalidJsonError,
        InvalidArgumentError,
        NotFoundError,
        ClosedError,
        TimeoutError,
        TooLargeError,
        UnsupportedError,
        PlatformError,
        PanicError,
        WouldBlockError,
        CancelledError,
    )
}

_NUMBER_BY_CODE: Dict[str, int] = {
    code: cls.default_number for code, cls in _CLASSES.items() if cls.default_number is not None
}
_CODE_BY_NUMBER: Dict[int, str] = {number: code for code, number in _NUMBER_BY_CODE.items()}


def error_for_code(code: str, message: str, number: Optional[int] = None) -> TransomError:
    """Builds the exception for a core result code.

    Args:
        code: the code's name (``"TRANSOM_ERROR_NOT_FOUND"``), as the host protocol sends it or
            ``transom_result_name`` returns it.
        message: the detail. A leading ``"CODE: "`` (how ``transom_last_error_message`` starts)
            is removed.
        number: the numeric code, if known.

    Returns:
        An instance of the class for ``code``; a plain :class:`TransomError` carrying ``code`` for
        a code this version of the package does not know (newer cores add codes).
    """
    prefix = code + ": "
    if message.startswith(prefix):
        message = message[len(prefix):]
    cls = _CLASSES.get(code, TransomError)
    if number is None:
        number = _NUMBER_BY_CODE.get(code)
    return cls(message, code, number)


def code_name(number: int) -> Optional[str]:
    """The name of a numeric result code this package knows, or ``None``."""
    return _CODE_BY_NUMBER.get(number)
