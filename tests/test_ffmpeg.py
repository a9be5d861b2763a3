"""The ffmpeg runner: discovery order, progress events, errors that carry stderr, cancellation."""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.errors import Cancelled, EnvironmentProblem
from core.events import FfmpegProgress
from core.media import ffmpeg


@pytest.fixture(autouse=True)
def fresh_discovery(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("VAT_FFMPEG", raising=False)
    ffmpeg._found = None
    yield
    ffmpeg._found = None  # the next caller looks again, with the environment restored


def test_vat_ffmpeg_wins_over_path_and_bundled(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bundled = ffmpeg.find_ffmpeg(refresh=True)
    real_version = ffmpeg.version()
    fake = tmp_path / "my-ffmpeg"
    fake.write_text("#!/bin/sh\nexec " + bundled.path + ' "$@"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("VAT_FFMPEG", str(fake))
    found = ffmpeg.find_ffmpeg(refresh=True)
    assert found == ffmpeg.FfmpegBinary(str(fake), "VAT_FFMPEG")
    assert ffmpeg.version() == real_version  # the wrapper really is the one that runs


def test_path_ffmpeg_wins_over_bundled(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bundled = ffmpeg.find_ffmpeg(refresh=True).path
    (tmp_path / "ffmpeg").symlink_to(bundled)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert ffmpeg.find_ffmpeg(refresh=True) == ffmpeg.FfmpegBinary(str(tmp_path / "ffmpeg"), "PATH")


def test_bad_vat_ffmpeg_is_an_environment_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VAT_FFMPEG", str(tmp_path / "missing"))
    with pytest.raises(EnvironmentProblem, match="VAT_FFMPEG"):
        ffmpeg.find_ffmpeg(refresh=True)


def test_progress_reports_fraction_frames_and_end(tmp_path: Path) -> None:
    events: list[FfmpegProgress] = []
    ffmpeg.run(
        ["-f", "lavfi", "-i", "testsrc2=s=64x48:r=25:d=4", "-f", "null", "-"],
        duration=4.0,
        on_progress=events.append,
    )
    assert events, "no progress block parsed"
    assert events[-1].done and events[-1].fraction == 1.0
    assert events[-1].frame == 100
    fractions = [e.fraction for e in events if e.fraction is not None]
    assert fractions == sorted(fractions)


def test_progress_block_treats_na_and_negative_as_missing() -> None:
    block = {"frame": "N/A", "fps": "-1", "out_time_us": "N/A", "speed": "N/A", "progress": "continue"}
    event = ffmpeg.parse_progress_block(block, duration=10.0)
    assert (event.frame, event.fps, event.out_time, event.speed, event.fraction) == (None,) * 5
    event = ffmpeg.parse_progress_block({"out_time_us": "2500000", "speed": "2.5x", "progress": "continue"}, 10.0)
    assert event.fraction == pytest.approx(0.25) and event.speed == 2.5


def test_failure_carries_command_and_stderr(tmp_path: Path) -> None:
    missing = tmp_path / "nope.mp4"
    with pytest.raises(ffmpeg.FfmpegError) as info:
        ffmpeg.run(["-i", ffmpeg.file_arg(missing), "-f", "null", "-"])
    err = info.value
    assert err.returncode != 0
    assert ffmpeg.file_arg(missing) in err.command
    assert any("No such file" in line for line in err.stderr_tail)
    assert "\n" not in str(err)


def test_a_failure_is_named_by_its_cause_not_by_the_encoder_statistics_after_it(tmp_path: Path) -> None:
    # x264 refuses an odd height; ffmpeg's last line is then "Conversion failed!", which says nothing
    out = tmp_path / "clip.mp4"
    args = ["-f", "lavfi", "-i", "testsrc=d=0.2:s=64x64", "-vf", "scale=64:7", "-pix_fmt", "yuv420p"]
    with pytest.raises(ffmpeg.FfmpegError) as info:
        ffmpeg.run([*args, "-c:v", "libx264", ffmpeg.file_arg(out)])
    message = str(info.value)
    assert "height not divisible by 2" in message, message
    assert info.value.stderr_tail[-1] != message.split(": ", 1)[1]  # not merely the last line
    assert " @ 0x" not in message  # no memory addresses in what the user reads


def test_string_command_is_refused() -> None:
    with pytest.raises(TypeError):
        ffmpeg.run("-i x -f null -")


def test_cancel_stops_ffmpeg_promptly_and_leaves_no_process() -> None:
    cancel = threading.Event()
    started = time.monotonic()
    threading.Timer(0.5, cancel.set).start()
    with pytest.raises(Cancelled):
        # an endless source: only the cancellation can end it
        ffmpeg.run(["-re", "-f", "lavfi", "-i", "testsrc2=s=64x48:r=25", "-f", "null", "-"], cancel=cancel, grace=1.0)
    assert time.monotonic() - started < 5
    leftover = [p for p in os.listdir("/proc") if p.isdigit() and _is_ffmpeg_child(p)]
    assert leftover == []


def _is_ffmpeg_child(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read()
    except OSError:
        return False
    return int(fields[1]) == os.getpid() and b"testsrc2" in cmd
