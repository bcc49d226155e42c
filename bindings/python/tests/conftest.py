"""Fixtures: an App in each mode (in-process and host), and a test page with real handlers.

The tests open real windows with real pages: run them under a display (``xvfb-run -a``).
Every wait in a test is bounded; pytest-timeout (pyproject.toml) guards each test as a whole.
"""

from __future__ import annotations

import os
from typing import Iterator, Tuple

import pytest

import transom

MODES = ["in-process", "host"]

#: Seconds any single wait in a test may take (a page load under Xvfb takes well under 1 s).
WAIT = 15.0

TEST_PAGE = """<!doctype html><html><head><title>test page</title></head><body>
<script>
  host.handle('echo', (...args) => args);
  host.handle('add', (a, b) => a + b);
  host.handle('fail', (message) => { throw new Error(message); });
  host.handle('never', () => new Promise(() => {}));
  host.handle('later', (ms, value) => new Promise((resolve) => setTimeout(() => resolve(value), ms)));
  host.on('ping', (data) => host.send('pong', data));
  // Makes the page call the program: {name, args} -> a 'called' message with the outcome.
  host.on('call', async (request) => {
    try {
      const value = await host.invoke(request.name, ...request.args);
      host.send('called', { id: request.id, ok: true, value });
    } catch (error) {
      host.send('called', { id: request.id, ok: false, error: error.message });
    }
  });
  host.send('ready', location.href);
</script></body></html>"""


def pytest_report_header(config: object) -> str:
    return f"transom: library {_safe(transom.find_library)}, host {_safe(transom.find_host)}"


def _safe(fn: object) -> str:
    try:
        return str(fn())  # type: ignore[operator]
    except Exception as error:  # pragma: no cover
        return f"not found ({error})"


def pytest_sessionstart(session: object) -> None:
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        pytest.exit("these tests open real windows: run them under a display (xvfb-run -a pytest)", 2)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def app(mode: str) -> Iterator[transom.App]:
    application = transom.App(mode=mode)
    try:
        yield application
    finally:
        application.close()


def open_page(
    app: transom.App, html: str = TEST_PAGE, **window_options: object
) -> Tuple[transom.Window, transom.Webview, transom.EventStream]:
    """Opens a window with ``html`` and waits until the page said 'ready'. Returns the window,
    its webview and an event stream that saw everything from before the window was made."""
    stream = app.events()
    window = app.create_window("transom test", width=400, height=300, **window_options)  # type: ignore[arg-type]
    webview = window.create_webview(html=html)
    stream.wait_for("message", lambda e: e.webview is webview and e["channel"] == "ready", timeout=WAIT)
    return window, webview, stream


@pytest.fixture
def page(app: transom.App) -> Tuple[transom.Window, transom.Webview, transom.EventStream]:
    return open_page(app)


def page_calls(webview: transom.Webview, stream: transom.EventStream, name: str, *args: object) -> dict:
    """Makes the page call ``host.invoke(name, ...args)`` and returns its outcome
    (``{"ok": True, "value": …}`` or ``{"ok": False, "error": message}``)."""
    page_calls.counter += 1  # type: ignore[attr-defined]
    request_id = page_calls.counter  # type: ignore[attr-defined]
    webview.send("call", {"id": request_id, "name": name, "args": list(args)})
    event = stream.wait_for(
        "message",
        lambda e: e["channel"] == "called" and e["payload"]["id"] == request_id,
        timeout=WAIT,
    )
    outcome = dict(event["payload"])
    outcome.pop("id")
    return outcome


page_calls.counter = 0  # type: ignore[attr-defined]
