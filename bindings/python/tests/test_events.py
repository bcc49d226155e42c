"""Window events: the iterator, callbacks, their threads, app.run(), context managers and
window properties."""

from __future__ import annotations

import threading
import time

import pytest

import transom
from conftest import WAIT, open_page


def test_event_iterator_sees_the_life_of_a_window(app: transom.App) -> None:
    stream = app.events()
    window = app.create_window("life", width=320, height=240)
    webview = window.create_webview(html="<title>life</title><p>hi</p>")
    created = stream.wait_for("window-created", timeout=WAIT)
    assert created.window is window
    assert stream.wait_for("webview-created", timeout=WAIT).webview is webview
    finished = stream.wait_for("page-load", lambda e: e["state"] == "finished", timeout=WAIT)
    assert finished.webview is webview and finished.window is window
    assert window.webview is webview
    window.close()
    assert stream.wait_for("webview-destroyed", timeout=WAIT).webview is webview
    assert stream.wait_for("window-destroyed", timeout=WAIT).window is window
    assert window.closed and webview.closed
    assert app.windows == []


def test_for_loop_ends_when_the_app_closes(mode: str) -> None:
    app = transom.App(mode=mode)
    stream = app.events("window-created", "window-destroyed")
    app.create_window("a", width=200, height=100)
    closer = threading.Timer(1.0, app.close)
    closer.start()
    types = []
    started = time.monotonic()
    for event in stream:
        types.append(event.type)
    closer.join()
    assert time.monotonic() - started < WAIT
    assert types == ["window-created", "window-destroyed"]
    with pytest.raises(transom.ClosedError):
        stream.get(0.1)


def test_get_times_out(app: transom.App) -> None:
    stream = app.events("message")
    started = time.monotonic()
    with pytest.raises(transom.TimeoutError):
        stream.get(0.2)
    assert 0.15 < time.monotonic() - started < 5


def test_callbacks_run_in_order_on_the_callback_thread(app: transom.App) -> None:
    seen = []
    done = threading.Event()

    @app.on_event()
    def every(event):
        seen.append(("app", event.type, threading.current_thread().name))

    window = app.create_window("callbacks", width=300, height=200)

    @window.on_event("window-destroyed")
    def destroyed(event):
        seen.append(("window", event.type, threading.current_thread().name))
        done.set()

    window.create_webview(html="<p>x</p>")
    time.sleep(0.3)
    window.close()
    assert done.wait(WAIT)
    types = [t for who, t, _ in seen if who == "app"]
    assert types.index("window-created") < types.index("webview-created") < types.index("window-destroyed")
    assert {name for _, _, name in seen} == {"transom-callbacks"}
    # The window's own callback ran before the app-wide one for the same event.
    assert seen.index(("window", "window-destroyed", "transom-callbacks")) < seen.index(
        ("app", "window-destroyed", "transom-callbacks"))


def test_coroutine_callbacks_run_on_the_private_loop(app: transom.App, page) -> None:
    _, webview, _ = page
    names = []
    done = threading.Event()

    @webview.on("pong")
    async def on_pong(data):
        names.append(threading.current_thread().name)
        done.set()

    webview.send("ping", 1)
    assert done.wait(WAIT)
    assert names == ["transom-asyncio"]


def test_a_raising_callback_does_not_stop_others(app: transom.App, page, caplog) -> None:
    _, webview, _ = page
    done = threading.Event()
    webview.on("pong", lambda data: 1 / 0)
    webview.on("pong", lambda data: done.set())
    webview.send("ping", 1)
    assert done.wait(WAIT)
    assert any("ZeroDivisionError" in record.exc_text for record in caplog.records if record.exc_text)


def test_run_returns_when_the_last_window_closes(app: transom.App) -> None:
    first = app.create_window("one", width=200, height=100)
    second = app.create_window("two", width=200, height=100)
    threading.Timer(0.3, first.close).start()
    threading.Timer(0.6, second.close).start()
    started = time.monotonic()
    assert app.run(timeout=WAIT) is True
    assert 0.5 < time.monotonic() - started < WAIT
    assert app.windows == []
    assert app.run(timeout=1) is True  # nothing open: returns at once


def test_run_times_out(app: transom.App) -> None:
    app.create_window("stays", width=200, height=100)
    assert app.run(timeout=0.3) is False


def test_context_managers(mode: str) -> None:
    with transom.App(mode=mode) as app:
        stream = app.events("window-destroyed")
        with app.create_window("ctx", width=200, height=100) as window:
            assert not window.closed
        assert stream.wait_for("window-destroyed", timeout=WAIT).window is window
    assert app.closed
    with pytest.raises(transom.ClosedError):
        app.create_window("after")


def test_window_properties(app: transom.App) -> None:
    stream = app.events()
    window = app.create_window("props", width=300, height=200, resizable=True, close_guard=True)
    stream.wait_for("window-created", timeout=WAIT)
    window.set(title="renamed", width=420, height=260, min_width=100, min_height=100, always_on_top=False)
    resize = stream.wait_for("resize", lambda e: e["width"] == 420 and e["height"] == 260, timeout=WAIT)
    assert resize.window is window
    window.set(options={"decorations": True})
    window.set(visible=False)
    window.set(visible=True)


def test_windows_list_and_ids(app: transom.App) -> None:
    a = app.create_window("a", width=200, height=100)
    b = app.create_window("b", width=200, height=100)
    assert app.windows == [a, b]
    assert a.id != b.id and a.id > 0
    webview = a.create_webview()
    assert webview.window is a and a.webview is webview
    assert "Window" in repr(a) and "Webview" in repr(webview) and app.mode in repr(app)


def test_version(app: transom.App) -> None:
    major, minor, patch = app.version.split(".")
    assert major.isdigit() and minor.isdigit() and patch.isdigit()


def test_host_pid(app: transom.App) -> None:
    if app.mode == "host":
        assert isinstance(app.host_pid, int)
    else:
        assert app.host_pid is None


def test_shutdown_with_open_pages(mode: str) -> None:
    app = transom.App(mode=mode)
    stream = app.events()
    for _ in range(3):
        open_page(app)
    started = time.monotonic()
    app.close()
    assert time.monotonic() - started < WAIT
    destroyed = [e for e in stream if e.type == "window-destroyed"]
    assert len(destroyed) == 3
    app.close()  # idempotent


def test_event_threads_are_named(app: transom.App) -> None:
    names = [thread.name for thread in threading.enumerate()]
    if app.mode == "host":
        assert "transom-host-reader" in names and "transom-callbacks" in names
    else:
        # In process the two threads that read events run the callbacks too (InlineExecutor).
        assert names.count("transom-callbacks") >= 2 and "transom-events" not in names
