"""Bytes both ways with host.send / host.on, in both modes: bytes, bytearray and memoryview go as
bytes (transom_post_bytes in process, base64 over the host's pipe); the page's ArrayBuffers and
typed arrays arrive as Python bytes; window.send and broadcast; limits."""

from __future__ import annotations

import os
import struct
import threading

import pytest

import transom
from conftest import MODEL_PAGE, WAIT, message, open_page, wait_until


def test_program_bytes_reach_the_page_as_uint8array(app: transom.App, model) -> None:
    _, webview, stream = model
    webview.send("describe", b"\x00\x01\xfe\xff")
    assert message(stream, "described") == {"isBytes": True, "value": {"bytes": [0, 1, 254, 255]}}
    webview.send("describe", bytearray(b"AB"))
    assert message(stream, "described") == {"isBytes": True, "value": {"bytes": [65, 66]}}
    webview.send("describe", memoryview(b"abcdef")[::2])  # not contiguous: its bytes in order
    assert message(stream, "described") == {"isBytes": True, "value": {"bytes": [97, 99, 101]}}
    webview.send("describe", memoryview(bytes(range(8))).cast("I"))  # another format: raw bytes
    assert message(stream, "described") == {"isBytes": True, "value": {"bytes": list(range(8))}}
    webview.send("describe", b"")
    assert message(stream, "described") == {"isBytes": True, "value": {"bytes": []}}
    webview.send("describe", "text")  # a str stays JSON
    assert message(stream, "described") == {"isBytes": False, "value": "text"}


def test_page_bytes_reach_python_as_bytes(app: transom.App, model) -> None:
    _, webview, stream = model
    received = []
    done = threading.Event()

    @webview.on("bytes")
    def on_bytes(data):
        received.append(data)
        done.set()

    webview.send("send-bytes", [1, 2, 3, 250])
    assert done.wait(WAIT)
    assert received == [b"\x01\x02\x03\xfa"] and type(received[0]) is bytes
    event = stream.wait_for("message", lambda e: e["channel"] == "bytes", timeout=WAIT)
    assert event["payload"] == b"\x01\x02\x03\xfa"
    assert event["bytes"] == 4
    assert "base64" not in event.data  # host mode decodes it into payload
    webview.send("send-bytes", [])
    assert message(stream, "bytes") == b""


def test_bytes_round_trip_large_and_in_order_with_json(app: transom.App, model) -> None:
    _, webview, stream = model
    blob = os.urandom(8 << 20)
    webview.send("bounce", "before")
    webview.send("bounce", blob)
    webview.send("bounce", {"after": True})
    assert message(stream, "bounced") == "before"
    assert message(stream, "bounced") == blob
    assert message(stream, "bounced") == {"after": True}


def test_window_send_reaches_its_webview(app: transom.App, model) -> None:
    window, webview, stream = model
    window.send("ping", {"via": "window"})
    event = stream.wait_for("message", lambda e: e["channel"] == "pong", timeout=WAIT)
    assert event["payload"] == {"via": "window"} and event.webview is webview
    window.send("describe", b"\x07")
    assert message(stream, "described") == {"isBytes": True, "value": {"bytes": [7]}}
    # A window without a webview: nothing to deliver, no error.
    bare = app.create_window("bare", width=200, height=100)
    bare.send("ping", 1)
    bare.send("ping", b"1")
    bare.close()
    stream.wait_for("window-destroyed", lambda e: e.window is bare, timeout=WAIT)
    with pytest.raises(transom.NotFoundError):
        bare.send("ping", 1)
    with pytest.raises(transom.NotFoundError):
        bare.send("ping", b"1")


def test_window_send_goes_to_that_window_only(app: transom.App) -> None:
    first_window, first, stream = open_page(app, MODEL_PAGE)
    _, second, _ = open_page(app, MODEL_PAGE)
    first_window.send("ping", "only first")
    event = stream.wait_for("message", lambda e: e["channel"] == "pong", timeout=WAIT)
    assert event.webview is first
    second.send("ping", "marker")
    event = stream.wait_for("message", lambda e: e["channel"] == "pong", timeout=WAIT)
    assert event.webview is second and event["payload"] == "marker"


def test_broadcast_bytes(app: transom.App) -> None:
    _, first, stream = open_page(app, MODEL_PAGE)
    _, second, _ = open_page(app, MODEL_PAGE)
    app.broadcast("describe", b"\x2a")
    senders = set()
    while len(senders) < 2:
        event = stream.wait_for("message", lambda e: e["channel"] == "described", timeout=WAIT)
        assert event["payload"] == {"isBytes": True, "value": {"bytes": [42]}}
        senders.add(event.webview)
    assert senders == {first, second}


def test_bytes_over_the_limit(mode: str) -> None:
    with transom.App(mode=mode, max_message_bytes=1000) as app:
        _, webview, stream = open_page(app, MODEL_PAGE)
        with pytest.raises(transom.TooLargeError):
            webview.send("describe", bytes(1001))
        with pytest.raises(transom.TooLargeError):
            app.broadcast("describe", bytes(1001))
        channel = webview.channel("echo")
        with pytest.raises(transom.TooLargeError):
            channel.send(bytes(1001))
        webview.send("bounce", bytes(1000))  # the limit itself is fine, both ways
        assert message(stream, "bounced") == bytes(1000)


def test_page_bytes_are_taken_when_sent(app: transom.App, model) -> None:
    """The page may change its buffer right after host.send / channel.send: what was sent stays."""
    _, webview, stream = model
    webview.send("send-reused", None)
    got = [message(stream, "reused") for _ in range(3)]
    assert got == [b"\x00", b"\x01", b"\x02"]
    channels = []
    webview.on_channel("reused-stream", channels.append)
    webview.send("stream", {"name": "reused-stream", "count": 50, "size": 1024, "reuse": True})
    wait_until(lambda: channels, what="the page's channel")
    assert [struct.unpack_from("<I", piece)[0] for piece in channels[0]] == list(range(50))
