"""transom-bench worker for Python programs: transom's Python package (bindings/python, in-process
through ctypes or over transom-host) and pywebview (GTK backend). Speaks transom-bench's task
protocol: one JSON task per stdin line, one "@@ {json}" reply line.

Usage: python_worker.py transom-inprocess|transom-host|pywebview   (BENCH_PAGE: the page file)

Both are used the way their documentation shows: callbacks for what pages send (transom:
webview.on / webview.handle; pywebview: a js_api object), and the program's own calls for the
other direction (transom: webview.send / webview.invoke; pywebview: window.evaluate_js)."""

import base64
import json
import os
import sys
import threading
import time

PAGE = open(os.environ["BENCH_PAGE"], encoding="utf-8").read()
CHANNELS = ["hello", "echo", "tick_n", "ticks_done", "f", "inv_done", "blob_ready", "blob_ok", "blob"]
WAIT = 300.0


def say(obj):
    sys.stdout.write("@@ " + json.dumps(obj) + "\n")
    sys.stdout.flush()


now = time.perf_counter_ns


class Unsupported(Exception):
    pass


class Base:
    """What the workloads need; `sink(channel, data)` and `handler(args)` are set per workload."""

    def __init__(self):
        self.sink = lambda channel, data: None
        self.handler = lambda args: args[0] if args else None
        self.hellos = threading.Semaphore(0)

    def deliver(self, channel, data):
        if channel == "hello":
            self.hellos.release()
            return
        self.sink(channel, data)

    def open_windows(self, n):
        views = [self.open() for _ in range(n)]
        for _ in range(n):
            if not self.hellos.acquire(timeout=WAIT):
                raise RuntimeError("a page never said hello")
        return views


class TransomBackend(Base):
    def __init__(self, mode):
        super().__init__()
        import transom

        self.transom = transom
        self.app = transom.App(mode=mode, max_message_bytes=256 * 1024 * 1024)

    def open(self):
        window = self.app.create_window("bench", width=640, height=480)
        webview = window.create_webview(html=PAGE)
        for channel in CHANNELS:
            webview.on(channel, lambda data, channel=channel: self.deliver(channel, data))
        webview.handle("echo", lambda *args: self.handler(args))
        return (window, webview)

    def close(self, view):
        view[0].close()

    def post(self, view, channel, data):
        view[1].send(channel, data)

    def post_raw(self, view, channel, text):
        view[1].send(channel, self.transom.RawJson(text))

    def post_bytes(self, view, channel, data):
        try:
            view[1].send(channel, data)  # bytes go as bytes (transom_post_bytes / base64 on the pipe)
        except (TypeError, ValueError) as e:
            raise Unsupported("this version of the Python package cannot send bytes: %s" % e)

    def invoke(self, view, name, *args):
        return view[1].invoke(name, *args)


class PywebviewBackend(Base):
    """pywebview: its GUI loop owns the main thread (webview.start); the workloads run on the
    thread pywebview starts for the program."""

    def __init__(self):
        super().__init__()
        import webview

        self.webview = webview
        backend = self

        class Api:
            def send(self, channel, data):
                backend.deliver(channel, data)

            def send_b64(self, channel, text):
                backend.deliver(channel, base64.b64decode(text))

            def invoke(self, name, args):
                return backend.handler(args)

        self.api = Api()

    def open(self):
        return self.webview.create_window("bench", html=PAGE, js_api=self.api, width=640, height=480)

    def close(self, view):
        view.destroy()

    def run_js(self, view, script):
        run = getattr(view, "run_js", None)
        if run is not None:
            run(script)
        else:
            view.evaluate_js(script)

    def post(self, view, channel, data):
        self.run_js(view, "__recv(%s,%s)" % (json.dumps(channel), json.dumps(data)))

    def post_raw(self, view, channel, text):
        self.run_js(view, "__recv(%s,%s)" % (json.dumps(channel), text))

    def post_bytes(self, view, channel, data):
        self.run_js(view, '__recv_b64(%s,"%s")' % (json.dumps(channel), base64.b64encode(data).decode()))

    def invoke(self, view, name, *args):
        return view.evaluate_js("__handle(%s,%s)" % (json.dumps(name), json.dumps(list(args))))


# ---- workloads (callback style: the program reacts where its API calls it) -------------------


def wait(event):
    if not event.wait(WAIT):
        raise RuntimeError("timed out")


def rt(b, view, t):
    samples, done = [], threading.Event()
    state = {"last": now()}
    n = t["n"]

    def sink(channel, data):
        if channel != "echo":
            return
        at = now()
        samples.append(at - state["last"])
        state["last"] = at
        if len(samples) < n:
            b.post(view, "echo", data)
        else:
            done.set()

    b.sink = sink
    state["last"] = now()
    b.post(view, "echo", {"n": 1, "s": "ping"} if t["size"] <= 32 else "x" * (t["size"] - 2))
    wait(done)
    return samples


