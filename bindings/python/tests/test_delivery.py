"""Delivery under load and the threads that carry it, in both modes.

In process, the threads that read events run the callbacks too (``InlineExecutor``): a callback
that waits (for an answer through the package, or for anything else) must not stop event reading,
and callbacks keep their order when the reading passes to the other thread. In host mode,
``webview.send`` does not wait for the host's reply: messages are pipelined, errors the package can
see at once still raise, and an error reply that comes later is raised by the next message to
that webview. Large page → program bytes cross the host's pipe intact.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest

import transom
from conftest import WAIT, message, open_page

DELIVERY_PAGE = """<!doctype html><html><body><script>
  host.handle('add', (a, b) => a + b);
  host.on('ping', (data) => host.send('pong', data));
  // A burst of messages, sent in one task.
  host.on('burst', (n) => { for (let i = 0; i < n; i++) host.send('item', i); });
  // Messages from the program, checked for order: {n, firstOutOfOrder} once `total` came.
  let expect = 0, bad = -1, total = 0;
  host.on('seq-start', (n) => { expect = 0; bad = -1; total = n; host.send('seq-ready', n); });
  host.on('seq', (i) => {
    if (i !== expect && bad < 0) bad = expect;
    expect++;
    if (expect === total) host.send('seq-done', { n: expect, firstOutOfOrder: bad });
  });
  // Bytes with a known pattern, both ways.
  const pattern = (i) => (i * 31 + 7) & 255;
  host.on('make-bytes', (n) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = pattern(i);
    host.send('made', b);
  });
  host.on('check-bytes', (b) => {
    let firstBad = -1;
    for (let i = 0; i < b.length; i++) if (b[i] !== pattern(i)) { firstBad = i; break; }
    host.send('checked', { isBytes: b instanceof Uint8Array, n: b.length, firstBad });
  });
  host.send('ready', location.href);
