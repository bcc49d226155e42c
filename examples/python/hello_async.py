#!/usr/bin/env python3
"""hello_async.py: the transom demo with asyncio.

The App is made inside the running loop, so it is bound to it: every callback below runs on the
loop's thread, in process events are read with ``loop.add_reader`` (no thread), and nothing here
blocks the loop. The page (inline HTML below):

- asks Python for system information with ``host.invoke('system_info')``: an ``async def``
  handler answers;
- shows a clock that Python streams on a channel it opened (``webview.channel("clock")``), with
  ``await channel.send_async(...)`` (which waits, without blocking the loop, if the page is behind);
- writes a log to Python on a channel of its own (``host.channel('log')``), which Python reads with
  ``async for line in channel``;
- toggles the shared state key ``theme`` (``host.state.theme = …``): Python sees it with
  ``app.watch_state("theme")`` and the page restyles itself with ``host.watchState``.

Python also calls the page (``await webview.invoke_async("greet", …)``) once it is loaded.

It runs until the window is closed. With ``TRANSOM_DEMO_SECONDS=n`` it stops after n seconds; it
then first clicks both buttons itself (with a script), so a headless run goes through everything.

Run (after ``pip install ./bindings/python``)::

    python3 examples/python/hello_async.py                 # in-process (the default on Linux)
    python3 examples/python/hello_async.py --mode host     # through transom-host
    TRANSOM_DEMO_SECONDS=5 xvfb-run -a python3 examples/python/hello_async.py   # headless, 5 s
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time

import transom

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>transom hello (asyncio)</title>
<style>
  :root { font-family: system-ui, 'DejaVu Sans', sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; transition: background .2s; }
  body.light { background: #e2e8f0; color: #0f172a; }
  body.dark { background: #0f172a; color: #e2e8f0; }
  main { border-radius: 16px; padding: 28px 32px; width: 520px; box-shadow: 0 20px 50px rgba(0,0,0,.3); }
  .light main { background: #ffffff; } .dark main { background: #1e293b; }
  button { font: inherit; font-weight: 600; color: #fff; background: #2563eb; border: 0;
           border-radius: 10px; padding: 10px 16px; margin-right: 8px; cursor: pointer; }
  pre { min-height: 4em; white-space: pre-wrap; }
  .clock { font-size: 36px; font-variant-numeric: tabular-nums; margin: 12px 0; }
</style></head>
<body class="light"><main>
  <h1>transom hello, asyncio</h1>
  <div class="clock" id="clock">--:--:--</div>
  <button id="info">Show system info</button><button id="theme">Toggle theme</button>
  <pre id="out">Press a button.</pre>
</main>
<script>
  const $ = (id) => document.getElementById(id);
  const log = host.channel('log');                        // our channel to Python
  log.send('page loaded: ' + navigator.userAgent.split(' ').slice(-1)[0]);

  host.onChannel('clock', (channel) => {                  // Python's channel to us
    channel.on('message', (tick) => { $('clock').textContent = tick.time; });
  });
  host.handle('greet', (name) => 'hello ' + name + ', this is the page');

  $('info').addEventListener('click', async () => {
    const info = await host.invoke('system_info');
    $('out').textContent = Object.entries(info).map(([k, v]) => k + ': ' + v).join('\\n');
    log.send('showed system info');
  });
  $('theme').addEventListener('click', () => {
    host.state.theme = host.state.theme === 'dark' ? 'light' : 'dark';   // every side sees it
    log.send('theme is now ' + host.state.theme);
  });
  const applyTheme = (theme) => { document.body.className = theme || 'light'; };
  applyTheme(host.state.theme);                           // the state is there before our scripts
  host.watchState('theme', applyTheme);
</script></body></html>
"""


async def main(mode: str, seconds: float | None) -> int:
    async with transom.App(mode=mode) as app:
        window = app.create_window("transom hello (asyncio)", width=640, height=480)
        webview = window.create_webview(html=PAGE)
        print(f"hello_async: transom {app.version} ({app.mode}), window {window.id}, webview {webview.id}")

        @webview.handle("system_info")
        async def system_info() -> dict:
            await asyncio.sleep(0.05)  # stands for real asynchronous work
            uname = platform.uname()
            return {"System": uname.system, "Machine": uname.machine,
                    "Python": platform.python_version(), "transom": f"{app.version} ({app.mode})"}

        @app.watch_state("theme")
        def theme_changed(value: object, old: object) -> None:
            print(f"hello_async: theme {old} -> {value}")

        app.state["theme"] = "light"  # the page starts from it (and the watcher sees it)

        @webview.on_channel("log")
        async def page_log(channel: transom.Channel) -> None:
            async for line in channel:  # ends when the channel closes (with the page)
                print(f"hello_async: page says: {line}")

        async def clock() -> None:
            channel = webview.channel("clock")
            try:
                while True:
                    await channel.send_async({"time": time.strftime("%H:%M:%S")})
                    await asyncio.sleep(1)
            except (transom.ChannelClosedError, transom.ClosedError):
                pass  # the window or the app is gone

        clock_task = asyncio.ensure_future(clock())
        # A call right after create_webview waits in the core until the page has loaded.
        print(f"hello_async: the page answered: {await webview.invoke_async('greet', 'Python', timeout=10)!r}")

        if seconds is None:
            await app.run_async()  # until the window is closed
        else:
            webview.eval("document.getElementById('info').click(); document.getElementById('theme').click();")
            try:
                await asyncio.wait_for(app.run_async(), seconds)
            except asyncio.TimeoutError:
                pass
        clock_task.cancel()
        print(f"hello_async: {'window closed' if window.closed else 'time is up'}; theme is {app.state['theme']!r}")
    return 0


def run() -> int:
    parser = argparse.ArgumentParser(description="The transom demo with asyncio.")
    parser.add_argument("--mode", choices=transom.MODES, default="auto", help="backend (default: auto)")
    options = parser.parse_args()
    seconds_text = os.environ.get("TRANSOM_DEMO_SECONDS")
    seconds = None
    if seconds_text is not None:
        try:
            seconds = float(seconds_text)
        except ValueError:
            seconds = -1.0
        if not seconds > 0:
            print(f"hello_async: TRANSOM_DEMO_SECONDS must be a positive number, got {seconds_text!r}",
                  file=sys.stderr)
            return 2
    try:
        return asyncio.run(main(options.mode, seconds))
    except transom.PlatformError as error:
        print(f"hello_async: cannot start transom (is there a display?): {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(run())
