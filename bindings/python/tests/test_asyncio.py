"""asyncio: an App made inside a running loop is bound to it. In process it reads events through
loop.add_reader on the core's event fd (no thread); callbacks run on the loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

import transom
from conftest import TEST_PAGE, WAIT


async def _open(app: transom.App, stream: transom.AsyncEventStream) -> transom.Webview:
    window = app.create_window("async", width=320, height=240)
    webview = window.create_webview(html=TEST_PAGE)
    await stream.wait_for("message", lambda e: e["channel"] == "ready", timeout=WAIT)
    return webview


def test_bound_app_uses_the_loop(mode: str) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        async with transom.App(mode=mode) as app:
            if mode == "in-process":
                backend = app._backend
                assert backend._loop is loop and backend._thread is None  # add_reader, no thread
            stream = app.events_async()
            webview = await _open(app, stream)
            loop_thread = threading.current_thread()
            seen = []

            @webview.on("pong")
            def on_pong(data):
                seen.append((data, threading.current_thread() is loop_thread))

            @webview.handle("twice")
            async def twice(x):
                assert threading.current_thread() is loop_thread
                await asyncio.sleep(0.01)
                return 2 * x

            webview.send("ping", "hello")
            await stream.wait_for("message", lambda e: e["channel"] == "pong", timeout=WAIT)
            await asyncio.sleep(0)  # the listener was queued on this loop before the stream got it
            assert seen == [("hello", True)]

            assert await webview.invoke_async("add", 1, 2, timeout=WAIT) == 3
            with pytest.raises(transom.InvokeError, match="nope"):
                await webview.invoke_async("fail", "nope", timeout=WAIT)
            if mode == "in-process":
                # A blocking invoke on the loop would wait for an answer only the loop delivers.
                with pytest.raises(RuntimeError):
                    webview.invoke("add", 1, 2, timeout=1)
                with pytest.raises(RuntimeError):
                    app.run()

            webview.send("call", {"id": 1, "name": "twice", "args": [21]})
            called = await stream.wait_for("message", lambda e: e["channel"] == "called", timeout=WAIT)
            assert called["payload"] == {"id": 1, "ok": True, "value": 42}

            webview.window.close()
            await asyncio.wait_for(app.run_async(), WAIT)
        assert app.closed

    asyncio.run(asyncio.wait_for(main(), WAIT * 3))


def test_async_for_ends_when_the_app_closes(mode: str) -> None:
    async def main() -> list:
        app = transom.App(mode=mode)
        types = []
        stream = app.events_async("window-created", "window-destroyed")
        app.create_window("x", width=200, height=100)
        asyncio.get_running_loop().call_later(0.5, lambda: asyncio.ensure_future(app.aclose()))
        async for event in stream:
            types.append(event.type)
        return types

    assert asyncio.run(asyncio.wait_for(main(), WAIT)) == ["window-created", "window-destroyed"]


def test_unbound_app_in_a_loop(mode: str) -> None:
    """An App made outside any loop still serves invoke_async and events_async inside one."""
    app = transom.App(mode=mode)
    try:
        async def main() -> object:
            stream = app.events_async()
            webview = await _open(app, stream)
            return await webview.invoke_async("echo", "x", timeout=WAIT)

        assert asyncio.run(asyncio.wait_for(main(), WAIT * 2)) == ["x"]
    finally:
        app.close()


def test_shutdown_answers_pending_async_calls(mode: str) -> None:
    async def main() -> transom.InvokeError:
        app = transom.App(mode=mode)
        stream = app.events_async()
        webview = await _open(app, stream)
        task = asyncio.ensure_future(webview.invoke_async("never"))
        await asyncio.sleep(0.2)
        await app.aclose()
        with pytest.raises(transom.InvokeError) as caught:
            await asyncio.wait_for(task, WAIT)
        return caught.value

    error = asyncio.run(asyncio.wait_for(main(), WAIT * 2))
    assert error.code == "TRANSOM_ERROR_CLOSED"
