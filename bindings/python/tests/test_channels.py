"""Channels, both ways, in both modes: open/close on either side, order, bytes, iteration,
callbacks, backpressure (WOULD_BLOCK and channel-ready behind Channel.send), asyncio."""

from __future__ import annotations

import asyncio
import struct
import threading
import time

import pytest

import transom
from conftest import MODEL_PAGE, WAIT, message, open_page, wait_until

MiB = 1 << 20


# ---- the program opens ---------------------------------------------------------------------------


def test_program_opens_and_the_page_echoes_in_order(app: transom.App, model) -> None:
    _, webview, _ = model
    channel = webview.channel("echo")
    assert channel.opened_by == "program" and channel.name == "echo" and channel.webview is webview
    sent = [{"n": i, "text": "é✓"} for i in range(50)] + [b"\x00\x01\xff", bytearray(b"ba"), b"", None]
    for item in sent:
        channel.send(item)
    received = [channel.recv(timeout=WAIT) for _ in sent]
    assert received[:50] == sent[:50]
    assert received[50:] == [b"\x00\x01\xff", b"ba", b"", None]
    assert type(received[50]) is bytes
    assert not channel.closed
    channel.close()
    assert channel.closed and channel.close_reason == "closed by the program"


def test_channel_right_after_create_webview(app: transom.App) -> None:
    window = app.create_window("early channel", width=300, height=200)
    webview = window.create_webview(html=MODEL_PAGE)
    channel = webview.channel("echo")
    channel.send("first")
    assert channel.recv(timeout=WAIT) == "first"


def test_program_closes_the_page_sees_it(app: transom.App, model) -> None:
    _, webview, stream = model
    with webview.channel("watch") as channel:
        channel.send(1)
        assert message(stream, "watched") == 1
    assert message(stream, "page-closed") == {"name": "watch", "reason": "closed by the program"}
    with pytest.raises(transom.ChannelClosedError) as caught:
        channel.send(2)
    assert caught.value.reason == "closed by the program"
    assert isinstance(caught.value, transom.NotFoundError)
    assert list(channel) == []  # iteration ends at once
    channel.close()  # closing again does nothing


def test_page_without_a_handler_closes_the_program_channel(app: transom.App, model) -> None:
    _, webview, stream = model
    closes = []
    channel = webview.channel("nobody-takes-this")
    channel.on_close(closes.append)
    event = stream.wait_for("channel-close", lambda e: e["channel"] == channel.id, timeout=WAIT)
    assert event.channel is channel
    assert channel.closed and channel.close_reason == "no channel handler named nobody-takes-this"
    with pytest.raises(transom.ChannelClosedError, match="no channel handler"):
        channel.send("x")
    wait_until(lambda: closes == ["no channel handler named nobody-takes-this"], what="on_close")
    late = []
    channel.on_close(late.append)  # already closed: called at once (on the callback thread)
    wait_until(lambda: late == ["no channel handler named nobody-takes-this"], what="late on_close")


def test_page_closes_its_side(app: transom.App, model) -> None:
    _, webview, stream = model
    channel = webview.channel("closeme")
    stream.wait_for("channel-close", lambda e: e["channel"] == channel.id, timeout=WAIT)
    assert channel.close_reason == "closed by the page"
    with pytest.raises(transom.ChannelClosedError):
        channel.recv(timeout=WAIT)


def test_closing_the_window_closes_its_channels(app: transom.App, model) -> None:
    window, webview, stream = model
    channel = webview.channel("echo")
    channel.send("x")
    assert channel.recv(timeout=WAIT) == "x"
    results = []
    reader = threading.Thread(target=lambda: results.append(list(channel)))
    reader.start()
    window.close()
    reader.join(WAIT)
    assert results == [[]]
    assert channel.close_reason == "the webview was closed"


def test_navigation_closes_channels(app: transom.App, model) -> None:
    _, webview, stream = model
    channel = webview.channel("echo")
    channel.send("x")
    assert channel.recv(timeout=WAIT) == "x"
    webview.navigate("data:text/html,<p>elsewhere</p>")
    stream.wait_for("channel-close", lambda e: e.channel is channel, timeout=WAIT)
    assert channel.close_reason == "the page navigated away"


