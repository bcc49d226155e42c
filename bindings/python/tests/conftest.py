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


#: A page for channels, bytes, shared state and call cancellation. Page-side outcomes come back as
#: messages; bytes are reported as arrays of numbers so that both sides can be compared.
MODEL_PAGE = """<!doctype html><html><head><title>model page</title></head><body>
<script>
  const show = (m) => (m instanceof Uint8Array ? { bytes: Array.from(m) } : m);
  const make = (m) => (m && m.bytes ? new Uint8Array(m.bytes) : m);
  // Channels the program opens.
  host.onChannel('echo', (ch) => ch.on('message', (m) => ch.send(m)));
  host.onChannel('watch', (ch) => {
    ch.on('message', (m) => host.send('watched', show(m)));
    ch.closed.then(({ reason }) => host.send('page-closed', { name: ch.name, reason }));
  });
  host.onChannel('closeme', (ch) => ch.close());
  const held = [];
  host.onChannel('hold', (ch) => held.push(ch));  // no listener until 'release'
  host.on('release', () => {
    for (const ch of held.splice(0)) {
      let n = 0, size = 0;
      ch.on('message', (m) => {
        n++;
        size += m instanceof Uint8Array ? m.byteLength : JSON.stringify(m).length;
        if (m === 'end') host.send('released', { n, size });
      });
    }
  });
  // A stream to the page: bytes whose first 4 bytes count up; 'end' reports what came.
  host.onChannel('sink', (ch) => {
    let n = 0, size = 0, inOrder = true;
    ch.on('message', (m) => {
      if (m === 'end') { host.send('sunk', { n, size, inOrder }); return; }
      if (new DataView(m.buffer, m.byteOffset).getUint32(0, true) !== n) inOrder = false;
      n++; size += m.byteLength;
    });
  });
  // Channels the page opens: {name, messages, close}; what comes back is reported. 'more' sends
  // more messages on the last channel of that name.
  const opened = new Map();
  host.on('open', async ({ name, messages, close }) => {
    const ch = host.channel(name);
    opened.set(name, ch);
    ch.on('message', (m) => host.send('page-got', { name, m: show(m) }));
    ch.closed.then(({ reason }) => host.send('page-closed', { name, reason }));
    try {
      for (const m of messages) await ch.send(make(m));
    } catch (error) {
      host.send('page-send-failed', { name, error: error.message });
    }
    if (close) ch.close();
  });
  host.on('more', async ({ name, messages }) => {
    for (const m of messages) await opened.get(name).send(make(m));
  });
  // A stream from the page: count messages of size bytes whose first 4 bytes count up; a fresh
  // buffer per message, or one buffer changed after each send with `reuse`.
  host.on('stream', async ({ name, count, size, reuse }) => {
    const ch = host.channel(name);
    let chunk = new Uint8Array(size);
    for (let i = 0; i < count; i++) {
      if (!reuse) chunk = new Uint8Array(size);
      new DataView(chunk.buffer).setUint32(0, i, true);
      await ch.send(chunk);
    }
    ch.close();
  });
  // host.send with one buffer changed after each send: [0, 1, 2] if the bytes are taken at once.
  host.on('send-reused', () => {
    const buffer = new Uint8Array(1);
    for (let i = 0; i < 3; i++) { buffer[0] = i; host.send('reused', buffer); }
  });
  // Bytes and JSON with host.send / host.on.
  host.on('bounce', (m) => host.send('bounced', m));
  host.on('describe', (m) => host.send('described', { isBytes: m instanceof Uint8Array, value: show(m) }));
  host.on('send-bytes', (m) => host.send('bytes', new Uint8Array(m)));
  // Shared state.
  host.handle('state', (key) => host.state[key]);
  host.handle('has', (key) => key in host.state);
  host.on('write', ({ key, value }) => { host.state[key] = value; });
  host.watchState('theme', (value, old) => host.send('page-watch', { value, old }));
  // Calls the page gives up on: {name, args, timeout} -> 'gave-up' with the outcome.
  host.on('call-with-timeout', async ({ name, args, timeout }) => {
    try {
      const value = await host.invokeWith({ timeout }, name, ...args);
      host.send('gave-up', { ok: true, value });
    } catch (error) {
      host.send('gave-up', { ok: false, error: error.message });
    }
  });
  // Calls the program makes.
  let finished = 0;
  host.handle('never', () => new Promise(() => {}));
  host.handle('slow', (ms, value) => new Promise((r) => setTimeout(() => { finished++; r(value); }, ms)));
  host.handle('finished', () => finished);
  host.on('ping', (data) => host.send('pong', data));
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


@pytest.fixture
def model(app: transom.App) -> Tuple[transom.Window, transom.Webview, transom.EventStream]:
    """A window with MODEL_PAGE, loaded."""
    return open_page(app, MODEL_PAGE)


def message(stream: transom.EventStream, channel: str, predicate=None, timeout: float = WAIT) -> object:
    """The payload of the next ``message`` event on ``channel`` (that satisfies ``predicate``)."""
    event = stream.wait_for(
        "message",
        lambda e: e["channel"] == channel and (predicate is None or predicate(e["payload"])),
        timeout=timeout,
    )
    return event["payload"]


def wait_until(condition, timeout: float = WAIT, what: str = "the condition") -> None:
    """Polls ``condition()`` every 10 ms until it is true; fails after ``timeout`` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout:g} s"
        time.sleep(0.01)


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
