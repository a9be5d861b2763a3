"""Progress tells the truth (issue 13): the ETA comes from the work (frames) left and the speed this
run measured, not from a count of operations; fps keeps a decimal below 10; one percentage, the same on
every screen; a made encode is "verifying" until its check is done."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import peewee

from core.events import RunEvent
from core.media.ffmpeg import parse_progress_block
from core.pipeline.plan import Expected, Operation
from core.pipeline.progress import eta_seconds, fps_text, percent, percent_text, session_fraction, work_of
from core.pipeline.runner import Runner
from core.pipeline.session import process, select
from db.models import ProcessingState
from tests.tui_flows import detected_session
from tui.formatting import eta


def op(key: str, kind: str, frames: int | None = None) -> Operation:
    return Operation(key, kind, Path(f"/nowhere/{key}"), None, {"fps": 25.0}, Expected(frames=frames))


def test_work_is_counted_in_frames() -> None:
    assert work_of(op("clip:s001", "clip", 15000)) == 15000
    assert work_of(op("still_hq:s001", "still_hq")) == 25  # a seek decodes about a second
    assert work_of(op("master", "master", 100000)) == 2000  # a stream copy: no decoding
    assert work_of(op("manifest", "manifest")) == 1
    # no frame count: the duration at the plan's rate
    timed = Operation("rd_video:a.mov", "rd_video", Path("/nowhere/a"), None, {"fps": 25.0}, Expected(duration=8.0))
    assert work_of(timed) == 200


def test_eta_is_the_work_left_at_the_measured_speed() -> None:
    # 1500 frames made in 60 s (25 fps), 13500 left: 9 minutes
    assert eta_seconds(13500, 1500, 15000, 60.0) == 540.0
    assert eta(eta_seconds(13500, 1500, 15000, 60.0)) == "9:00"
    assert eta_seconds(13500, 1500, 15000, 1.0) is None, "a second of start-up measures nothing yet"
    assert eta_seconds(15000, 0, 15000, 60.0) is None, "nothing made: no speed"
    assert eta_seconds(0, 15000, 15000, 600.0) == 0.0


def test_a_resume_near_its_end_by_count_is_far_from_it_by_work() -> None:
    """Twenty stills and one clip were made before the pause; the resume has one long clip left. By
    operations it is 95% done (the ETA said 0:03); by frames it is half done, 9 minutes to go."""
    made = [op(f"still_hq:s{n:03d}", "still_hq") for n in range(20)] + [op("clip:s001", "clip", 15000)]
    left = op("clip:s002", "clip", 15000)
    seen: list[RunEvent] = []
    runner = Runner("no-session", [*made, left], workers=1, cancel=threading.Event(), on_event=seen.append)
    for done in made:  # as run() finds them registered
        runner.summary.skipped += 1
        runner._finished(done, skipped=True)
    runner._started = time.monotonic() - 60.0  # a minute into the resume
    show = runner._on_ffmpeg(left.key, started=runner._started)
    show(parse_progress_block({"out_time_us": "60000000", "progress": "continue"}, duration=600.0))  # 10%
    event = seen[-1]
    assert event.remaining is not None and event.overall is not None
    assert event.fraction == 0.1
    assert abs(event.remaining - 540.0) < 1.0, event.remaining
    assert abs(event.overall - (15500 + 1500) / 30500) < 1e-3, event.overall
    assert percent(event.overall) == 55


def test_fps_keeps_one_decimal_below_ten() -> None:
    assert fps_text(7.46) == "7.5 fps"
    assert fps_text(0.8) == "0.8 fps"
    assert fps_text(9.96) == "10 fps"
    assert fps_text(24.4) == "24 fps"
    assert fps_text(None) == "" and fps_text(0.0) == ""


def test_one_percentage_rounded_down() -> None:
    assert percent(0.29) == 29  # 0.29 * 100 is 28.999999999999996 in floating point
    assert percent(0.999) == 99, "100% only when everything is done"
    assert percent(1.0) == 100 and percent_text(0.4567) == "45%" and percent_text(None) == ""
    # the run's work-weighted fraction, where it recorded one; operations done for older sessions
    assert session_fraction("processing", 10, 9, {"fraction": 0.5}) == 0.5
    assert session_fraction("paused", 8, 2, None) == 0.25
    assert session_fraction("completed", 8, 7, {"fraction": 0.9}) == 1.0
    assert session_fraction("initialized", 0, 0, None) is None


def test_an_encode_at_100_percent_is_verifying_until_checked(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    """A real run: every clip says "verifying" after its encode and before it is done, and the
    database says so meanwhile (what the Processing screen reads)."""
    session = detected_session(cut_video, tmp_path / "out", "Verified")
    select(session, "1-2", [])
    seen: list[tuple[str, str]] = []
    stages: dict[str, str | None] = {}

    def on_event(event: RunEvent) -> None:
        if event.key is None:
            return  # plan-wide events
        seen.append((event.kind, event.key))
        if event.kind == "verifying":
            row = ProcessingState.get(ProcessingState.session_id == session.session_id)
            stages[event.key] = (row.operation_details["running"].get(event.key) or {}).get("stage")

    summary = process(session, workers=1, on_event=on_event)
    assert summary.status == "completed"
    clips = [key for kind, key in seen if kind == "start" and key.startswith("clip:")]
    assert clips
    for key in clips:
        mine = [kind for kind, k in seen if k == key]
        assert mine.index("verifying") < mine.index("done"), mine
        assert "progress" not in mine[mine.index("verifying") :], mine
        assert stages[key] == "verifying"
