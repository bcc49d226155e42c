"""Fault injection (docs/reliability.md): transom-host killed with SIGKILL while 100 calls are in
flight, 50 blocking calls on threads and 50 awaited ones; every one of them raises
HOST_CRASHED within 1 s of the kill, and the package restarts the host after its first back-off
(1 s)."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import transom
from conftest import WAIT, open_page

CALLS = 100


def test_kill_with_100_calls_in_flight() -> None:
    app = transom.App(mode="host")
    try:
        _, webview, stream = open_page(app)
        outcomes: list = []
        lock = threading.Lock()

        def record(error: BaseException) -> None:
            with lock:
                outcomes.append((error, time.monotonic()))

        def blocking_call() -> None:
            try:
                webview.invoke("never", timeout=60)
            except transom.TransomError as error:
                record(error)

        async def awaited_calls() -> None:
            async def one() -> None:
                try:
                    await webview.invoke_async("never")
                except transom.TransomError as error:
                    record(error)

            await asyncio.gather(*(one() for _ in range(CALLS // 2)))

        threads = [threading.Thread(target=blocking_call) for _ in range(CALLS // 2)]
        threads.append(threading.Thread(target=lambda: asyncio.run(awaited_calls())))
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + WAIT
        while len(app._dispatcher._pending) < CALLS:
            assert time.monotonic() < deadline, f"only {len(app._dispatcher._pending)} calls became pending"
            time.sleep(0.01)

        pid = app.host_pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        for thread in threads:
            thread.join(WAIT)
        assert len(outcomes) == CALLS
        latest = max(when for _, when in outcomes) - killed_at
        for error, _ in outcomes:
            assert isinstance(error, transom.InvokeError)
            assert error.code == "HOST_CRASHED"
        assert latest < 1.0, f"the last of {CALLS} calls raised {latest:.2f} s after the kill"

        crashed = stream.wait_for("host-crashed", timeout=WAIT)
        assert crashed["attempt"] == 1 and crashed["restart_in"] == 1.0
        stream.wait_for("host-restarted", timeout=WAIT)
        assert 0.9 <= time.monotonic() - killed_at < 5
        _, new_webview, _ = open_page(app)
        assert new_webview.invoke("add", 2, 3, timeout=WAIT) == 5
        print(f"host killed with {CALLS} calls in flight: all raised within {latest * 1000:.0f} ms")
    finally:
        app.close()