def h2p(b, view, t):
    n = t["n"]
    acked, done = threading.Event(), threading.Event()
    b.sink = lambda c, d: acked.set() if c == "tick_n" else (done.set() if c == "ticks_done" else None)
    b.post(view, "tick_n", n)
    wait(acked)
    start = now()
    for i in range(n):
        b.post_raw(view, "tick", '{"i":%d}' % i)
    wait(done)
    return [now() - start]


def p2h(b, view, t):
    n = t["n"]
    done = threading.Event()
    count = [0]

    def sink(channel, data):
        if channel == "f":
            count[0] += 1
            if count[0] == n:
                done.set()

    b.sink = sink
    start = now()
    b.post(view, "flood", n)
    wait(done)
    return [now() - start]


def inv_p2h(b, view, t):
    samples, done = [], threading.Event()
    state = {"last": now()}

    def handler(args):
        at = now()
        samples.append(at - state["last"])
        state["last"] = at
        return args[0] if args else None

    b.handler = handler
    b.sink = lambda c, d: done.set() if c == "inv_done" else None
    state["last"] = now()
    b.post(view, "inv_loop", t["n"])
    wait(done)
    return samples


def inv_h2p(b, view, t):
    samples = []
    for i in range(t["n"]):
        start = now()
        value = b.invoke(view, "echo", i)
        samples.append(now() - start)
        if value != i:
            raise RuntimeError("call %d answered %r" % (i, value))
    return samples


def bytes_h2p(b, view, t):
    size = t["size"]
    data = bytes(i % 251 for i in range(min(size, 251))) * (size // 251 + 1)
    data = data[:size]
    done = threading.Event()
    got = [None]
    b.sink = lambda c, d: (got.__setitem__(0, d), done.set()) if c == "blob_ok" else None
    start = now()
    b.post_bytes(view, "blob", data)
    wait(done)
    if got[0] != size:
        raise RuntimeError("page got %r bytes" % got[0])
    return [now() - start]


def bytes_p2h(b, view, t):
    size = t["size"]
    ready, done = threading.Event(), threading.Event()
    got = [None]

    def sink(channel, data):
        if channel == "blob_ready":
            ready.set()
        elif channel == "blob":
            if not isinstance(data, (bytes, bytearray, memoryview)):
                got[0] = "not bytes but %s" % type(data).__name__
            else:
                got[0] = len(data)
            done.set()

    b.sink = sink
    b.post(view, "blob_prep", size)
    wait(ready)
    start = now()
    b.post(view, "blob_go", None)
    wait(done)
    if got[0] != size:
        raise RuntimeError("got %r bytes" % got[0])
    return [now() - start]


def windows(b, view, t):
    start = now()
    views = b.open_windows(t["n"])
    took = now() - start
    if not t.get("keep"):
        for v in views:
            b.close(v)
    return [took]


TASKS = {f.__name__: f for f in (rt, h2p, p2h, inv_p2h, inv_h2p, bytes_h2p, bytes_p2h, windows)}


def serve(b):
    first = b.open_windows(1)[0]
    say({"ready": True})
    for line in sys.stdin:
        try:
            t = json.loads(line)
            t.setdefault("size", 0)
            t.setdefault("n", 0)
            say({"samples": TASKS[t["w"]](b, first, t)})
        except Unsupported as e:
            say({"error": "not run: %s" % e})
        except Exception as e:  # noqa: BLE001 - reported to the orchestrator
            say({"error": "%s: %s" % (type(e).__name__, e)})
    os._exit(0)


def main():
    which = sys.argv[1]
    if which in ("transom-inprocess", "transom-host"):
        serve(TransomBackend("in-process" if which == "transom-inprocess" else "host"))
    elif which == "pywebview":
        b = PywebviewBackend()
        import webview

        # pywebview needs a window before start(); it is the bench's first window.
        first = b.open()
        opened = {"first": first}

        def program():
            if not b.hellos.acquire(timeout=WAIT):
                say({"error": "the first page never said hello"})
                os._exit(1)
            say({"ready": True})
            for line in sys.stdin:
                try:
                    t = json.loads(line)
                    t.setdefault("size", 0)
                    t.setdefault("n", 0)
                    say({"samples": TASKS[t["w"]](b, opened["first"], t)})
                except Unsupported as e:
                    say({"error": "not run: %s" % e})
                except Exception as e:  # noqa: BLE001
                    say({"error": "%s: %s" % (type(e).__name__, e)})
            os._exit(0)

        webview.start(program, gui="gtk")
    else:
        sys.exit("unknown backend " + which)


if __name__ == "__main__":
    main()
