"""The quickstart at the top of this package's README.md runs as written and does what it says:
the page's button reaches the Python handler, whose answer the page shows, and the tick Python
sends is on the page.

The block is taken from README.md and run by a fresh interpreter from an empty folder, so
``import transom`` finds the installed package (``run-tests.sh`` installs the wheel), not the
source tree. A prelude stands in for the person at the window: once the page is up it clicks the
button (``Webview.eval``), has the page report its text (``host.send``) and closes the window when
that text shows the handler's answer and the tick; ``app.run()`` then returns and the block ends.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"

#: Runs before the quickstart: records the webview the quickstart makes and, when ``app.run()``
#: starts, drives the page from a thread. Prints ``page text: …`` for the test to read.
PRELUDE = r'''
import threading, time, transom

_made = []
_create = transom.Window.create_webview
def _create_webview(self, *args, **kwargs):
    webview = _create(self, *args, **kwargs)
    _made.append(webview)
    return webview
transom.Window.create_webview = _create_webview

_run = transom.App.run
def _drive():
    webview = _made[0]
    seen = []
    try:
        webview.on("quickstart-seen", seen.append)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            webview.eval("document.querySelector('button').click();"
                         "setTimeout(() => host.send('quickstart-seen', document.body.innerText), 300)")
            time.sleep(0.6)
            if seen and "tick: 1" in seen[-1] and EXPECTED in seen[-1]:
                break
        print("page text: %r" % (seen[-1] if seen else None), flush=True)
    finally:
        webview.window.close()  # app.run() returns, also when driving the page failed
def _run_driven(self, *args, **kwargs):
    threading.Thread(target=_drive, daemon=True).start()
    return _run(self, *args, **kwargs)
transom.App.run = _run_driven
'''


def _quickstart() -> str:
    match = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert match, "README.md has no python code block"
    return match.group(1)


def test_readme_quickstart_runs_as_written(tmp_path: Path) -> None:
    code = _quickstart()
    assert "app.run()" in code and "system_info" in code  # the block this test is written for
    script = tmp_path / "quickstart.py"
    script.write_text(f"EXPECTED = {platform.system()!r}\n{PRELUDE}\n{code}", encoding="utf-8")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, f"the quickstart failed:\n{result.stdout}\n{result.stderr}"
    text = re.search(r"page text: (.*)", result.stdout)
    assert text, result.stdout + result.stderr
    shown = text.group(1)
    assert "tick: 1" in shown, shown  # webview.send("tick", 1) reached host.on('tick')
    assert platform.system() in shown, shown  # host.invoke('system_info') got the handler's answer
