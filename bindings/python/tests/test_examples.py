"""The examples in examples/python run headless (TRANSOM_DEMO_SECONDS) in both modes and do what
they say."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "python"

pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="examples/python is not beside this package")


def _run(name: str, mode: str, seconds: float = 2.0) -> str:
    env = dict(os.environ, TRANSOM_DEMO_SECONDS=str(seconds))
    env.pop("TRANSOM_DEMO_SCREENSHOT", None)
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), "--mode", mode],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, f"{name} --mode {mode} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_hello(mode: str) -> None:
    out = _run("hello.py", mode)
    assert f"({mode})" in out and "time is up after" in out


def test_stream(mode: str) -> None:
    out = _run("stream.py", mode, 3.0)
    sent = re.search(r"sent (\d+) messages, (\d+) samples", out)
    took = re.search(r"the page took (\d+) messages, (\d+) samples", out)
    assert sent and took, out
    assert sent.groups() == took.groups(), out  # everything sent reached the page, in order
    assert int(sent.group(1)) >= 50, out  # about 50 messages a second


def test_hello_async(mode: str) -> None:
    out = _run("hello_async.py", mode)
    for expected in (
        "the page answered: 'hello Python, this is the page'",
        "theme None -> light",
        "theme light -> dark",
        "page says: showed system info",
        "time is up; theme is 'dark'",
    ):
        assert expected in out, out
