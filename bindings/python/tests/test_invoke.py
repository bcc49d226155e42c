"""invoke both ways: resolve, reject / exception, unknown handler, timeout; sync and async."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

import transom
from conftest import WAIT, page_calls

# ---- program -> page --------------------------------------------------------------------------


def test_invoke_resolves(app: transom.App, page) -> None:
    _, webview, _ = page
    assert webview.invoke("add", 2, 3, timeout=WAIT) == 5
    assert webview.invoke("echo", "a", [1, {"b": None}], timeout=WAIT) == ["a", [1, {"b": None}]]
    assert webview.invoke("echo") == []


def test_invoke_page_throws(app: transom.App, page) -> None:
    _, webview, _ = page
    with pytest.raises(transom.InvokeError) as caught:
        webview.invoke("fail", "it broke", timeout=WAIT)
    assert caught.value.message == "it broke"
    assert caught.value.code is None
    assert caught.value.name == "fail"


def test_invoke_unknown_page_handler(app: transom.App, page) -> None:
    _, webview, _ = page
    with pytest.raises(transom.InvokeError, match="no handler named nothing-here"):
        webview.invoke("nothing-here", timeout=WAIT)


def test_invoke_timeout(app: transom.App, page) -> None:
    _, webview, _ = page
    started = time.monotonic()
    with pytest.raises(transom.InvokeTimeoutError) as caught:
        webview.invoke("never", timeout=0.3)
    elapsed = time.monotonic() - started
    assert 0.25 <= elapsed < 5
    assert caught.value.code == "TRANSOM_ERROR_TIMEOUT"
    assert isinstance(caught.value, transom.InvokeError)
    assert isinstance(caught.value, TimeoutError)
    # The page answers in time when it is quick enough.
    assert webview.invoke("later", 50, "ok", timeout=WAIT) == "ok"


def test_invoke_from_many_threads(app: transom.App, page) -> None:
    _, webview, _ = page
    results = {}

    def worker(i: int) -> None:
        results[i] = webview.invoke("add", i, 1000, timeout=WAIT)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert results == {i: i + 1000 for i in range(20)}


def test_invoke_async(app: transom.App, page) -> None:
    _, webview, _ = page

    async def main():
        value = await webview.invoke_async("add", 20, 22, timeout=WAIT)
        with pytest.raises(transom.InvokeError, match="async failure"):
            await webview.invoke_async("fail", "async failure", timeout=WAIT)
        with pytest.raises(transom.InvokeTimeoutError):
            await webview.invoke_async("never", timeout=0.2)
        many = await asyncio.gather(*(webview.invoke_async("add", i, i, timeout=WAIT) for i in range(10)))
        return value, many

    value, many = asyncio.run(asyncio.wait_for(main(), WAIT * 2))
    assert value == 42
    assert many == [2 * i for i in range(10)]


def test_closing_the_window_ends_pending_calls(app: transom.App, page) -> None:
    window, webview, _ = page
    errors = []

    def call() -> None:
        try:
            webview.invoke("never", timeout=WAIT)
        except transom.InvokeError as error:
            errors.append(error)

    thread = threading.Thread(target=call)
    thread.start()
    _wait_pending(app)
    window.close()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert errors[0].code == "TRANSOM_ERROR_NOT_FOUND"


def _wait_pending(app: transom.App, count: int = 1) -> None:
    deadline = time.monotonic() + WAIT
    while len(app._dispatcher._pending) < count:
        assert time.monotonic() < deadline, "the call never became pending"
        time.sleep(0.01)


# ---- page -> program --------------------------------------------------------------------------


def test_page_calls_sync_handler(app: transom.App, page) -> None:
    _, webview, stream = page
    threads = []

    @webview.handle("multiply")
    def multiply(a, b):
        threads.append(threading.current_thread().name)
        return {"product": a * b}

    assert page_calls(webview, stream, "multiply", 6, 7) == {"ok": True, "value": {"product": 42}}
    assert threads == ["transom-callbacks"]


def test_page_calls_async_handler(app: transom.App, page) -> None:
    _, webview, stream = page

    @webview.handle("slow_upper")
    async def slow_upper(text):
        await asyncio.sleep(0.05)
        return text.upper()

    assert page_calls(webview, stream, "slow_upper", "abc") == {"ok": True, "value": "ABC"}


def test_page_call_exception_becomes_rejection(app: transom.App, page) -> None:
    _, webview, stream = page

    @webview.handle("explode")
    def explode():
        raise ValueError("bad value from Python")

    @webview.handle("explode_async")
    async def explode_async():
        raise KeyError("missing")

    @webview.handle("not_json")
    def not_json():
        return {1, 2}

    assert page_calls(webview, stream, "explode") == {"ok": False, "error": "bad value from Python"}
    assert page_calls(webview, stream, "explode_async") == {"ok": False, "error": "'missing'"}
    outcome = page_calls(webview, stream, "not_json")
    assert outcome["ok"] is False and outcome["error"].startswith("handler result is not JSON")


def test_page_calls_unknown_handler(app: transom.App, page) -> None:
    _, webview, stream = page
    assert page_calls(webview, stream, "no_such_thing", 1) == {"ok": False, "error": "no handler named no_such_thing"}


def test_app_wide_handler_and_removal(app: transom.App, page) -> None:
    _, webview, stream = page
    app.handle("where", lambda: "app")
    assert page_calls(webview, stream, "where") == {"ok": True, "value": "app"}
    webview.handle("where", lambda: "webview")
    assert page_calls(webview, stream, "where") == {"ok": True, "value": "webview"}
    webview.remove_handler("where")
    app.remove_handler("where")
    assert page_calls(webview, stream, "where") == {"ok": False, "error": "no handler named where"}


def test_handler_may_invoke_the_page(app: transom.App, page) -> None:
    """A handler (on the callback thread) can make a synchronous call back into the page."""
    _, webview, stream = page

    @webview.handle("round_trip")
    def round_trip(x):
        return webview.invoke("add", x, 1, timeout=WAIT)

    assert page_calls(webview, stream, "round_trip", 41) == {"ok": True, "value": 42}


def test_invoke_right_after_create_webview(app: transom.App) -> None:
    """A call made before the page has started loading reaches the page once it is ready."""
    window = app.create_window("early call", width=300, height=200)
    webview = window.create_webview(html="<script>host.handle('sum', (a, b) => a + b)</script>")
    assert webview.invoke("sum", 2, 3, timeout=WAIT) == 5
    other = app.create_window("early async call", width=300, height=200).create_webview(
        html="<script>host.handle('sum', (a, b) => a + b)</script>")
    assert asyncio.run(asyncio.wait_for(other.invoke_async("sum", 4, 5, timeout=WAIT), WAIT)) == 9
