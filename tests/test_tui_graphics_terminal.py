"""vat in a real pseudo-terminal, as a Kitty user starts it (TERM=xterm-kitty, over SSH: no COLORTERM):
the picker's pictures reach the terminal as Kitty graphics commands and 24-bit coloured placeholders."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import peewee
import pytest

from tests.tui_flows import detected_session

pytestmark = pytest.mark.slow

KITTY_PLACEMENT = b"\x1b_Ga=p,"  # a picture placed by unicode placeholders
PLACEHOLDER = chr(0x10EEEE).encode()
ROOT = Path(__file__).resolve().parents[1]


def read_for(fd: int, seconds: float, out: bytearray) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                return


def run_vat(tmp_path: Path, **terminal: str) -> bytes:
    """vat in a 120x40 pseudo-terminal: enter on the session (the picker), o (the grid), q; all it wrote."""
    env = {**os.environ, **terminal, "PYTHONPATH": str(ROOT), "COLUMNS": "120", "LINES": "40"}
    for name in ("COLORTERM", "TMUX", "NO_COLOR", "VAT_GRAPHICS"):
        if name not in terminal:
            env.pop(name, None)
    leader, follower = pty.openpty()
    os.set_blocking(leader, False)
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 1200, 1600))
    vat = subprocess.Popen(
        [sys.executable, "-m", "tui.cli"], stdin=follower, stdout=follower, stderr=follower, env=env, cwd=tmp_path
    )
    os.close(follower)
    out = bytearray()
    try:
        read_for(leader, 8, out)  # the probe's questions unanswered (0.1 s each), then the Sessions screen
        os.write(leader, b"\r")  # the session: its picker
        read_for(leader, 8, out)
        os.write(leader, b"o")  # the grid
        read_for(leader, 5, out)
        os.write(leader, b"q")
        read_for(leader, 3, out)
    finally:
        vat.kill()
        vat.wait()
        os.close(leader)
    return bytes(out)


def test_a_kitty_terminal_gets_kitty_pictures(db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path) -> None:
    detected_session(cut_video, tmp_path / "out")
    out = run_vat(tmp_path, TERM="xterm-kitty")
    assert out.count(KITTY_PLACEMENT) >= 1 + 5, out[-2000:]  # the panel's and the grid's five
    # placeholders drawn in a 24-bit colour (the picture's id): 38;2;R;G;B before them
    assert re.search(rb"38;2;\d+;\d+;\d+m[^\x1b]*" + re.escape(PLACEHOLDER), out)


def test_sixel_asked_for_gets_sixel_pictures(db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path) -> None:
    detected_session(cut_video, tmp_path / "out")
    out = run_vat(tmp_path, TERM="xterm-256color", VAT_GRAPHICS="sixel")
    # Sixel images (DCS P...q) for the panel and the grid's five cells; no Kitty command
    assert len(re.findall(rb"\x1bP[0-9;]*q", out)) >= 1 + 5 and KITTY_PLACEMENT not in out