</script></body></html>"""


def pattern(n: int) -> bytes:
    """The page's byte pattern, (i * 31 + 7) & 255, for n bytes (it repeats every 256)."""
    period = bytes((i * 31 + 7) & 255 for i in range(256))
    return (period * (n // 256 + 1))[:n]


@pytest.fixture
def delivery(app: transom.App):
    return open_page(app, DELIVERY_PAGE)


def test_a_callback_can_wait_for_answers(app: transom.App, delivery) -> None:
    _, webview, _ = delivery
    outcomes = []
    done = threading.Event()

    @webview.on("pong")
    def on_pong(data):
        # The answers come as events: another thread must read them while this callback waits.
        outcomes.append(webview.invoke("add", data, 1, timeout=WAIT))
        outcomes.append(webview.call("add", data, 2).result(WAIT))
        done.set()

    webview.send("ping", 40)
    assert done.wait(WAIT)
    assert outcomes == [41, 42]


def test_a_blocked_callback_does_not_stop_event_reading(app: transom.App, delivery) -> None:
    _, webview, _ = delivery
    release = threading.Event()
    order = []
    done = threading.Event()

    @webview.on("item")
    def on_item(i):
        if i == 0:
            # Waits for something the package knows nothing of, which the main thread does only
            # after its own invoke got its answer: that answer must be read meanwhile.
            assert release.wait(WAIT), "the main thread's invoke never got its answer"
        order.append((i, threading.current_thread().name))
        if i == 49:
            done.set()

    webview.send("burst", 50)
    time.sleep(0.2)  # the first callback is waiting by now
    assert webview.invoke("add", 2, 3, timeout=WAIT) == 5
    release.set()
    assert done.wait(WAIT)
    # The callbacks of the messages read while the first one waited ran after it, in order.
    assert [i for i, _ in order] == list(range(50))
    assert {name for _, name in order} == {"transom-callbacks"}


def test_slow_callbacks_keep_their_order(app: transom.App, delivery) -> None:
    _, webview, _ = delivery
    seen = []
    done = threading.Event()

    @webview.on("item")
    def on_item(i):
        if i % 50 == 0:
            time.sleep(0.05)  # long enough for the other thread to take the reading over
        seen.append(i)
        if i == 299:
            done.set()

    webview.send("burst", 300)
    assert done.wait(WAIT)
    assert seen == list(range(300))


def test_many_messages_arrive_in_order(app: transom.App, delivery) -> None:
    _, webview, stream = delivery
    webview.send("seq-start", 10_000)
    assert message(stream, "seq-ready") == 10_000
    for i in range(10_000):
        webview.send("seq", i)
    assert message(stream, "seq-done") == {"n": 10_000, "firstOutOfOrder": -1}


def test_large_page_bytes_arrive_intact(app: transom.App, delivery) -> None:
    _, webview, stream = delivery
    size = (20 << 20) + 3  # 20 MiB and a bit: not a multiple of 3 (base64) nor of 256
    webview.send("make-bytes", size)
    data = message(stream, "made", timeout=120)
    assert type(data) is bytes and len(data) == size
    assert data == pattern(size)


def test_large_program_bytes_arrive_intact(app: transom.App, delivery) -> None:
    _, webview, stream = delivery
    size = (20 << 20) + 1
    webview.send("check-bytes", pattern(size))
    assert message(stream, "checked", timeout=120) == {"isBytes": True, "n": size, "firstBad": -1}


# ---- host mode: messages do not wait for their reply ---------------------------------------------


def test_host_send_errors_seen_at_once_still_raise() -> None:
    with transom.App(mode="host", max_message_bytes=1000) as app:
        window, webview, stream = open_page(app, DELIVERY_PAGE)
        with pytest.raises(transom.InvalidJsonError):
            webview.send("ping", transom.RawJson("{not json"))
        with pytest.raises(transom.InvalidJsonError):
            webview.send("ping", transom.RawJson("NaN"))
        with pytest.raises(transom.TooLargeError):
            webview.send("ping", "x" * 1000)  # 1002 bytes of JSON text
        with pytest.raises(transom.TooLargeError):
            webview.send("ping", "é" * 500)  # 500 characters, 1002 bytes
        with pytest.raises(transom.TooLargeError):
            webview.send("ping", bytes(1001))
        with pytest.raises(transom.InvalidArgumentError):
            window.send("p" * 257, 1)
        webview.send("ping", transom.RawJson(' {"at": "the limit"} '))
        assert message(stream, "pong") == {"at": "the limit"}
        window.close()
        stream.wait_for("window-destroyed", timeout=WAIT)
        with pytest.raises(transom.NotFoundError):
            webview.send("ping", 1)
        with pytest.raises(transom.NotFoundError):
            window.send("ping", 1)


def test_host_send_error_replies_are_logged_and_raised_by_the_next_send(caplog) -> None:
    with transom.App(mode="host") as app:
        _, webview, stream = open_page(app, DELIVERY_PAGE)
        backend = app._backend
        unknown = webview.id + 1000  # an id the host never gave out
        with caplog.at_level(logging.WARNING, logger="transom"):
            backend.post(unknown, "ping", "1", False)  # does not wait: no error yet
            # Replies come in order: once a later command has its reply, so has the post.
            app.state["after"] = 1
            assert any(f"webview {unknown} was refused" in r.getMessage() for r in caplog.records)
        with pytest.raises(transom.NotFoundError):
            backend.post(unknown, "ping", "2", False)  # the earlier error; this one is not sent
        # Raised once: the next post to it is sent (and refused) again.
        backend.post(unknown, "ping", "3", False)
        app.state["after"] = 2
        with pytest.raises(transom.NotFoundError):
            backend.post(unknown, "ping", "4", False)
        # Other webviews are not concerned.
        webview.send("ping", "still fine")
        assert message(stream, "pong") == "still fine"
