"""The call lifecycle in both modes: Call handles and cancel (transom_invoke_cancel / invoke.cancel),
cancelled awaits, timeouts, and pages that give up on a call (invoke-cancelled) while a Python
handler runs."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

import transom
from conftest import WAIT, message, wait_until


def _results(stream: transom.EventStream, call: int) -> list:
    """The invoke-result events of ``call`` among the stream's events until 0.2 s pass quietly."""
    return [e for e in _drain(stream) if e.type == "invoke-result" and e["call"] == call]


def _drain(stream: transom.EventStream) -> list:
    """The stream's events until none comes for 0.2 s."""
    events = []
    while True:
        try:
            events.append(stream.get(0.2))
        except transom.TimeoutError:
            return events


# ---- the program's calls -------------------------------------------------------------------------


def test_call_handle_result_and_await(app: transom.App, model) -> None:
    _, webview, _ = model
    call = webview.call("slow", 10, "value")
    assert isinstance(call, transom.Call) and call.name == "slow" and call.webview is webview
    assert call.result(timeout=WAIT) == "value" and call.done()
    assert call.cancel() is False  # ended already

    async def main() -> object:
        return await webview.call("slow", 10, {"async": True})

    assert asyncio.run(asyncio.wait_for(main(), WAIT)) == {"async": True}
    pending = webview.call("never")
    with pytest.raises(transom.TimeoutError):
        pending.result(timeout=0.2)  # the wait ran out, not the call
    assert not pending.done()
    pending.cancel()


def test_cancel_ends_the_call_at_once(app: transom.App, model) -> None:
    _, webview, stream = model
    call = webview.call("never")
    started = time.monotonic()
    assert call.cancel() is True
    with pytest.raises(transom.InvokeCancelledError) as caught:
        call.result(timeout=WAIT)
    assert time.monotonic() - started < 2
    error = caught.value
    assert error.code == "TRANSOM_ERROR_CANCELLED" and error.number == 13
    assert isinstance(error, transom.InvokeError) and isinstance(error, transom.CancelledError)
    assert error.name == "never" and error.call == call.id
    assert call.cancel() is False
    results = _results(stream, call.id)
    assert len(results) == 1 and results[0]["code"] == "TRANSOM_ERROR_CANCELLED"


def test_a_cancelled_call_drops_the_page_answer(app: transom.App, model) -> None:
    _, webview, stream = model
    call = webview.call("slow", 300, "late")
    time.sleep(0.05)
    assert call.cancel() is True
    with pytest.raises(transom.InvokeCancelledError):
        call.result(timeout=WAIT)
    # The page's handler ran to its end; its answer went nowhere: still one result for the call.
    wait_until(lambda: webview.invoke("finished", timeout=WAIT) >= 1, what="the page's handler to finish")
    assert len(_results(stream, call.id)) == 1


def test_another_thread_cancels_a_waiting_call(app: transom.App, model) -> None:
    _, webview, _ = model
    call = webview.call("never")
    outcome = []

    def waiting() -> None:
        try:
            call.result()
        except transom.InvokeError as error:
            outcome.append(error)

    thread = threading.Thread(target=waiting)
    thread.start()
    time.sleep(0.1)
    assert thread.is_alive()
    assert call.cancel() is True
    thread.join(WAIT)
    assert isinstance(outcome[0], transom.InvokeCancelledError)


def test_a_cancelled_await_cancels_the_call(app: transom.App, model) -> None:
    _, webview, stream = model

    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(webview.invoke_async("never"), 0.3)
        task = asyncio.ensure_future(webview.invoke_async("never"))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(asyncio.wait_for(main(), WAIT))
    results = [e for e in _drain(stream) if e.type == "invoke-result"]
    assert [e["code"] for e in results] == ["TRANSOM_ERROR_CANCELLED"] * 2
    assert app._dispatcher._pending == {}


def test_invoke_timeout_still_ends_the_call_in_the_core(app: transom.App, model) -> None:
    _, webview, stream = model
    with pytest.raises(transom.InvokeTimeoutError) as caught:
        webview.invoke("never", timeout=0.2)
    results = _results(stream, caught.value.call)
    assert len(results) == 1 and results[0]["code"] == "TRANSOM_ERROR_TIMEOUT"


# ---- the page gives up ---------------------------------------------------------------------------


def test_a_sync_handler_sees_the_page_give_up(app: transom.App, model) -> None:
    _, webview, stream = model
    seen = {}

    @webview.handle("slow_sync")
    def slow_sync(n):
        call = transom.current_call()
        assert call is not None
        seen["call"] = (call.name, call.args, call.webview)
        seen["cancelled"] = call.wait_cancelled(WAIT)  # a real handler would poll call.cancelled
        seen["reason"] = call.cancel_reason
        return n  # dropped: the page gave up

    assert transom.current_call() is None
    cancels = app.events("invoke-cancelled")
    webview.send("call-with-timeout", {"name": "slow_sync", "args": [7], "timeout": 200})
    outcome = message(stream, "gave-up")
    assert outcome == {"ok": False, "error": "invoke slow_sync timed out after 200 ms"}
    event = cancels.get(WAIT)
    assert event.webview is webview and event["reason"] == "the page's timeout ran out"
    wait_until(lambda: "reason" in seen, what="the handler to end")
    assert seen == {"call": ("slow_sync", [7], webview), "cancelled": True, "reason": "the page's timeout ran out"}


def test_an_async_handler_is_cancelled_when_the_page_gives_up(app: transom.App, model) -> None:
    _, webview, stream = model
    seen = []

    @webview.handle("slow_async")
    async def slow_async():
        seen.append(transom.current_call().name)  # type: ignore[union-attr]
        try:
            await asyncio.sleep(WAIT)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        seen.append("finished")

    webview.send("call-with-timeout", {"name": "slow_async", "args": [], "timeout": 200})
    assert message(stream, "gave-up")["ok"] is False
    wait_until(lambda: "cancelled" in seen, what="the handler's cancellation")
    assert seen == ["slow_async", "cancelled"]


def test_a_queued_handler_is_not_run_after_the_page_gave_up(app: transom.App, model) -> None:
    _, webview, stream = model
    ran = []
    busy = threading.Event()

    @webview.on("pong")
    def block_the_callbacks(_):
        busy.set()
        time.sleep(1.5)  # the callback thread is busy: the page's call waits behind this

    webview.handle("queued", lambda: ran.append("queued") or "value")
    webview.send("ping", None)
    assert busy.wait(WAIT)
    cancels = app.events("invoke-cancelled")
    webview.send("call-with-timeout", {"name": "queued", "args": [], "timeout": 150})
    assert message(stream, "gave-up")["ok"] is False
    cancels.get(WAIT)
    done = threading.Event()
    webview.once("pong", lambda _: done.set())
    webview.send("ping", None)
    assert done.wait(WAIT)  # every callback before this one has run
    assert ran == []


def test_a_handler_that_answers_in_time(app: transom.App, model) -> None:
    _, webview, stream = model
    webview.handle("quick", lambda x: transom.current_call().args + [x])  # type: ignore[union-attr]
    webview.send("call-with-timeout", {"name": "quick", "args": [1], "timeout": 5000})
    assert message(stream, "gave-up") == {"ok": True, "value": [1, 1]}
