"""Shared state: the app's key/value store that the program and every page see.

``app.state`` is a :class:`SharedState`; ``app.watch_state(key)`` registers watchers. Reads and
writes go to the core (``transom_state_get`` / ``transom_state_set`` in process, ``state.get`` /
``state.set`` over the host protocol); the package mirrors the ``state-changed`` events it
receives to know the keys and to give watchers the old value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterator, KeysView, List, MutableMapping, Set, Tuple

from ._errors import InvalidArgumentError, NotFoundError, UnsupportedError
from ._json import check_text, encode

if TYPE_CHECKING:  # pragma: no cover
    from ._app import App

__all__ = ["SharedState"]

#: Longest key, in bytes of UTF-8.
MAX_KEY_BYTES = 256


def check_key(key: Any) -> str:
    """A state key: a str of 1 to 256 bytes of UTF-8 without NUL.

    Raises:
        InvalidArgumentError: not a str, empty, too long, holds a NUL. InvalidUtf8Error: a lone
            surrogate.
    """
    text = check_text(key, "state key", allow_empty=False)
    if len(text.encode("utf-8")) > MAX_KEY_BYTES:
        raise InvalidArgumentError(f"state key must be 1 to {MAX_KEY_BYTES} bytes long")
    return text


class SharedState(MutableMapping[str, Any]):
    """The app's shared state as a mapping: ``app.state["theme"] = "dark"``,
    ``app.state["theme"]``, ``"theme" in app.state``, ``app.state.get("theme", "light")``.

    The page side is ``host.state.theme`` (read and assignment) and ``host.watchState(key, fn)``.
    Every write reaches every webview of the app (pages loaded later start from the current state)
    and the program (a ``state-changed`` event; :meth:`App.watch_state` callbacks). Concurrent
    writers are ordered by a version the core gives each write: the highest version wins,
    everywhere.

    - Keys: ``str``, 1 to 256 bytes of UTF-8. Values: JSON values (``dict``, ``list``, ``str``,
      ``int``, ``float``, ``bool``, ``None``) or :class:`transom.RawJson`; reads return decoded
      JSON.
    - ``state[key]`` reads the core's current value (a round trip to the host in host mode);
      ``KeyError`` if the key was never set.
    - Keys cannot be deleted (``del`` raises :class:`transom.UnsupportedError`): set them to
      ``None``.
    - ``len``, iteration and ``keys()`` cover the keys this package knows: those it set and those
      whose ``state-changed`` event it has received (a page's write shows up with its event).
    - Host mode: the state lives in the ``transom-host`` process and is lost when it crashes (the
      package forgets its keys then too).

    Thread: any. Errors: :class:`InvalidArgumentError` (bad key), :class:`InvalidJsonError`,
    :class:`TooLargeError` (over ``max_message_bytes``), :class:`ClosedError`,
    :class:`HostCrashedError`.
    """

    def __init__(self, app: "App") -> None:
        self._app = app

    def __repr__(self) -> str:
        return f"<transom.SharedState keys={sorted(self._app._dispatcher.state_keys())!r}>"

    def __getitem__(self, key: str) -> Any:
        key = check_key(key)
        try:
            return self._app._backend.state_get(key)
        except NotFoundError:
            raise KeyError(key) from None

    def __setitem__(self, key: str, value: Any) -> None:
        key = check_key(key)
        text = encode(value, "state value")
        self._app._backend.state_set(key, text)
        self._app._dispatcher.state_written(key)

    def __delitem__(self, key: str) -> None:
        raise UnsupportedError("shared state keys cannot be deleted; set the key to None")

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        """The known keys (see the class docs), sorted."""
        return iter(sorted(self._app._dispatcher.state_keys()))

    def __len__(self) -> int:
        return len(self._app._dispatcher.state_keys())

    def keys(self) -> KeysView[str]:
        """The keys this package knows (see the class docs), sorted."""
        return super().keys()

    def set(self, key: str, value: Any) -> None:
        """``state[key] = value`` as a method (for lambdas and callbacks)."""
        self[key] = value

    def snapshot(self) -> Dict[str, Any]:
        """The known keys and their current values, read one by one: a ``dict``."""
        out: Dict[str, Any] = {}
        for key in list(self):
            try:
                out[key] = self[key]
            except KeyError:  # pragma: no cover - keys are never removed
                pass
        return out


class StateMirror:
    """The dispatcher's view of the state, from ``state-changed`` events: per key the highest
    version seen and its value (for watchers' ``old``). Guarded by the dispatcher's lock."""

    def __init__(self) -> None:
        self.values: Dict[str, Tuple[int, Any]] = {}
        self.written: Set[str] = set()

    def keys(self) -> List[str]:
        return list(set(self.values) | self.written)

    def change(self, key: str, version: int, value: Any) -> Tuple[bool, bool, Any]:
        """Takes an event. Returns (whether it is newer than what was seen for ``key``, whether a
        value was seen before, that old value)."""
        current = self.values.get(key)
        if current is not None and version <= current[0]:
            return False, True, current[1]
        self.values[key] = (version, value)
        if current is None:
            return True, False, None
        return True, True, current[1]

    def clear(self) -> None:
        self.values.clear()
        self.written.clear()
