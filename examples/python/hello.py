#!/usr/bin/env python3
"""hello.py: the transom demo in Python.

Opens a window "transom hello" whose page (inline HTML below) has a button that calls the Python
function ``system_info`` with ``host.invoke``; Python answers with what ``platform`` says and the
transom version. Every second Python also pushes a counter and the time to the page on channel
``tick`` (``host.on('tick', ...)`` in the page).

It runs until the window is closed. With ``TRANSOM_DEMO_SECONDS=n`` it stops by itself after n
seconds; if ``TRANSOM_DEMO_SCREENSHOT=path`` is set too, it first clicks the page's button (by
running a script in the page), waits until the answer is on screen and saves a screenshot of the
whole display with ImageMagick (``import -window root path``).

Run (after ``pip install ./bindings/python``)::

    python3 examples/python/hello.py                 # in-process (the default on Linux)
    python3 examples/python/hello.py --mode host     # through transom-host
    TRANSOM_DEMO_SECONDS=5 xvfb-run -a python3 examples/python/hello.py   # headless, 5 s
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import threading
import time

import transom

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>transom hello</title>
<style>
  :root { color-scheme: light; font-family: system-ui, 'DejaVu Sans', sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center;
         background: linear-gradient(135deg, #1e3a8a, #0f766e); color: #0f172a; }
  main { background: #ffffff; border-radius: 16px; padding: 28px 32px; width: 560px;
         box-shadow: 0 20px 50px rgba(0, 0, 0, 0.35); }
  h1 { margin: 0 0 4px; font-size: 28px; }
  p.sub { margin: 0 0 20px; color: #475569; }
  button { font: inherit; font-weight: 600; color: #ffffff; background: #2563eb; border: 0;
           border-radius: 10px; padding: 10px 18px; cursor: pointer; }
  button:hover { background: #1d4ed8; }
  table { margin-top: 16px; border-collapse: collapse; width: 100%; }
  td { padding: 6px 8px; border-bottom: 1px solid #e2e8f0; }
  td:first-child { color: #64748b; width: 40%; }
  td:last-child { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; }
  .tick { margin-top: 22px; padding: 12px 16px; border-radius: 10px; background: #f1f5f9;
          display: flex; justify-content: space-between; font-variant-numeric: tabular-nums; }
  .muted { color: #94a3b8; }
</style></head>
<body><main>
  <h1>transom hello</h1>
  <p class="sub">A native window, a system webview and a Python program talking to each other.</p>
  <button id="info-button">Show system info</button>
  <table id="info"><tr><td class="muted" colspan="2">Press the button to ask Python.</td></tr></table>
  <div class="tick"><span>Tick <b id="count">&ndash;</b></span><span>Python time <b id="time">&ndash;</b></span></div>
</main>
<script>
  const $ = (id) => document.getElementById(id);
  function row(name, value) {
    const tr = document.createElement('tr');
    for (const text of [name, value]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    }
    return tr;
  }
  // Calls the Python function system_info and shows its answer.
  $('info-button').addEventListener('click', async () => {
    const table = $('info');
    try {
      const info = await host.invoke('system_info');
      table.replaceChildren(...Object.entries(info).map(([name, value]) => row(name, value)));
    } catch (error) {
      table.replaceChildren(row('Error', error.message));
    }
    // Tell Python the answer is on the page (the demo waits for this before its screenshot).
    requestAnimationFrame(() => host.send('info-shown', true));
  });
  // Python pushes {count, time} every second.
  host.on('tick', (tick) => {
    $('count').textContent = tick.count;
    $('time').textContent = tick.time;
  });
</script></body></html>
"""


def main() -> int:
    parser = argparse.ArgumentParser(description="The transom demo: a window that talks to Python.")
    parser.add_argument("--mode", choices=transom.MODES, default="auto", help="backend (default: auto)")
    options = parser.parse_args()

    seconds_text = os.environ.get("TRANSOM_DEMO_SECONDS")
    shot = os.environ.get("TRANSOM_DEMO_SCREENSHOT")
    seconds = None
    if seconds_text is not None:
        try:
            seconds = float(seconds_text)
        except ValueError:
            seconds = -1.0
        if not seconds > 0:
            print(f"hello: TRANSOM_DEMO_SECONDS must be a positive number, got {seconds_text!r}", file=sys.stderr)
            return 2

    try:
        app = transom.App(mode=options.mode)
    except transom.TransomError as error:
        print(f"hello: cannot start transom (is there a display?): {error}", file=sys.stderr)
        return 1

    with app:
        window = app.create_window("transom hello", width=720, height=520)
        webview = window.create_webview(html=PAGE)
        print(f"hello: transom {app.version} ({app.mode}), window {window.id}, webview {webview.id}")

        # Runs on the transom-callbacks thread when the page calls host.invoke('system_info').
        @webview.handle("system_info")
        def system_info() -> dict:
            uname = platform.uname()
            info = {
                "System": uname.system,
                "Release": uname.release,
                "Machine": uname.machine,
                "Python": platform.python_version(),
                "transom": f"{app.version} ({app.mode})",
            }
            print(f"hello: answered system_info: {info}")
            return info

        info_shown = threading.Event()
        webview.on("info-shown", lambda _: info_shown.set())

        # Push a tick every second from a thread of our own: every transom call may be made from
        # any thread, and the main thread stays free for app.run().
        stop = threading.Event()
        ticks = 0

        def ticker() -> None:
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                try:
                    webview.send("tick", {"count": ticks, "time": time.strftime("%H:%M:%S")})
                except (transom.NotFoundError, transom.ClosedError):
                    return  # the window or the app is gone
                stop.wait(1.0)

        threading.Thread(target=ticker, name="ticker", daemon=True).start()

        status = 0
        if seconds is None:
            app.run()  # until the window is closed
        else:
            window_closed = app.run(timeout=seconds)
            if not window_closed and shot:
                status = screenshot(webview, info_shown, shot)
        stop.set()
        print(f"hello: {'window closed' if window.closed else 'time is up'} after {ticks} ticks")
    return status


def screenshot(webview: transom.Webview, info_shown: threading.Event, path: str) -> int:
    """Clicks the button in the page, waits (at most 10 s) until the answer is shown, lets it
    paint, then takes a picture of the whole display."""
    webview.eval("document.getElementById('info-button').click();")
    if not info_shown.wait(10):
        print("hello: the page did not show the system info in time", file=sys.stderr)
        return 1
    time.sleep(0.5)
    result = subprocess.run(["import", "-window", "root", path])
    if result.returncode != 0:
        print(f"hello: `import -window root {path}` failed; is ImageMagick installed?", file=sys.stderr)
        return 1
    print(f"hello: screenshot saved to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
