"""Scene detection survives the terminal: the TUI hands it to a detached process, the detection screen
only reads the database, and a new vat (the terminal came back) shows it live, then the picker.

The detached worker is paused with SIGSTOP while the apps come and go, so that "still running" does
not depend on how fast two shared cores decode; SIGCONT lets it finish."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import peewee
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from core.pipeline import detached_detection
from core.pipeline.background import running_pid
from db.models import OperationLog, ProcessingState
from tests.media import make_cut_video
from tests.tui_flows import new_session, screen_is, text_of, until
from tui.app import create_app
from tui.screens.detection import DetectionScreen
from tui.screens.home import SessionsScreen
from tui.screens.picker import PickerScreen

LONG_SCENES = [500, 500, 500]  # 1500 frames: long enough to be caught mid-way


@pytest.fixture(scope="module")
def long_master(media_dir: Path) -> Path:
    path = media_dir / "long_detect.mp4"
    return path if path.exists() else make_cut_video(path, LONG_SCENES, size=(320, 180), audio=False)


def _row(session_id: str) -> ProcessingState:
    return ProcessingState.get(ProcessingState.session_id == session_id)


def _stop_when_decoding(session_id: str, timeout: float = 60.0) -> int:
    """SIGSTOP the detached worker as soon as it has written progress (tight polling, no pilot)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = running_pid(session_id)
        row = _row(session_id)
        if pid and row.current_operation == "scene_detection" and (row.operation_details or {}).get("frame"):
            os.kill(pid, signal.SIGSTOP)
            return pid
        assert not row.scenes_data, (
            "detection finished with no detached process seen reporting progress "
            "(in the app's own process, or the master is too short to catch it)"
        )
        time.sleep(0.01)
    raise AssertionError("the detached detection never reported progress")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a finished child of this test process lingers as a zombie until reaped: not alive
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(") ")[1][0] != "Z"


async def _open_first_session(pilot: Pilot) -> None:
    await screen_is(pilot, SessionsScreen)
    await pilot.press("enter")


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
async def test_detection_goes_on_after_the_app_ends_and_a_new_app_shows_it_live(
    db: peewee.SqliteDatabase, long_master: Path, tmp_path: Path
) -> None:
    session = new_session(long_master, tmp_path / "out", "Long Night")
    sid = session.session_id
    app = create_app(cursor_blink=False)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await _open_first_session(pilot)
            await screen_is(pilot, DetectionScreen)
            pid = _stop_when_decoding(sid)
            assert pid != os.getpid(), "detection runs in its own process, not in the app's"
            await until(
                pilot,
                lambda: text_of(app.screen, "#detection-status").startswith("frame "),
                "live progress read from the database",
            )
        # the app is gone, as with a dropped SSH connection: the worker is not
        assert _alive(pid) and running_pid(sid) == pid
        assert not _row(sid).scenes_data

        app2 = create_app(cursor_blink=False)
        async with app2.run_test(size=(100, 30)) as pilot:
            home = await screen_is(pilot, SessionsScreen)
            assert "detecting" in str(home.query_one(DataTable).get_row_at(0))
            await pilot.press("enter")
            screen = await screen_is(pilot, DetectionScreen)
            await until(
                pilot, lambda: text_of(screen, "#detection-status").startswith("frame "), "the running detection, live"
            )
            assert running_pid(sid) == pid, "watching starts nothing: the same worker goes on"
            os.kill(pid, signal.SIGCONT)
            picker = await screen_is(pilot, PickerScreen, timeout=60)
            assert picker.session_id == sid and len(picker.scenes) == 3
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGCONT)
    row = _row(sid)
    assert [s["start_frame"] for s in row.scenes_data] == [0, 500, 1000]
    assert row.current_operation is None and detached_detection.pending(row) is None
    log = OperationLog.get((OperationLog.session == sid) & (OperationLog.operation_name == "scene_detection"))
    assert log.status == "completed"


async def test_cancel_stops_the_detached_detection_and_keeps_the_session(
    db: peewee.SqliteDatabase, long_master: Path, tmp_path: Path
) -> None:
    session = new_session(long_master, tmp_path / "out", "Short Night")
    sid = session.session_id
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_first_session(pilot)
        await screen_is(pilot, DetectionScreen)
        pid = _stop_when_decoding(sid)
        await pilot.press("c")  # SIGTERM, delivered once the worker runs again
        os.kill(pid, signal.SIGCONT)
        await screen_is(pilot, SessionsScreen, timeout=60)
    await until_dead(pid)
    row = _row(sid)
    assert not row.scenes_data and row.status == "initialized" and row.current_operation is None
    assert (row.process_metadata or {}).get(detached_detection.CANCELLED)


async def until_dead(pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        assert time.monotonic() < deadline, f"worker {pid} still running"
        time.sleep(0.05)


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_detect_only_on_the_command_line_leaves_the_session_ready_to_pick(
    db: peewee.SqliteDatabase, long_master: Path, tmp_path: Path
) -> None:
    session = new_session(long_master, tmp_path / "out", "Headless Night")
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--resume", session.session_id, "--detect-only", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    row = _row(session.session_id)
    assert len(row.scenes_data) == 3 and row.selected_scenes is None and row.status == "initialized"
    again = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--resume", session.session_id, "--detect-only"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0 and "from cached statistics" in again.stdout + again.stderr


def test_detect_only_needs_a_session(db: peewee.SqliteDatabase) -> None:
    for args in (["--detect-only"], ["--resume", "--detect-only"], ["--resume", "nope", "--detect-only"]):
        done = subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, (args, done.stderr)
