"""Messages both ways, broadcast, eval and navigate, with real pages, in both modes."""

from __future__ import annotations

import threading

import transom
from conftest import WAIT, open_page


def test_page_to_program_and_back(app: transom.App, page) -> None:
    window, webview, stream = page
    received = []
    done = threading.Event()

    @webview.on("pong")
    def on_pong(data):
        received.append((data, threading.current_thread().name))
        done.set()

    payload = {"text": "héllo ✓", "n": [1, 2.5, None, True], "nested": {"a": "\u2028"}}
    webview.send("ping", payload)
    assert done.wait(WAIT)
    assert received[0][0] == payload
    # The iterator saw the same message, with its window and webview objects.
    event = stream.wait_for("message", lambda e: e["channel"] == "pong", timeout=WAIT)
    assert event.window is window and event.webview is webview
    assert event["payload"] == payload


def test_on_once_off(app: transom.App, page) -> None:
    _, webview, stream = page
    seen = []
    webview.once("pong", lambda data: seen.append(("once", data)))
    listener = webview.on("pong", lambda data: seen.append(("on", data)))
    webview.send("ping", 1)
    stream.wait_for("message", lambda e: e["channel"] == "pong", timeout=WAIT)
    webview.off("pong", listener)
    webview.send("ping", 2)
    stream.wait_for("message", lambda e: e["channel"] == "pong" and e["payload"] == 2, timeout=WAIT)
    # Callbacks run in event order on one thread: flush it with a marker message.
    marker = threading.Event()
    webview.on("pong", lambda data: marker.set())
    webview.send("ping", 3)
    assert marker.wait(WAIT)
    assert seen == [("once", 1), ("on", 1)]


def test_raw_json_and_many_messages_in_order(app: transom.App, page) -> None:
    _, webview, stream = page
    webview.send("ping", transom.RawJson('{"raw": [1, 2,\n 3]}'))
    event = stream.wait_for("message", lambda e: e["channel"] == "pong", timeout=WAIT)
    assert event["payload"] == {"raw": [1, 2, 3]}
    for i in range(200):
        webview.send("ping", i)
    got = [stream.wait_for("message", lambda e: e["channel"] == "pong", timeout=WAIT)["payload"] for _ in range(200)]
    assert got == list(range(200))


def test_broadcast_reaches_every_page(app: transom.App) -> None:
    _, first, stream = open_page(app)
    _, second, _ = open_page(app)
    app.broadcast("ping", "all")
    senders = set()
    while len(senders) < 2:
        event = stream.wait_for("message", lambda e: e["channel"] == "pong", timeout=WAIT)
        assert event["payload"] == "all"
        senders.add(event.webview)
    assert senders == {first, second}


def test_eval_runs_in_the_page(app: transom.App, page) -> None:
    _, webview, stream = page
    webview.eval("host.send('evaluated', document.title + ' ' + (6 * 7))")
    event = stream.wait_for("message", lambda e: e["channel"] == "evaluated", timeout=WAIT)
    assert event["payload"] == "test page 42"


def test_navigate_loads_a_new_page(app: transom.App, page) -> None:
    _, webview, stream = page
    webview.navigate("data:text/html,<script>host.send('navigated', location.protocol)</script>")
    event = stream.wait_for("message", lambda e: e["channel"] == "navigated", timeout=WAIT)
    assert event["payload"] == "data:"
    loads = stream.wait_for("page-load", lambda e: e["state"] == "finished", timeout=WAIT)
    assert loads.webview is webview


def test_messages_before_the_page_loaded_are_delivered(app: transom.App) -> None:
    stream = app.events()
    window = app.create_window("early", width=300, height=200)
    webview = window.create_webview(html="<script>host.on('early', d => host.send('got', d))</script>")
    webview.send("early", "first")
    event = stream.wait_for("message", lambda e: e["channel"] == "got", timeout=WAIT)
    assert event["payload"] == "first"


def test_large_payloads_both_ways(app: transom.App, page) -> None:
    _, webview, stream = page
    big = {"text": "x" * 3_000_000, "list": list(range(50_000))}
    webview.send("ping", big)
    event = stream.wait_for("message", lambda e: e["channel"] == "pong", timeout=WAIT)
    assert event["payload"] == big
    assert webview.invoke("echo", big, timeout=WAIT) == [big]
