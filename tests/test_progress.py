"""Progress never goes backwards: each operation's fraction and the overall one only move forward,
and an ffmpeg block without a fraction is not sent as progress."""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path

import pytest

from core.events import RunEvent
from core.media import ffmpeg
from core.media.ffmpeg import parse_progress_block
from core.pipeline.plan import Expected, Operation
from core.pipeline.runner import Runner
from tests.helpers import json_events, vat


def clip(key: str, frames: int) -> Operation:
    return Operation(key, "clip", Path(f"/nowhere/{key}.mp4"), None, {"fps": 25.0}, Expected(frames=frames))


@pytest.fixture(scope="module")
def busy_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A busy picture at 480x270 for 5 s: long enough to encode that ffmpeg reports progress several times."""
    path = tmp_path_factory.mktemp("busy") / "busy.mp4"
    ffmpeg.run(
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=480x270:r=25:d=5,noise=alls=6:allf=t",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            ffmpeg.file_arg(path),
        ]
    )
    return path


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_real_run_reports_fractions_that_never_go_back(busy_master: Path, tmp_path: Path) -> None:
    done = vat(
        "run", busy_master, "--artwork", "Busy", "--out", tmp_path / "out", "--json", "--workers", "2", check=True
    )
    events = json_events(done.stdout)
    progress = [e for e in events if e["event"] == "progress"]
    assert len(progress) >= 3, progress  # the clip encode was long enough to say something in between
    assert all(isinstance(e.get("fraction"), float) for e in progress), progress
    by_key = defaultdict(list)
    for e in progress:
        by_key[e["key"]].append(e["fraction"])
    for key, fractions in by_key.items():
        assert fractions == sorted(fractions), (key, fractions)
    overall = [e["overall"] for e in events if e["event"] in ("progress", "done", "failed")]
    assert overall == sorted(overall) and overall[-1] == 1.0, overall


def test_a_block_without_a_fraction_or_a_step_back_moves_no_bar() -> None:
    """ffmpeg's out_time is N/A before the first frame and can step back near the end."""
    seen: list[RunEvent] = []
    # two clips of the same length (nothing is run: only the progress events are looked at)
    ops = [clip(f"clip:s00{n}", 125) for n in (1, 2)]
    runner = Runner("no-session", ops, workers=1, cancel=threading.Event(), on_event=seen.append)
    show = runner._on_ffmpeg("clip:s001", started=0.0)
    for out_time in ("N/A", "2000000", "N/A", "4250000", "3300000", "5000000"):
        show(parse_progress_block({"out_time_us": out_time, "progress": "continue"}, duration=5.0))
    assert [e.fraction for e in seen] == [0.4, 0.85, 0.85, 1.0]
    assert [e.overall for e in seen] == [0.2, 0.425, 0.425, 0.5]
