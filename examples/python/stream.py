#!/usr/bin/env python3
"""stream.py: a live chart fed by Python through a transom channel.

Python plays a three-axis sensor sampled 1000 times a second. A producer thread packs the samples
as little-endian float32 and sends them on a channel it opened to the page
(``webview.channel("samples")``, taken in the page with ``host.onChannel``): about 50 binary
messages a second, each a batch of samples, which the page draws as a scrolling chart. The
channel is ordered and has backpressure: if the page falls behind (4 MiB in flight),
``channel.send`` waits until it has caught up, so the producer can never flood it.

The other way, the page opens a channel of its own (``host.channel("controls")``) and sends the
slider's value on it; Python takes it with ``@webview.on_channel("controls")`` and changes the
signal's frequency.

It runs until the window is closed. With ``TRANSOM_DEMO_SECONDS=n`` it stops by itself after n
seconds and prints what went through; with ``TRANSOM_DEMO_SCREENSHOT=path`` too, it first moves
the slider (by running a script in the page), then saves a screenshot of the whole display with
ImageMagick (``import -window root path``).

Run (after ``pip install ./bindings/python``)::

    python3 examples/python/stream.py                 # in-process (the default on Linux)
    python3 examples/python/stream.py --mode host     # through transom-host
    TRANSOM_DEMO_SECONDS=5 xvfb-run -a python3 examples/python/stream.py   # headless, 5 s
"""

from __future__ import annotations

import argparse
import math
import os
import random
import struct
import subprocess
import sys
import threading
import time

import transom

