"""Bad input gets a clear exception (never a crash or a hang); every result code maps to a class;
shutdown answers pending calls."""

from __future__ import annotations

import math
import threading
import time

import pytest

import transom
from transom._errors import error_for_code
from conftest import WAIT


def test_every_result_code_has_a_class() -> None:
    expected = {
        1: transom.NullArgumentError, 2: transom.InvalidUtf8Error, 3: transom.InvalidJsonError,
        4: transom.InvalidArgumentError, 5: transom.NotFoundError, 6: transom.ClosedError,
        7: transom.TimeoutError, 8: transom.TooLargeError, 9: transom.UnsupportedError,
        10: transom.PlatformError, 11: transom.PanicError, 12: transom.WouldBlockError,
        13: transom.CancelledError,
    }
    for number, cls in expected.items():
        error = error_for_code(cls.default_code, f"{cls.default_code}: detail")
        assert type(error) is cls
        assert error.number == number and error.code == cls.default_code
        assert error.message == "detail"
        assert isinstance(error, transom.TransomError)
    unknown = error_for_code("TRANSOM_ERROR_FROM_THE_FUTURE", "x")
    assert type(unknown) is transom.TransomError and unknown.code == "TRANSOM_ERROR_FROM_THE_FUTURE"
    assert issubclass(transom.TimeoutError, TimeoutError)
    assert issubclass(transom.InvalidArgumentError, ValueError)
    assert issubclass(transom.NotFoundError, LookupError)
    assert issubclass(transom.InvokeCancelledError, transom.InvokeError)
    assert issubclass(transom.InvokeCancelledError, transom.CancelledError)
    assert issubclass(transom.ChannelClosedError, transom.NotFoundError)


def test_bad_app_arguments() -> None:
    with pytest.raises(transom.InvalidArgumentError, match="mode"):
        transom.App(mode="sideways")
    with pytest.raises(transom.InvalidArgumentError, match="max_message_bytes"):
        transom.App(mode="in-process", max_message_bytes=0)
    with pytest.raises(transom.InvalidArgumentError, match="restart_delays"):
        transom.App(mode="host", restart_delays=["soon"])  # type: ignore[list-item]


def test_bad_window_options(app: transom.App) -> None:
    with pytest.raises(transom.InvalidArgumentError, match="width"):
        app.create_window("x", width=-5)
    with pytest.raises(transom.InvalidArgumentError, match="width"):
        app.create_window("x", width="wide")  # type: ignore[arg-type]
    with pytest.raises(transom.InvalidArgumentError):
        app.create_window("x", x=10)  # x without y
    with pytest.raises(transom.InvalidArgumentError, match="colour"):
        app.create_window("x", options={"colour": "red"})
    with pytest.raises(TypeError):
        app.create_window("x", colour="red")  # type: ignore[call-arg]
    with pytest.raises(transom.InvalidJsonError):
        app.create_window("x", width=math.nan)
    window = app.create_window("ok", width=200, height=100)
    with pytest.raises(transom.InvalidArgumentError, match="transparent"):
        window.set(options={"transparent": True})
    with pytest.raises(transom.InvalidArgumentError):
        window.set(height=0)


def test_bad_webview_arguments(app: transom.App, page) -> None:
    window, webview, _ = page
    # A window may hold several webviews (the core's rule since the handler allow-list change);
    # window.webview stays the first.
    second = window.create_webview(html="<p>second</p>")
    assert second is not webview and second.window is window and window.webview is webview
    other = app.create_window("other", width=200, height=100)
    with pytest.raises(transom.InvalidArgumentError):
        other.create_webview(html="<p>x</p>", url="https://example.invalid/")
    with pytest.raises(transom.InvalidArgumentError):
        other.create_webview(url="not a url")
    with pytest.raises(transom.InvalidArgumentError, match="background_color"):
        other.create_webview(background_color="blue")
    with pytest.raises(transom.InvalidArgumentError):
        webview.navigate("relative/path.html")
    with pytest.raises(transom.InvalidArgumentError, match="NUL"):
        webview.navigate("https://example.invalid/\x00")
    with pytest.raises(transom.InvalidArgumentError, match="NUL"):
        webview.eval("1;\x00alert(1)")
    with pytest.raises(transom.InvalidArgumentError):
        webview.eval(42)  # type: ignore[arg-type]


