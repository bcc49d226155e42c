"""JSON and text helpers shared by both backends: encoding payloads, checking strings."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from ._errors import InvalidArgumentError, InvalidJsonError, InvalidUtf8Error

__all__ = ["RawJson", "encode", "check_json", "check_text", "decode", "as_bytes"]


class RawJson:
    """JSON text that transom passes on as it is, without encoding a Python value.

    Use it to send a payload you already have as JSON text (no decode/encode round trip), e.g.
    ``webview.send("rows", transom.RawJson(cached_text))``. The core checks that the text is one
    valid JSON value and refuses it otherwise with :class:`transom.InvalidJsonError`.

    Args:
        text: the JSON text (``str``, or UTF-8 ``bytes``).
    """

    __slots__ = ("text",)

    def __init__(self, text: str | bytes) -> None:
        if isinstance(text, (bytes, bytearray)):
            try:
                text = bytes(text).decode("utf-8")
            except UnicodeDecodeError as error:
                raise InvalidUtf8Error(f"RawJson bytes are not UTF-8: {error}") from None
        if not isinstance(text, str):
            raise InvalidArgumentError(f"RawJson takes str or bytes, got {type(text).__name__}")
        self.text: str = text

    def __repr__(self) -> str:
        shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return f"RawJson({shown!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RawJson) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _make_fast_encoder() -> Any:
    """The C encoder that ``_encoder.encode`` makes anew on every call, made once (the same
    settings)."""
    try:
        from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - no C accelerator
        return None
    if c_make_encoder is None:  # pragma: no cover
        return None

    def fail(value: Any) -> Any:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    # Without cycle markers (None) it keeps no state between calls, so one serves every call and
    # thread; a cycle ends in RecursionError (reported as InvalidJsonError like the rest).
    try:
        encoder = c_make_encoder(None, fail, encode_basestring, None, ":", ",", False, False, False)
        # Check the signature once: a different Python may take other arguments.
        if "".join(encoder([1, "é", {"a": None}], 0)) != '[1,"é",{"a":null}]':
            return None
    except TypeError:  # pragma: no cover
        return None
    return encoder


_fast_encoder = _make_fast_encoder()
#: A str as a JSON string, UTF-8 characters kept (``ensure_ascii=False``), as ``_encoder`` does.
_encode_str = json.encoder.encode_basestring  # type: ignore[attr-defined]
_PLAIN = (str, int, bool, type(None))


def encode(value: Any, what: str = "payload") -> str:
    """Encodes a Python value as compact JSON text for the core.

    ``RawJson`` passes through (checked only for characters that cannot travel: NUL, and line
    breaks are folded into spaces, which is safe because JSON strings cannot hold raw line breaks).

    Raises:
        InvalidJsonError: the value cannot be encoded (a set, NaN or infinity, a cycle, a non-str
            dict key that json refuses), or the RawJson text holds a NUL character.
    """
    if isinstance(value, RawJson):
        text = value.text
        if "\x00" in text:
            raise InvalidJsonError(f"{what} is not valid JSON: it contains a NUL character")
        if "\n" in text or "\r" in text:
            # JSON allows raw line breaks only as whitespace between tokens; check first so that a
            # raw line break inside a string stays an error in both backends.
            try:
                json.loads(text)
            except ValueError as error:
                raise InvalidJsonError(f"{what} is not valid JSON: {error}") from None
            text = text.replace("\r", " ").replace("\n", " ")
        return text
    try:
        kind = type(value)
        # The common answers and payloads without the encoder's machinery (which builds a C
        # encoder per call for a top-level number).
        if kind is int:
            return int.__repr__(value)
        if kind is str:
            return _encode_str(value)
        if value is None:
            return "null"
        if kind is bool:
            return "true" if value else "false"
        if _fast_encoder is not None:
            return "".join(_fast_encoder(value, 0))
        return _encoder.encode(value)
    except (TypeError, ValueError, RecursionError) as error:
        raise InvalidJsonError(f"{what} cannot be encoded as JSON: {error}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_strict_decode = json.JSONDecoder(parse_constant=_no_constant).decode


def check_json(text: str, what: str = "payload") -> None:
    """Checks that ``text`` is one JSON value, as the core would (NaN and Infinity are not JSON).

    Raises:
        InvalidJsonError: it is not.
    """
    try:
        _strict_decode(text)
    except (ValueError, RecursionError) as error:
        raise InvalidJsonError(f"{what} is not valid JSON: {error}") from None


def as_bytes(value: Any) -> Optional[bytes]:
    """The bytes of a binary payload (``bytes``, ``bytearray``, ``memoryview``: its bytes in C
    order, whatever its format or shape), or ``None`` for anything else (a JSON value)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, memoryview):
        return value.tobytes()
    return None


def decode(text: str) -> Any:
    """Decodes JSON text from the core."""
    return json.loads(text)


def check_text(value: Any, what: str, *, allow_empty: bool = True) -> str:
    """Checks that ``value`` is a str that can travel as a C string: UTF-8 encodable, no NUL.

    Raises:
        InvalidArgumentError: not a str, empty (unless allowed), or holds a NUL character.
        InvalidUtf8Error: holds a lone surrogate.
    """
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{what} must be a str, got {type(value).__name__}")
    if not allow_empty and not value:
        raise InvalidArgumentError(f"{what} must not be empty")
    if "\x00" in value:
        raise InvalidArgumentError(f"{what} must not contain a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise InvalidUtf8Error(f"{what} is not valid UTF-8 text: {error}") from None
    return value