def test_closing_the_app_ends_channels(mode: str) -> None:
    app = transom.App(mode=mode)
    try:
        _, webview, _ = open_page(app, MODEL_PAGE)
        echo = webview.channel("echo")
        held = webview.channel("hold")
        for _ in range(4):
            held.send(b"h" * MiB, timeout=WAIT)
        outcomes: list = []

        def blocked() -> None:
            try:
                held.send(b"h" * MiB)
            except transom.TransomError as error:
                outcomes.append(error)

        reader = threading.Thread(target=lambda: outcomes.append(list(echo)))
        sender = threading.Thread(target=blocked)
        reader.start()
        sender.start()
        time.sleep(0.2)
    finally:
        app.close()
    reader.join(WAIT)
    sender.join(WAIT)
    assert not reader.is_alive() and not sender.is_alive()
    assert [] in outcomes
    assert any(isinstance(o, transom.ChannelClosedError) for o in outcomes)
    assert echo.closed and held.closed
    with pytest.raises(transom.ChannelClosedError):
        echo.send(1)


# ---- the page opens ------------------------------------------------------------------------------


def test_page_opens_program_iterates_until_the_page_closes(app: transom.App, model) -> None:
    _, webview, stream = model
    accepted = []
    results = []
    done = threading.Event()

    @webview.on_channel("up")
    def accept(channel):
        accepted.append((channel, threading.current_thread().name))
        # Iterating blocks: do it on a thread of our own, not on the callback thread.
        def read():
            results.append(list(channel))
            done.set()

        threading.Thread(target=read).start()

    webview.send("open", {"name": "up", "messages": ["a", {"b": [1, 2]}, {"bytes": [1, 2, 3]}, None], "close": True})
    assert done.wait(WAIT)
    channel, thread_name = accepted[0]
    assert thread_name == "transom-callbacks"
    assert channel.opened_by == "page" and channel.name == "up" and channel.webview is webview
    assert results == [["a", {"b": [1, 2]}, b"\x01\x02\x03", None]]
    assert channel.close_reason == "closed by the page"
    opened = stream.wait_for("channel-open", timeout=WAIT)
    assert opened.channel is channel and opened["name"] == "up"


def test_program_answers_on_a_page_channel(app: transom.App, model) -> None:
    _, webview, stream = model

    @webview.on_channel("ask")
    def accept(channel):
        channel.on_message(channel.send)  # back as it came: JSON as JSON, bytes as bytes

    webview.send("open", {"name": "ask", "messages": ["one", {"bytes": [9, 0]}, {"n": 3}], "close": False})
    assert message(stream, "page-got") == {"name": "ask", "m": "one"}
    assert message(stream, "page-got") == {"name": "ask", "m": {"bytes": [9, 0]}}
    assert message(stream, "page-got") == {"name": "ask", "m": {"n": 3}}


def test_app_wide_channel_handler_and_precedence(app: transom.App) -> None:
    _, first, stream = open_page(app, MODEL_PAGE)
    _, second, _ = open_page(app, MODEL_PAGE)
    seen = []
    app.on_channel("up", lambda channel: seen.append(("app", channel.webview)))
    second.on_channel("up", lambda channel: seen.append(("second", channel.webview)))
    first.send("open", {"name": "up", "messages": [], "close": False})
    second.send("open", {"name": "up", "messages": [], "close": False})
    wait_until(lambda: len(seen) == 2, what="both channel handlers")
    assert sorted(seen, key=lambda s: s[0]) == [("app", first), ("second", second)]
    app.remove_channel_handler("up")
    second.remove_channel_handler("up")


def test_page_channel_without_a_python_handler_is_closed(app: transom.App, model) -> None:
    _, webview, stream = model
    webview.send("open", {"name": "unwanted", "messages": ["lost"], "close": False})
    opened = stream.wait_for("channel-open", timeout=WAIT)
    assert opened.channel is not None and opened.channel.closed
    assert opened.channel.close_reason == "no channel handler named unwanted"
    closed = message(stream, "page-closed")
    assert closed == {"name": "unwanted", "reason": "closed by the program"}


