"""The runner's verification stage (core/pipeline/verify_stage.py): an output made is checked while
the worker makes the next one; a cancellation drops an output still waiting for its check; with
several workers the longest encodes start first. Real ffmpeg, real SQLite, tiny test media."""

from __future__ import annotations

import threading
from pathlib import Path

import peewee
import pytest

from core.events import RunEvent
from core.pipeline import execute
from core.pipeline.execute import is_temporary
from core.pipeline.plan import Expected, Operation
from core.pipeline.runner import Runner
from core.pipeline.schedule import longest_first
from core.pipeline.session import plan_for, process, select
from db.models import FileRegistry, OperationLog
from tests.tui_flows import detected_session

WAIT = 60.0  # seconds: a generous bound on a busy machine; the waits below end as soon as they can


def two_clips(cut_video: Path, out: Path) -> tuple[str, list[Operation]]:
    """A detected session's first two clips (their stills left out, so that nothing else runs)."""
    session = detected_session(cut_video, out, "Overlap")
    select(session, "1-2", [])
    plan, _, _ = plan_for(session)
    return session.session_id, [op for op in plan if op.kind == "clip"]


def test_the_next_clip_is_encoded_while_the_first_is_being_checked(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    """One worker: the first clip's check is held at its end (its "done" event, sent from the
    verification stage) until the second clip's encode is made. Without the stage the worker itself
    would be held there and the second encode could never start: the wait would time out."""
    session_id, clips = two_clips(cut_video, tmp_path / "out")
    first, second = clips
    second_made = threading.Event()
    made_while_checking: list[bool] = []

    def on_event(event: RunEvent) -> None:
        if event.kind == "verifying" and event.key == second.key:
            second_made.set()
        if event.kind == "done" and event.key == first.key:
            made_while_checking.append(second_made.wait(WAIT))

    summary = Runner(session_id, clips, workers=1, cancel=threading.Event(), on_event=on_event).run()
    assert made_while_checking == [True], "the second encode waited for the first clip's check"
    assert summary.status == "completed" and summary.done == 2, summary
    rows = {
        r.operation_name: r
        for r in OperationLog.select().where(
            (OperationLog.session == session_id) & (OperationLog.operation_type == "clip")
        )
    }
    assert rows[second.key].start_time <= rows[first.key].end_time  # the log agrees (whole seconds)
    assert all(r.status == "completed" for r in rows.values())
    registered = {r.file_path: r.verified for r in FileRegistry.select().where(FileRegistry.session == session_id)}
    assert len(registered) == 2 and all(registered.values()), registered
    assert first.output.is_file() and second.output.is_file()


def test_the_stills_after_a_clip_are_made_while_it_is_being_checked(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    """A whole run, one worker, plan order: the first clip's check is held until the next scene's
    stills are done. A picture's check is the worker's own (milliseconds): were it queued behind the
    clip's, the worker would wait for it, and the wait would time out."""
    session = detected_session(cut_video, tmp_path / "out", "Stills")
    select(session, "1-2", [])
    made_while_checking: list[bool] = []
    stills_done = threading.Event()

    def on_event(event: RunEvent) -> None:
        if event.kind == "done" and event.key == "still_web:s002":
            stills_done.set()
        if event.kind == "done" and event.key == "clip:s001":
            made_while_checking.append(stills_done.wait(WAIT))

    summary = process(session, workers=1, on_event=on_event)
    assert made_while_checking == [True], "the stills waited for the clip's check"
    assert summary.status == "completed" and not summary.failed, summary


def test_a_cancel_drops_an_output_still_waiting_for_its_check(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    """One worker, one slot: the second clip is made while the first is being checked, and waits for
    the slot; the run is cancelled then. The check that had begun finishes (the first clip is
    registered); the waiting output is dropped: its temporary removed, its operation pending, the
    run paused (a resume makes it again)."""
    session_id, clips = two_clips(cut_video, tmp_path / "out")
    first, second = clips
    cancel = threading.Event()
    second_made = threading.Event()
    seen: list[tuple[str, str | None]] = []

    def on_event(event: RunEvent) -> None:
        seen.append((event.kind, event.key))
        if event.kind == "verifying" and event.key == second.key:
            second_made.set()
        if event.kind == "done" and event.key == first.key:
            assert second_made.wait(WAIT)
            cancel.set()  # Ctrl-C while the second output waits for its check

    summary = Runner(session_id, clips, workers=1, cancel=cancel, on_event=on_event).run()
    assert summary.status == "paused" and summary.done == 1 and not summary.failed, summary
    assert first.output.is_file() and not second.output.exists()
    assert not [p for p in (tmp_path / "out").rglob("*") if is_temporary(p)], "a temporary was left"
    assert ("done", second.key) not in seen
    rows = {
        r.operation_name: r.status
        for r in OperationLog.select().where(
            (OperationLog.session == session_id) & (OperationLog.operation_type == "clip")
        )
    }
    assert rows == {first.key: "completed", second.key: "pending"}


def op(key: str, kind: str, frames: int | None = None) -> Operation:
    return Operation(key, kind, Path(f"/nowhere/{key}"), None, {"fps": 25.0}, Expected(frames=frames))


def test_the_longest_encodes_start_first_then_the_rest_in_plan_order() -> None:
    plan = [
        op("still_hq:s001", "still_hq"),
        op("clip:s001", "clip", 100),
        op("still_hq:s002", "still_hq"),
        op("clip:s002", "clip", 400),
        op("rd_video:a.mov", "rd_video", 250),
        op("clip:s003", "clip", 100),
        op("master", "master", 10_000),  # a stream copy: quick, whatever its frames
    ]
    order = [o.key for _, o in longest_first(list(enumerate(plan, start=1)))]
    assert order == [
        "clip:s002",
        "rd_video:a.mov",
        "clip:s001",
        "clip:s003",
        "still_hq:s001",
        "still_hq:s002",
        "master",
    ]


def test_a_run_s_last_clips_get_the_cores_the_idle_workers_leave(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sixteen cores, sixteen workers, two scenes (two clips, their stills, thumbnails, sheets): each
    clip is encoded on half the cores, not on one thread (cores // workers) while the other workers
    idle once the stills are made (the stills, which end in moments, are not counted); one worker
    alone gets them all."""
    monkeypatch.setattr("os.cpu_count", lambda: 16)
    session = detected_session(cut_video, tmp_path / "out", "Cores")
    select(session, "1-2", [])
    plan, _, _ = plan_for(session)
    plan = [op for op in plan if op.kind in execute.MAKERS]  # the log, manifest, editorial: session.process's
    session_id, clips = session.session_id, [op for op in plan if op.kind == "clip"]
    given: dict[str, int] = {}

    def recording(op: Operation, tmp: Path, ctx: execute.Context) -> None:  # the real encode, its threads noted
        given[op.key] = ctx.threads
        execute.make_clip(op, tmp, ctx)

    summary = Runner(session_id, plan, workers=16, cancel=threading.Event(), finalizers={"clip": recording}).run()
    assert summary.status == "completed" and summary.done == len(plan), summary
    assert sorted(given.values()) == [8, 8] or sorted(given.values()) == [8, 16], given  # the second may start alone
    given.clear()
    for op in clips:
        op.output.unlink()
    summary = Runner(session_id, clips[:1], workers=1, cancel=threading.Event(), finalizers={"clip": recording}).run()
    assert summary.status == "completed" and given == {clips[0].key: 16}, given
