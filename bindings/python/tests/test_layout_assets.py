"""Several webviews in one window placed with Webview.set, and assets served by the program
(App.respond_asset), with real pages, in both modes."""

from __future__ import annotations

import pytest

import transom
from conftest import WAIT, message


SIZE_PAGE = """<!doctype html><script>
const report = () => host.send('size', {w: innerWidth, h: innerHeight});
addEventListener('resize', report);
host.on('measure', report);
report();
</script>"""


def test_a_second_webview_placed_and_moved(app: transom.App) -> None:
    stream = app.events()
    window = app.create_window("layout", width=500, height=400)
    first = window.create_webview(html="<p>first</p>")
    panel = window.create_webview(html=SIZE_PAGE, options={"x": 10, "y": 20, "width": 200, "height": 100})
    assert window.webview is first
    assert message(stream, "size", lambda p: p == {"w": 200, "h": 100}) == {"w": 200, "h": 100}
    panel.set(x=50, y=50, width=300, height=150)
    panel.send("measure")
    assert message(stream, "size", lambda p: p == {"w": 300, "h": 150})
    panel.set(fill=True)
    assert message(stream, "size", lambda p: p == {"w": 500, "h": 400})
    with pytest.raises(transom.InvalidArgumentError):
        panel.set(x=1)


def test_the_program_serves_assets(app: transom.App) -> None:
    stream = app.events()
    window = app.create_window("assets", width=300, height=200)
    window.create_webview(options={"assets_handler": True})
    index = stream.wait_for("asset-request", timeout=WAIT)
    assert index["path"] == "/"
    page = b"""<!doctype html><script>
fetch('data.json').then((r) => r.json().then((d) => host.send('fetched', {d, type: r.headers.get('content-type')})));
fetch('echo', {method: 'POST', body: 'ping'}).then((r) => r.text()).then((t) => host.send('echoed', t));
</script>"""
    app.respond_asset(index["request"], 200, {"content-type": "text/html"}, page)
    with pytest.raises(transom.NotFoundError):
        app.respond_asset(index["request"], 200)
    with pytest.raises(transom.InvalidArgumentError):
        app.respond_asset(index["request"], 42)
    answered = set()
    while len(answered) < 2:
        request = stream.wait_for("asset-request", timeout=WAIT)
        if request["path"] == "/data.json":
            app.respond_asset(request["request"], 200, body='{"n": 1}')
        else:
            assert request["path"] == "/echo" and request["method"] == "POST"
            assert request["payload"] == b"ping"
            app.respond_asset(request["request"], 201, {"content-type": "text/plain"}, b"echo: " + request["payload"])
        answered.add(request["path"])
    assert message(stream, "fetched") == {"d": {"n": 1}, "type": "application/json"}
    assert message(stream, "echoed") == "echo: ping"