def test_a_raising_channel_handler_closes_the_channel(app: transom.App, model) -> None:
    _, webview, stream = model

    @webview.on_channel("broken")
    def accept(channel):
        raise RuntimeError("handler failed")

    webview.send("open", {"name": "broken", "messages": [], "close": False})
    assert message(stream, "page-closed") == {"name": "broken", "reason": "closed by the program"}


def test_on_message_gets_waiting_messages_first_then_the_rest_in_order(app: transom.App, model) -> None:
    _, webview, _ = model
    channels = []
    webview.on_channel("up", channels.append)
    webview.send("open", {"name": "up", "messages": list(range(5)), "close": False})
    wait_until(lambda: channels and channels[0].pending == 5, what="five waiting messages")
    channel = channels[0]
    got = []
    threads = set()
    done = threading.Event()

    @channel.on_message()
    def on_message(m):
        got.append(m)
        threads.add(threading.current_thread().name)
        if m == 9:
            done.set()

    assert channel.pending == 0
    webview.send("more", {"name": "up", "messages": list(range(5, 10))})
    assert done.wait(WAIT)
    assert got == list(range(10))
    assert threads == {"transom-callbacks"}
    # Without callbacks, messages wait for recv again.
    channel.off_message(on_message)
    webview.send("more", {"name": "up", "messages": ["later"]})
    assert channel.recv(timeout=WAIT) == "later"


# ---- backpressure --------------------------------------------------------------------------------


def test_send_waits_while_the_page_is_behind(app: transom.App, model) -> None:
    _, webview, stream = model
    channel = webview.channel("hold")  # the page keeps it without a listener: nothing is taken
    big = "x" * MiB
    for _ in range(3):
        channel.send(big, timeout=WAIT)  # 3 MiB in flight (plus quotes): the 4 MiB window is nearly full
    with pytest.raises(transom.WouldBlockError) as caught:
        channel.try_send(big)
    assert caught.value.code == "TRANSOM_ERROR_WOULD_BLOCK" and caught.value.number == 12
    started = time.monotonic()
    with pytest.raises(transom.TimeoutError):
        channel.send(big, timeout=0.3)
    assert 0.25 <= time.monotonic() - started < 5
    # The page starts listening later: a blocked send goes on by itself.
    threading.Timer(0.3, webview.send, args=("release", None)).start()
    started = time.monotonic()
    channel.send(big, timeout=WAIT)
    assert time.monotonic() - started >= 0.2
    for _ in range(6):
        channel.send(big, timeout=WAIT)
    channel.send("end")
    assert message(stream, "released") == {"n": 11, "size": 10 * (MiB + 2) + len('"end"')}


def test_a_waiting_send_fails_when_the_channel_closes(app: transom.App, model) -> None:
    _, webview, _ = model
    channel = webview.channel("hold")
    big = b"y" * MiB
    for _ in range(4):
        channel.send(big, timeout=WAIT)
    outcome = []

    def blocked() -> None:
        try:
            channel.send(big)
        except transom.TransomError as error:
            outcome.append(error)

    sender = threading.Thread(target=blocked)
    sender.start()
    time.sleep(0.3)
    assert sender.is_alive()
    webview.navigate("data:text/html,<p>gone</p>")
    sender.join(WAIT)
    assert not sender.is_alive()
    assert isinstance(outcome[0], transom.ChannelClosedError)
    assert outcome[0].reason == "the page navigated away"


