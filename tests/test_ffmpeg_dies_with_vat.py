"""A SIGKILLed vat leaves no ffmpeg behind: its encodes die with it (core/parent_death.py)."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from core.media import ffmpeg
from tests.helpers import start_vat

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux's")


@pytest.fixture(scope="module")
def grainy_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One 20 s scene of film grain: archive_hq's slow x264 takes many seconds to encode its clip."""
    path = tmp_path_factory.mktemp("grain") / "grain.mp4"
    ffmpeg.run(
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=640x360:r=25:d=20,noise=alls=40:allf=t+u,format=yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-threads",
            "2",
            ffmpeg.file_arg(path),
        ]
    )
    return path


def ffmpeg_writing_to(folder: Path) -> dict[int, str]:
    """Live ffmpeg processes (not zombies) whose command line names a file under `folder`."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue  # gone meanwhile
        if str(folder) in cmdline and "ffmpeg" in cmdline and state != "Z":
            found[int(entry.name)] = cmdline
    return found


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_sigkilled_vat_takes_its_ffmpeg_with_it(grainy_master: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = start_vat(
        "run",
        grainy_master,
        "--artwork",
        "Orphan",
        "--date",
        "26-11-23",
        "--out",
        out,
        "--preset",
        "archive_hq",
        "--workers",
        "1",
        "--scenes",
        "1",
        "--json",
    )
    encoding: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 180
        while not encoding and proc.poll() is None and time.monotonic() < deadline:
            encoding = {pid: cmd for pid, cmd in ffmpeg_writing_to(out).items() if "/clips/" in cmd}
            time.sleep(0.05)
        assert encoding, f"no clip encode seen (vat exited {proc.poll()}): {proc.stderr.read() if proc.poll() else ''}"
        proc.kill()
        proc.wait(timeout=30)
        deadline = time.monotonic() + 2
        while ffmpeg_writing_to(out) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ffmpeg_writing_to(out) == {}, "ffmpeg kept running after vat was SIGKILLed"
    finally:
        proc.kill()
        proc.wait()
        for pid in ffmpeg_writing_to(out):  # main's behaviour: clean up what the test found
            os.kill(pid, signal.SIGKILL)
