"""Host mode supervision: a host killed while calls are pending makes them raise at once; the
package restarts it after 1 s, 2 s, 4 s and reports host-crashed / host-restarted; a fourth crash
in a row ends the app. Windows are not recreated."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest

import transom
from conftest import MODEL_PAGE, WAIT, open_page


def _kill(app: transom.App) -> float:
    pid = app.host_pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    return time.monotonic()


def test_crash_fails_pending_calls_and_restarts() -> None:
    app = transom.App(mode="host")
    try:
        window, webview, stream = open_page(app)
        outcomes: list = []

        def blocking_call() -> None:
            try:
                webview.invoke("never", timeout=60)
            except transom.TransomError as error:
                outcomes.append((error, time.monotonic()))

        async def async_call() -> None:
            try:
                await webview.invoke_async("never")
            except transom.TransomError as error:
                outcomes.append((error, time.monotonic()))

        threads = [threading.Thread(target=blocking_call) for _ in range(2)]
        threads.append(threading.Thread(target=lambda: asyncio.run(async_call())))
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + WAIT
        while len(app._dispatcher._pending) < 3:
            assert time.monotonic() < deadline, "calls never became pending"
            time.sleep(0.01)

        killed_at = _kill(app)
        for thread in threads:
            thread.join(WAIT)
        assert len(outcomes) == 3
        for error, when in outcomes:
            assert isinstance(error, transom.InvokeError)
            assert error.code == "HOST_CRASHED"
            assert when - killed_at < 1.0, f"a pending call raised {when - killed_at:.2f} s after the kill"

        crashed = stream.wait_for("host-crashed", timeout=WAIT)
        assert crashed["restart_in"] == 1.0 and crashed["attempt"] == 1
        assert crashed["signal"] == signal.SIGKILL
        assert crashed["windows"] == [window.id]
        assert window.closed and webview.closed
        # While the host is down, commands fail at once.
        with pytest.raises(transom.HostCrashedError):
            app.create_window("during restart")
        with pytest.raises((transom.NotFoundError, transom.HostCrashedError)):
            webview.send("ping", 1)

        restarted = stream.wait_for("host-restarted", timeout=WAIT)
        delay = time.monotonic() - killed_at
        assert 0.9 <= delay < 5, delay
        assert restarted["attempt"] == 1
        assert app.host_pid is not None and app.host_pid == restarted["pid"]

        # The old objects are gone for good; new windows work.
        with pytest.raises(transom.NotFoundError):
            webview.send("ping", 1)
        with pytest.raises(transom.NotFoundError):
            window.set(title="old")
        assert app.windows == []
        _, new_webview, new_stream = open_page(app)
        assert new_webview.invoke("add", 1, 1, timeout=WAIT) == 2
    finally:
        app.close()


def test_crash_closes_channels_and_forgets_the_state() -> None:
    app = transom.App(mode="host")
    try:
        _, webview, stream = open_page(app, MODEL_PAGE)
        app.state["theme"] = "dark"
        held = webview.channel("hold")
        for _ in range(4):
            held.send(b"x" * (1 << 20), timeout=WAIT)
        echo = webview.channel("echo")
        outcomes: list = []

        def blocked_send() -> None:
            try:
                held.send(b"x" * (1 << 20))
            except transom.TransomError as error:
                outcomes.append(error)

        reader_results: list = []
        reader = threading.Thread(target=lambda: reader_results.append(list(echo)))
        sender = threading.Thread(target=blocked_send)
        reader.start()
        sender.start()
        time.sleep(0.2)
        assert sender.is_alive() and reader.is_alive()
        killed_at = _kill(app)
        sender.join(WAIT)
        reader.join(WAIT)
        assert time.monotonic() - killed_at < 2
        assert isinstance(outcomes[0], transom.ChannelClosedError)
        assert outcomes[0].reason == "transom-host crashed"
        assert reader_results == [[]] and echo.close_reason == "transom-host crashed"
        assert list(app.state) == []
        stream.wait_for("host-restarted", timeout=WAIT)
        with pytest.raises(KeyError):
            app.state["theme"]  # the new host starts with an empty state
        _, new_webview, _ = open_page(app, MODEL_PAGE)
        channel = new_webview.channel("echo")
        channel.send("again")
        assert channel.recv(timeout=WAIT) == "again"
    finally:
        app.close()


def test_restart_back_off_then_give_up() -> None:
    app = transom.App(mode="host")
    crashes = []
    restarts = []
    app.on_event("host-crashed", lambda e: crashes.append((e["restart_in"], e["attempt"])))
    try:
        stream = app.events("host-crashed", "host-restarted")
        delays = []
        for expected in (1.0, 2.0, 4.0):
            killed_at = _kill(app)
            crashed = stream.wait_for("host-crashed", timeout=WAIT)
            assert crashed["restart_in"] == expected
            stream.wait_for("host-restarted", timeout=WAIT)
            delays.append(time.monotonic() - killed_at)
            restarts.append(app.host_pid)
        for measured, expected in zip(delays, (1.0, 2.0, 4.0)):
            assert expected - 0.1 <= measured < expected + 3, delays
        # A fourth crash in a row: no more restarts, the app ends.
        _kill(app)
        final = stream.wait_for("host-crashed", timeout=WAIT)
        assert final["restart_in"] is None and final["attempt"] == 4
        with pytest.raises(transom.ClosedError):
            stream.get(WAIT)
        assert app.closed
        with pytest.raises(transom.ClosedError):
            app.create_window("no more")
        assert app.run(timeout=1) is True
        assert len(set(restarts)) == 3
        assert [c[1] for c in crashes[:4]] == [1, 2, 3, 4] or len(crashes) < 4  # callbacks may lag
    finally:
        app.close()


def test_run_returns_after_a_restart_without_windows() -> None:
    app = transom.App(mode="host")
    try:
        app.create_window("lost", width=200, height=100)
        threading.Timer(0.3, _kill, args=(app,)).start()
        started = time.monotonic()
        assert app.run(timeout=WAIT) is True
        assert 1.0 < time.monotonic() - started < WAIT
        assert not app.closed
    finally:
        app.close()


def test_run_continues_when_a_restart_callback_reopens() -> None:
    app = transom.App(mode="host")
    try:
        app.create_window("first", width=200, height=100)
        reopened = []

        @app.on_event("host-restarted")
        def reopen(event):
            reopened.append(app.create_window("again", width=200, height=100))

        outcome = {}

        def run() -> None:
            outcome["result"] = app.run(timeout=WAIT * 2)
            outcome["at"] = time.monotonic()

        runner = threading.Thread(target=run)
        runner.start()
        _kill(app)
        deadline = time.monotonic() + WAIT
        while not reopened:
            assert time.monotonic() < deadline, "no host-restarted callback"
            time.sleep(0.05)
        time.sleep(0.3)
        # run() did not return at the restart: the callback opened a window.
        assert runner.is_alive()
        closed_at = time.monotonic()
        reopened[0].close()
        runner.join(WAIT)
        assert outcome["result"] is True and outcome["at"] >= closed_at
    finally:
        app.close()


def test_missing_host_binary(monkeypatch) -> None:
    monkeypatch.setenv("TRANSOM_HOST", "/nonexistent/transom-host")
    with pytest.raises(transom.LibraryNotFoundError):
        transom.App(mode="host")
    with pytest.raises(transom.LibraryNotFoundError):
        transom.App(mode="host", host_path="/nonexistent/transom-host")


def test_host_without_display(monkeypatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    started = time.monotonic()
    with pytest.raises(transom.PlatformError):
        transom.App(mode="host")
    assert time.monotonic() - started < WAIT
