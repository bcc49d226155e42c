"""Shared state in both modes: app.state as a mapping (transom_state_get/set, state.get/set),
app.watch_state, pages reading and writing host.state, later pages, concurrent writers."""

from __future__ import annotations

import threading

import pytest

import transom
from conftest import MODEL_PAGE, WAIT, message, open_page, wait_until


def test_state_is_a_mapping(app: transom.App) -> None:
    state = app.state
    assert "theme" not in state
    with pytest.raises(KeyError):
        state["theme"]
    assert state.get("theme", "light") == "light"
    state["theme"] = "dark"
    state["config"] = {"size": 12, "tags": ["a", "é"], "on": True, "ratio": 0.5, "none": None}
    state.set("raw", transom.RawJson('{"raw": [1, 2]}'))
    assert state["theme"] == "dark"
    assert state["config"] == {"size": 12, "tags": ["a", "é"], "on": True, "ratio": 0.5, "none": None}
    assert state["raw"] == {"raw": [1, 2]}
    assert "theme" in state and 42 not in state
    assert list(state) == ["config", "raw", "theme"] and len(state) == 3
    assert state.snapshot() == {"theme": "dark", "config": state["config"], "raw": {"raw": [1, 2]}}
    state.update({"a": 1, "b": [2]})
    assert state["a"] == 1 and state["b"] == [2]
    state["theme"] = None  # keys are never deleted; None is a value
    assert "theme" in state and state["theme"] is None
    with pytest.raises(transom.UnsupportedError):
        del state["a"]


def test_bad_state_arguments(app: transom.App) -> None:
    with pytest.raises(transom.InvalidArgumentError):
        app.state[""] = 1
    with pytest.raises(transom.InvalidArgumentError):
        app.state["k" * 257] = 1
    with pytest.raises(transom.InvalidArgumentError):
        app.state[3] = 1  # type: ignore[index]
    with pytest.raises(transom.InvalidJsonError):
        app.state["k"] = {1, 2}
    with pytest.raises(transom.InvalidArgumentError):
        app.watch_state("", lambda v, o: None)
    app.state["é" * 128] = 1  # 256 bytes of UTF-8: the longest key
    assert app.state["é" * 128] == 1


def test_state_over_the_limit(mode: str) -> None:
    with transom.App(mode=mode, max_message_bytes=100) as app:
        with pytest.raises(transom.TooLargeError):
            app.state["big"] = "x" * 200


def test_pages_see_the_program_state_and_write_it(app: transom.App, model) -> None:
    _, webview, stream = model
    watched = []
    done = threading.Event()

    @app.watch_state("theme")
    def on_theme(value, old):
        watched.append((value, old, threading.current_thread().name))
        if value == "light":
            done.set()

    app.state["theme"] = "dark"
    assert message(stream, "page-watch") == {"value": "dark"}  # old is undefined in the page
    assert webview.invoke("state", "theme", timeout=WAIT) == "dark"
    assert webview.invoke("has", "theme", timeout=WAIT) is True
    webview.send("write", {"key": "theme", "value": "light"})
    assert done.wait(WAIT)
    assert app.state["theme"] == "light"
    assert watched == [("dark", None, "transom-callbacks"), ("light", "dark", "transom-callbacks")]
    changed = stream.wait_for("state-changed", lambda e: e["source"] == "page", timeout=WAIT)
    assert changed.webview is webview and changed["key"] == "theme" and changed["value"] == "light"
    assert "theme" in list(app.state)


def test_a_page_key_shows_in_the_keys(app: transom.App, model) -> None:
    _, webview, stream = model
    webview.send("write", {"key": "from-page", "value": [1]})
    stream.wait_for("state-changed", lambda e: e["key"] == "from-page", timeout=WAIT)
    assert "from-page" in list(app.state) and app.state["from-page"] == [1]


def test_watchers_skip_equal_values_and_can_be_removed(app: transom.App) -> None:
    stream = app.events("state-changed")
    seen = []
    watcher = app.watch_state("count", lambda value, old: seen.append((value, old)))
    app.state["count"] = 1
    app.state["count"] = 1  # same value: a write (event), no change (no watcher call)
    app.state["count"] = 2
    versions = [stream.wait_for("state-changed", timeout=WAIT)["version"] for _ in range(3)]
    assert versions == sorted(versions) and len(set(versions)) == 3
    marker = threading.Event()
    app.watch_state("marker", lambda value, old: marker.set())
    app.state["marker"] = True
    assert marker.wait(WAIT)  # callbacks run in order: the count watcher ran before
    assert seen == [(1, None), (2, 1)]
    app.unwatch_state("count", watcher)
    app.state["count"] = 3
    marker.clear()
    app.state["marker"] = False
    assert marker.wait(WAIT)
    assert seen == [(1, None), (2, 1)]


def test_a_later_page_starts_from_the_current_state(app: transom.App) -> None:
    app.state["theme"] = "solarized"
    stream = app.events("message")
    window = app.create_window("later", width=300, height=200)
    window.create_webview(html="<script>host.send('first-read', host.state.theme)</script>")
    assert message(stream, "first-read") == "solarized"


def test_concurrent_writers_converge(app: transom.App) -> None:
    _, first, stream = open_page(app, MODEL_PAGE)
    _, second, _ = open_page(app, MODEL_PAGE)
    writes = 30
    for i in range(writes):
        first.send("write", {"key": "shared", "value": f"first {i}"})
        second.send("write", {"key": "shared", "value": f"second {i}"})
        app.state["shared"] = f"program {i}"
    top = {"version": 0}
    count = 0
    while count < 3 * writes:
        event = stream.wait_for("state-changed", lambda e: e["key"] == "shared", timeout=WAIT)
        count += 1
        if event["version"] > top["version"]:
            top = event.data
    final = app.state["shared"]
    assert final == top["value"]
    wait_until(lambda: first.invoke("state", "shared", timeout=WAIT) == final, what="the first page to converge")
    wait_until(lambda: second.invoke("state", "shared", timeout=WAIT) == final, what="the second page to converge")