def test_bad_messages(app: transom.App, page) -> None:
    _, webview, stream = page
    with pytest.raises(transom.InvalidArgumentError, match="channel"):
        webview.send("", 1)
    with pytest.raises(transom.InvalidArgumentError, match="channel"):
        webview.send(7, 1)  # type: ignore[arg-type]
    with pytest.raises(transom.InvalidArgumentError, match="channel"):
        webview.send("x" * 300, 1)
    with pytest.raises(transom.InvalidArgumentError, match="NUL"):
        webview.send("a\x00b", 1)
    with pytest.raises(transom.InvalidUtf8Error):
        webview.send("\ud800", 1)
    with pytest.raises(transom.InvalidUtf8Error):
        webview.send("ping", "lone \udc80 surrogate")
    with pytest.raises(transom.InvalidJsonError):
        webview.send("ping", {1, 2})
    with pytest.raises(transom.InvalidJsonError):
        webview.send("ping", float("inf"))
    cycle: list = []
    cycle.append(cycle)
    with pytest.raises(transom.InvalidJsonError):
        webview.send("ping", cycle)
    with pytest.raises(transom.InvalidJsonError):
        webview.send("ping", transom.RawJson("alert(1)"))
    with pytest.raises(transom.InvalidJsonError):
        webview.send("ping", transom.RawJson('"a\nb"'))
    with pytest.raises(transom.InvalidArgumentError):
        app.broadcast("", None)
    with pytest.raises(transom.InvalidArgumentError):
        webview.on("", lambda d: None)
    with pytest.raises(transom.InvalidArgumentError):
        webview.on("x", 5)  # type: ignore[call-overload]
    # The page still works after all that.
    webview.send("ping", "still fine")
    assert stream.wait_for("message", lambda e: e["channel"] == "pong", timeout=WAIT)["payload"] == "still fine"


def test_bad_invoke_arguments(app: transom.App, page) -> None:
    _, webview, _ = page
    for timeout in (0, -1, math.inf, "1", True, 5_000_000):
        with pytest.raises(transom.InvalidArgumentError, match="timeout"):
            webview.invoke("add", 1, 2, timeout=timeout)  # type: ignore[arg-type]
    with pytest.raises(transom.InvalidArgumentError):
        webview.invoke("", timeout=1)
    with pytest.raises(transom.InvalidJsonError):
        webview.invoke("echo", object(), timeout=1)
    with pytest.raises(transom.InvalidArgumentError):
        webview.handle("", lambda: None)


def test_too_large(mode: str) -> None:
    with transom.App(mode=mode, max_message_bytes=1000) as app:
        window = app.create_window("small", width=200, height=100)
        webview = window.create_webview(html="<p>x</p>")
        with pytest.raises(transom.TooLargeError):
            webview.send("big", "x" * 2000)
        with pytest.raises(transom.TooLargeError):
            webview.invoke("echo", "x" * 2000, timeout=1)
        webview.send("small", "x" * 10)


def test_gone_window_and_webview(app: transom.App, page) -> None:
    window, webview, stream = page
    window.close()
    stream.wait_for("window-destroyed", timeout=WAIT)
    with pytest.raises(transom.NotFoundError):
        webview.send("ping", 1)
    with pytest.raises(transom.NotFoundError):
        webview.invoke("add", 1, 2, timeout=1)
    with pytest.raises(transom.NotFoundError):
        window.set(title="gone")
    with pytest.raises(transom.NotFoundError):
        window.create_webview(html="x")
    window.close()  # closing again does nothing


def test_after_close_everything_is_closed(mode: str) -> None:
    app = transom.App(mode=mode)
    window = app.create_window("x", width=200, height=100)
    webview = window.create_webview(html="<p>x</p>")
    app.close()
    for action in (
        lambda: app.create_window("y"),
        lambda: webview.send("a", 1),
        lambda: webview.invoke("a", timeout=1),
        lambda: webview.eval("1"),
        lambda: app.broadcast("a", 1),
    ):
        with pytest.raises(transom.ClosedError):
            action()
    with pytest.raises(transom.ClosedError):
        app.events().get(1)
    window.close()  # no error
    assert app.run(timeout=1) is True


def test_shutdown_answers_pending_calls(mode: str) -> None:
    from conftest import open_page

    app = transom.App(mode=mode)
    _, webview, _ = open_page(app)
    errors = []

    def call() -> None:
        try:
            webview.invoke("never")
        except transom.InvokeError as error:
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + WAIT
    while len(app._dispatcher._pending) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    app.close()
    for thread in threads:
        thread.join(WAIT)
        assert not thread.is_alive()
    assert [e.code for e in errors] == ["TRANSOM_ERROR_CLOSED"] * 3


def test_in_process_without_display() -> None:
    """No display: a clear PlatformError, no crash, no hang. In a child process, because the GUI
    thread of a process starts once (a failed start stays failed for that process)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    script = (
        "import transom\n"
        "try:\n"
        "    transom.App(mode='in-process')\n"
        "except transom.PlatformError as error:\n"
        "    print('PlatformError', error.code)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=WAIT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "PlatformError TRANSOM_ERROR_PLATFORM"