#: Samples per second and per axis, and how often a batch goes out.
RATE = 1000
BATCH_SECONDS = 0.02
AXES = 3

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>transom stream</title>
<style>
  :root { color-scheme: dark; font-family: system-ui, 'DejaVu Sans', sans-serif; }
  body { margin: 0; background: #0b1220; color: #e2e8f0; display: grid; place-items: center; min-height: 100vh; }
  main { width: 760px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  p { margin: 0 0 14px; color: #94a3b8; }
  canvas { width: 760px; height: 320px; background: #111a2e; border-radius: 12px; display: block; }
  .row { display: flex; gap: 24px; align-items: center; margin-top: 14px; font-variant-numeric: tabular-nums; }
  .row b { color: #f8fafc; }
  input[type=range] { width: 220px; }
  .x { color: #38bdf8; } .y { color: #f472b6; } .z { color: #a3e635; }
</style></head>
<body><main>
  <h1>transom stream</h1>
  <p>Python streams <span class="x">x</span>, <span class="y">y</span> and <span class="z">z</span>
     at 1000 samples/s through a channel, as float32 bytes.</p>
  <canvas id="chart" width="1520" height="640"></canvas>
  <div class="row">
    <label>frequency <input id="freq" type="range" min="0.2" max="5" step="0.1" value="1"> <b id="freq-value">1.0</b> Hz</label>
    <span>messages <b id="messages">0</b></span>
    <span>samples <b id="samples">0</b></span>
  </div>
</main>
<script>
  const AXES = 3, KEEP = 4000;                 // samples shown: the last 4 s
  const colors = ['#38bdf8', '#f472b6', '#a3e635'];
  const history = Array.from({ length: AXES }, () => new Float32Array(KEEP));
  let head = 0, messages = 0, samples = 0, dirty = false;

  // The channel Python opens: each message is a batch of [x, y, z] float32 samples.
  host.onChannel('samples', (channel) => {
    channel.on('message', (bytes) => {
      const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      for (let i = 0; i + AXES <= values.length; i += AXES) {
        for (let a = 0; a < AXES; a++) history[a][head] = values[i + a];
        head = (head + 1) % KEEP;
      }
      messages++;
      samples += values.length / AXES;
      dirty = true;
    });
  });
  host.handle('stats', () => ({ messages, samples }));

  // Our own channel to Python: the slider's value.
  const controls = host.channel('controls');
  const slider = document.getElementById('freq');
  slider.addEventListener('input', () => {
    document.getElementById('freq-value').textContent = Number(slider.value).toFixed(1);
    controls.send({ frequency: Number(slider.value) });
  });

  const canvas = document.getElementById('chart');
  const g = canvas.getContext('2d');
  function draw() {
    requestAnimationFrame(draw);
    if (!dirty) return;
    dirty = false;
    document.getElementById('messages').textContent = messages;
    document.getElementById('samples').textContent = samples;
    const w = canvas.width, h = canvas.height;
    g.clearRect(0, 0, w, h);
    g.strokeStyle = '#1e293b'; g.lineWidth = 2;
    for (let y = 1; y < 4; y++) { g.beginPath(); g.moveTo(0, y * h / 4); g.lineTo(w, y * h / 4); g.stroke(); }
    for (let a = 0; a < AXES; a++) {
      g.strokeStyle = colors[a]; g.lineWidth = 3; g.beginPath();
      for (let i = 0; i < KEEP; i++) {
        const v = history[a][(head + i) % KEEP];
        const x = i * w / (KEEP - 1), y = h / 2 - v * h * 0.4;
        if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
      }
      g.stroke();
    }
  }
  requestAnimationFrame(draw);
</script></body></html>
"""


class Sensor:
    """Three sine waves with a little noise; ``frequency`` changes from the page's slider."""

    def __init__(self) -> None:
        self.frequency = 1.0
        self._phase = 0.0

    def batch(self, count: int) -> bytes:
        values = []
        step = 2 * math.pi * self.frequency / RATE
        for _ in range(count):
            self._phase += step
            p = self._phase
            values += [
                0.8 * math.sin(p) + random.uniform(-0.03, 0.03),
                0.5 * math.sin(2 * p + 1.0) + random.uniform(-0.03, 0.03),
                0.3 * math.sin(0.5 * p) + 0.4 * math.cos(3 * p),
            ]
        return struct.pack(f"<{len(values)}f", *values)


def main() -> int:
    parser = argparse.ArgumentParser(description="A live chart fed by Python through a transom channel.")
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
            print(f"stream: TRANSOM_DEMO_SECONDS must be a positive number, got {seconds_text!r}", file=sys.stderr)
            return 2

    try:
        app = transom.App(mode=options.mode)
    except transom.TransomError as error:
        print(f"stream: cannot start transom (is there a display?): {error}", file=sys.stderr)
        return 1

    with app:
        window = app.create_window("transom stream", width=820, height=520)
        webview = window.create_webview(html=PAGE)
        sensor = Sensor()
        print(f"stream: transom {app.version} ({app.mode}), window {window.id}, webview {webview.id}")

        # The page opens "controls" and sends the slider's value on it. This handler runs on the
        # transom-callbacks thread; the channel's messages go to the callback below, in order.
        @webview.on_channel("controls")
        def controls(channel: transom.Channel) -> None:
            @channel.on_message()
            def on_control(message: dict) -> None:
                sensor.frequency = float(message["frequency"])
                print(f"stream: frequency {sensor.frequency:g} Hz")

        # Our channel to the page; sends queue behind the open, so no need to wait for the page.
        samples = webview.channel("samples")
        stop = threading.Event()
        counts = {"messages": 0, "samples": 0, "bytes": 0, "waited": 0.0}

        def produce() -> None:
            started = time.monotonic()
            due_sent = 0
            while not stop.is_set():
                due = int((time.monotonic() - started) * RATE)
                if due > due_sent:
                    count = min(due - due_sent, RATE)  # after a long stall, skip ahead
                    data = sensor.batch(count)
                    before = time.monotonic()
                    try:
                        samples.send(data)  # waits here while the page is behind
                    except (transom.ChannelClosedError, transom.ClosedError):
                        return  # the window or the app is gone
                    counts["waited"] += time.monotonic() - before
                    counts["messages"] += 1
                    counts["samples"] += count
                    counts["bytes"] += len(data)
                    due_sent = due
                stop.wait(BATCH_SECONDS)

        producer = threading.Thread(target=produce, name="producer", daemon=True)
        producer.start()

        status = 0
        if seconds is None:
            app.run()  # until the window is closed
        elif not app.run(timeout=seconds) and shot:
            status = screenshot(webview, shot)
        stop.set()
        producer.join(5)
        print(f"stream: sent {counts['messages']} messages, {counts['samples']} samples, "
              f"{counts['bytes']} bytes; {counts['waited']:.3f} s in channel.send in all")
        if not window.closed:
            # Calls keep their order with the channel's messages: the page has taken them all.
            stats = webview.invoke("stats", timeout=10)
            print(f"stream: the page took {stats['messages']} messages, {stats['samples']} samples")
            samples.close()
        print(f"stream: {'window closed' if window.closed else 'time is up'}")
    return status


def screenshot(webview: transom.Webview, path: str) -> int:
    """Moves the slider to 3 Hz (its input event goes through the controls channel), lets the
    chart run, then takes a picture of the whole display."""
    webview.eval("const s = document.getElementById('freq'); s.value = 3; s.dispatchEvent(new Event('input'));")
    time.sleep(1.5)
    result = subprocess.run(["import", "-window", "root", path])
    if result.returncode != 0:
        print(f"stream: `import -window root {path}` failed; is ImageMagick installed?", file=sys.stderr)
        return 1
    print(f"stream: screenshot saved to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