def test_streams_both_ways_complete_and_in_order(app: transom.App, model) -> None:
    _, webview, stream = model
    size, count = 64 * 1024, 400  # 25 MiB each way
    sink = webview.channel("sink")
    chunk = bytearray(size)
    for i in range(count):
        struct.pack_into("<I", chunk, 0, i)
        sink.send(chunk, timeout=WAIT)
    sink.send("end")
    assert message(stream, "sunk", timeout=WAIT * 2) == {"n": count, "size": count * size, "inOrder": True}

    stream.close()  # do not keep 25 MiB of events in the test's stream
    channels = []
    webview.on_channel("source", channels.append)
    webview.send("stream", {"name": "source", "count": count, "size": size})
    wait_until(lambda: channels, what="the page's channel")
    numbers = []
    total = 0
    for piece in channels[0]:
        assert type(piece) is bytes
        numbers.append(struct.unpack_from("<I", piece)[0])
        total += len(piece)
    assert numbers == list(range(count)) and total == count * size
    assert channels[0].close_reason == "closed by the page"


# ---- asyncio -------------------------------------------------------------------------------------


def test_async_send_and_iteration(mode: str) -> None:
    async def main() -> None:
        async with transom.App(mode=mode) as app:
            stream = app.events_async()
            window = app.create_window("async channels", width=300, height=200)
            webview = window.create_webview(html=MODEL_PAGE)
            await stream.wait_for("message", lambda e: e["channel"] == "ready", timeout=WAIT)
            loop_thread = threading.current_thread()

            echo = webview.channel("echo")
            await echo.send_async({"a": 1})
            assert await echo.recv_async(timeout=WAIT) == {"a": 1}

            # send_async waits for channel-ready without blocking the loop.
            held = webview.channel("hold")
            for _ in range(3):
                await held.send_async("z" * MiB, timeout=WAIT)
            ticks = 0

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            ticking = asyncio.ensure_future(ticker())
            with pytest.raises(transom.TimeoutError):
                await held.send_async("z" * MiB, timeout=0.3)
            assert ticks >= 5  # the loop ran while the send waited
            if mode == "in-process":
                # The loop reads this App's events: a blocking send there cannot wait for
                # channel-ready, so it raises at once.
                with pytest.raises(transom.WouldBlockError):
                    held.send("z" * MiB)
            asyncio.get_running_loop().call_later(0.2, webview.send, "release", None)
            await held.send_async("z" * MiB, timeout=WAIT)
            await held.send_async("end")
            ticking.cancel()
            released = await stream.wait_for("message", lambda e: e["channel"] == "released", timeout=WAIT)
            assert released["payload"]["n"] == 5

            # An async channel handler iterates on the App's loop.
            collected = asyncio.get_running_loop().create_future()

            @webview.on_channel("up")
            async def accept(channel):
                assert threading.current_thread() is loop_thread
                items = [item async for item in channel]
                collected.set_result((items, channel.close_reason))

            webview.send("open", {"name": "up", "messages": [1, "two", {"bytes": [3]}], "close": True})
            items, reason = await asyncio.wait_for(collected, WAIT)
            assert items == [1, "two", b"\x03"] and reason == "closed by the page"

            with pytest.raises(transom.TimeoutError):
                await echo.recv_async(timeout=0.1)
            if mode == "in-process":
                # On the loop that reads events, a blocking recv would never see its message.
                with pytest.raises(RuntimeError):
                    echo.recv()

    asyncio.run(asyncio.wait_for(main(), WAIT * 4))


def test_unbound_app_channel_in_a_loop(app: transom.App, model) -> None:
    _, webview, _ = model

    async def main() -> list:
        channel = webview.channel("echo")
        for i in range(3):
            await channel.send_async(i)
        return [await channel.recv_async(timeout=WAIT) for _ in range(3)]

    assert asyncio.run(asyncio.wait_for(main(), WAIT)) == [0, 1, 2]


def test_bad_channel_arguments(app: transom.App, model) -> None:
    _, webview, _ = model
    with pytest.raises(transom.InvalidArgumentError):
        webview.channel("")
    with pytest.raises(transom.InvalidArgumentError):
        webview.channel("x" * 257)
    channel = webview.channel("echo")
    with pytest.raises(transom.InvalidJsonError):
        channel.send({1, 2})
    with pytest.raises(transom.InvalidArgumentError):
        channel.send("x", timeout=-1)
    with pytest.raises(transom.InvalidArgumentError):
        webview.on_channel("x", "not a function")  # type: ignore[call-overload]
