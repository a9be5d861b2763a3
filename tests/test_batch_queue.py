"""Many masters through the machine's one queue: a batch survives a kill and a plain resume finishes it,
a second `vat run` waits its turn (unless --now), a bad batch file makes nothing, artwork names come from
the files or their folders, archived masters are skipped and counted, "detect now, pick later" waits
for its scenes, and the concurrency limit holds across runners."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.farm_support import slowed_ffmpeg
from tests.helpers import json_events, start_vat, vat
from tests.media import make_cut_video
from tests.test_resume import read_until

FAST = ["--preset", "preview_fast", "--workers", "1", "--date", "26-12-01"]


@pytest.fixture(scope="module")
def masters(media_dir: Path) -> list[Path]:
    """Three small masters, each in a folder of its own (named after a film)."""
    made = []
    for index, film in enumerate(("Harbour", "Orchard", "Quarry")):
        path = media_dir / "batch" / film / f"reel{index + 1}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        made.append(path if path.exists() else make_cut_video(path, [20 + 5 * index, 20, 25]))
    return made


@pytest.fixture(scope="module")
def long_master(media_dir: Path) -> Path:
    """Long enough to process (a few seconds with one worker) for another vat to start meanwhile."""
    path = media_dir / "batch_long.mp4"
    return path if path.exists() else make_cut_video(path, [50] * 12, size=(640, 360))


def open_rows() -> Any:
    from db.connection import open_database
    from db.models import ProcessingState, QueueEntry

    open_database()
    return ProcessingState, QueueEntry


def here(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """The command line run in this process (quicker than a child for the commands that process nothing)."""
    from db.connection import close_database
    from tui.cli.main import main

    code = main([str(arg) for arg in args])
    close_database()
    out, err = capsys.readouterr()
    return code, out, err


def created(events: list[dict]) -> list[str]:
    """The sessions a `vat run` made ("session ID: MASTER -> FOLDER"), in order."""
    texts = [e["text"] for e in events if e["event"] == "message" and " -> " in e["text"]]
    return [text.split()[1].rstrip(":") for text in texts if text.startswith("session ")]


def summary_of(stdout: str) -> dict:
    return next(e for e in json_events(stdout) if e["event"] == "summary")


@pytest.mark.backends
@pytest.mark.slow
def test_batch_killed_in_the_middle_is_finished_by_a_plain_resume(masters: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = start_vat("run", *masters, "--artwork-from", "parent", "--out", out, "--json", *FAST)
    # the first archive is made, the second master's operations have started: SIGKILL
    events = read_until(
        proc,
        lambda ev: any(e["event"] == "result" for e in ev) and ev[-1]["event"] == "start",
    )
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    ProcessingState, QueueEntry = open_rows()
    first, second, third = (e.session_id for e in QueueEntry.select().order_by(QueueEntry.position))
    assert created(events) == [first, second, third]  # all three made before the first was processed
    assert ProcessingState.get(session_id=first).status == "completed"
    assert ProcessingState.get(session_id=third).status == "initialized"

    resumed = vat("--resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    summary = summary_of(resumed.stdout)
    assert summary["done"] == [second, third]  # the interrupted one first, then the waiting one
    for session_id in (first, second, third):
        row = ProcessingState.get(session_id=session_id)
        assert row.status == "completed", row.error_message
        assert QueueEntry.get(session=session_id).state == "done"
    assert len(ProcessingState.get(session_id=first).process_metadata["runs"]) == 1  # not redone
    assert sorted(p.name for p in out.iterdir()) == ["26-12-01_Harbour", "26-12-01_Orchard", "26-12-01_Quarry"]
    verified = vat("verify", "--all", "--json")
    assert verified.returncode == 0, verified.stdout


@pytest.mark.slow
def test_a_second_run_waits_queued_behind_the_first_unless_now(
    long_master: Path, masters: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the first run's encodes read at twice real time at most (some 12 s in all): still running, however
    # loaded the machine, when the three other vats have started (it ended first once under CI's load)
    real = os.environ["VAT_FFMPEG"]
    monkeypatch.setenv("VAT_FFMPEG", str(slowed_ffmpeg(tmp_path, 2)))
    first = start_vat("run", long_master, "--artwork", "Long One", "--out", tmp_path / "a", "--json", *FAST)
    monkeypatch.setenv("VAT_FFMPEG", real)
    started = read_until(first, lambda ev: ev[-1]["event"] == "start")
    session = created(started)[0]
    second = start_vat("run", masters[0], "--artwork", "Second", "--out", tmp_path / "b", "--json", *FAST)
    waited = read_until(second, lambda ev: ev[-1]["event"] == "queued")
    assert waited[-1]["behind"] == session
    third = start_vat("run", masters[2], "--artwork", "Third", "--out", tmp_path / "d", "--json", *FAST)
    read_until(third, lambda ev: ev[-1]["event"] == "queued")
    third.send_signal(signal.SIGINT)  # Ctrl-C while waiting: the session stays queued
    assert third.wait(timeout=60) == 130
    left = json.loads(vat("queue", "--json").stdout)[-1]
    assert left["artwork_name"] == "Third" and left["state"] == "waiting"
    now = vat("run", masters[1], "--artwork", "Now", "--out", tmp_path / "c", "--json", "--now", *FAST)
    assert now.returncode == 0, now.stderr
    assert not any(e["event"] == "queued" for e in json_events(now.stdout))
    first_out, _ = first.communicate(timeout=120)
    second_out, _ = second.communicate(timeout=120)
    assert first.returncode == 0 and second.returncode == 0
    ended_first = next(e["time"] for e in json_events(first_out) if e["event"] == "finished")
    now_started = next(e["time"] for e in json_events(now.stdout) if e["event"] == "start")
    second_started = next(e["time"] for e in json_events(second_out) if e["event"] == "start")
    assert now_started < ended_first < second_started  # --now did not wait; the queued one did
    resumed = vat("--resume", "--json")  # the one left queued by Ctrl-C
    assert resumed.returncode == 0 and (tmp_path / "d" / "26-12-01_Third" / "manifest.json").exists()


def test_a_bad_batch_row_is_refused_and_nothing_is_made(
    masters: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "backlog.csv"
    rows = [f"{masters[0]},First,,,,,,artist:Jane", "missing.mov,Second,,,,,,", f"{masters[1]},Third,,,,,,"]
    batch.write_text("master,artwork,date,preset,scenes,groups,copyright,tags\n" + "\n".join(rows) + "\n")
    code, _, err = here(capsys, "run", "--batch", batch, "--out", tmp_path / "out", *FAST)
    assert code == 2
    line = err.strip()
    assert "\n" not in line and str(batch) in line and "line 3" in line and "missing.mov" in line
    ProcessingState, QueueEntry = open_rows()
    assert ProcessingState.select().count() == 0 and QueueEntry.select().count() == 0
    assert not (tmp_path / "out").exists()

    as_json = tmp_path / "backlog.json"
    as_json.write_text(json.dumps([{"master": str(masters[0]), "artwork": "A", "colour": "red"}]))
    code, _, err = here(capsys, "run", "--batch", as_json, "--out", tmp_path / "out", *FAST)
    assert code == 2 and "item 1" in err and "colour" in err
    code, _, err = here(capsys, "run", *masters[:2], "--artwork", "One Name", "--out", tmp_path / "out", *FAST)
    assert code == 2 and "--artwork-from" in err
    code, _, err = here(capsys, "run", masters[0], masters[0], "--artwork-from", "name", "--out", tmp_path, *FAST)
    assert code == 2 and err.strip().endswith(f"vat run: {masters[0]} is given twice")


@pytest.mark.slow  # two detections and one whole run
def test_artwork_from_parent_names_each_project_and_pick_waits_for_scenes(
    masters: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = here(
        capsys,
        "run",
        *masters[:2],
        "--artwork-from",
        "parent",
        "--scenes",
        "pick",
        "--tag",
        "series:Coast",
        "--external-id",
        "inventory:INV-2024-001",
        "--out",
        tmp_path / "out",
        "--json",
        *FAST,
    )
    assert code == 0, err
    ProcessingState, QueueEntry = open_rows()
    from core.catalogue.tags import tags_of
    from db.models import ExternalId

    rows = list(ProcessingState.select().order_by(ProcessingState.id))
    assert [r.artwork_name for r in rows] == ["Harbour", "Orchard"]
    assert [Path(r.output_path).name for r in rows] == ["26-12-01_Harbour", "26-12-01_Orchard"]
    assert all(r.scenes_data and r.selected_scenes is None for r in rows)  # detected, not picked
    assert {e.state for e in QueueEntry.select()} == {"to_pick"}
    assert summary_of(out)["to_pick"] == [r.session_id for r in rows]
    assert tags_of(rows[0].session_id) == ["series:Coast"]
    assert [(x.scheme, x.value) for x in ExternalId.select().where(ExternalId.session == rows[1].session_id)] == [
        ("inventory", "INV-2024-001")
    ]
    listed = {r["session_id"]: r for r in json.loads(here(capsys, "sessions", "--json")[1])}
    assert all(listed[r.session_id]["to_pick"] for r in rows)
    assert "to pick" in here(capsys, "sessions")[1]

    code, out, _ = here(capsys, "--resume")
    assert code == 0 and "nothing to resume" in out  # the to-pick ones are left waiting
    code, _, err = here(capsys, "--resume", rows[0].session_id, "--scenes", "1,3", "--json")
    assert code == 0, err
    ProcessingState, QueueEntry = open_rows()
    assert ProcessingState.get(session_id=rows[0].session_id).selected_scenes == [1, 3]
    assert QueueEntry.get(session=rows[0].session_id).state == "done"
    assert QueueEntry.get(session=rows[1].session_id).state == "to_pick"


@pytest.mark.slow
def test_skip_archived_in_a_batch_counts_as_skipped(masters: list[Path], tmp_path: Path) -> None:
    vat("run", masters[0], "--artwork", "Earlier", "--out", tmp_path / "first", *FAST, check=True)
    batch = vat(
        "run", *masters[:2], "--artwork-from", "name", "--skip-archived", "--out", tmp_path / "out", "--json", *FAST
    )
    assert batch.returncode == 0, batch.stderr
    summary = summary_of(batch.stdout)
    assert [Path(s["master"]).name for s in summary["skipped"]] == [masters[0].name]
    assert "already archived" in summary["skipped"][0]["reason"]
    assert len(summary["done"]) == 1 and summary["failed"] == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["26-12-01_reel2"]


@pytest.mark.backends
@pytest.mark.slow
def test_the_concurrency_limit_holds_across_runners(masters: list[Path], tmp_path: Path) -> None:
    """Three queued sessions, three `vat queue run` at once, concurrent_sessions 2: never more than two
    run together, and every session ends done."""
    vat("settings", "set", "concurrent_sessions", "2", check=True)
    queued = vat("run", *masters, "--artwork-from", "parent", "--out", tmp_path / "q", "--scenes", "pick", *FAST)
    assert queued.returncode == 0, queued.stderr
    ProcessingState, QueueEntry = open_rows()
    from core.pipeline import queue_runner, session_queue
    from core.pipeline import session as sessions

    for row in ProcessingState.select():  # chosen (as the TUI's picker does): they wait for their turn
        sessions.select(row, "all", [])
        queue_runner.selection_given(row.session_id)
    assert len(session_queue.entries(["waiting"])) == 3
    runners = [start_vat("queue", "run", "--json") for _ in range(3)]
    most = 0
    while any(proc.poll() is None for proc in runners):
        most = max(most, QueueEntry.select().where(QueueEntry.state == "running").count())
        time.sleep(0.02)
    for proc in runners:
        proc.communicate(timeout=30)
        assert proc.returncode == 0
    assert 1 <= most <= 2
    assert {e.state for e in QueueEntry.select()} == {"done"}


@pytest.mark.backends(slow=True)  # the PostgreSQL run: make test
def test_queue_command_reorders_holds_and_removes(
    masters: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = here(
        capsys, "run", *masters, "--artwork-from", "parent", "--scenes", "pick", "--out", tmp_path, *FAST
    )
    assert code == 0, err
    ProcessingState, QueueEntry = open_rows()
    ids = [e.session_id for e in QueueEntry.select().order_by(QueueEntry.position)]

    def listed() -> list[str]:
        code, out, _ = here(capsys, "queue", "--json")
        return [e["session_id"] for e in json.loads(out)]

    assert here(capsys, "queue", "down", ids[0])[0] == 0
    assert listed() == [ids[1], ids[0], ids[2]]
    assert here(capsys, "queue", "hold", ids[2])[0] == 2  # to pick, not waiting: nothing to hold
    assert here(capsys, "queue", "remove", ids[2])[0] == 0
    assert here(capsys, "queue", "remove", "nope")[0] == 2
    assert listed() == [ids[1], ids[0]]
    assert ProcessingState.select().count() == 3  # the session stays
