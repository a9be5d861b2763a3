"""What the Sessions and Processing screens say of a run in progress (issue 13), with the real app,
database and session lock (held here as the detached worker holds it): one percentage on both screens,
the ETA and fps the run recorded, "verifying" for a made encode, and "running" (not "Pausing") once a
paused session is resumed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import peewee
import pytest
from textual.pilot import Pilot
from textual.widgets import ProgressBar, Static

from core.pipeline.lock import SessionLock
from db.models import ProcessingState
from tests.tui_flows import detected_session, screen_is, until
from tests.tui_screen_host import cells
from tui.app import create_app
from tui.screens.home import SessionsScreen
from tui.screens.processing import ProcessingScreen

SIZE = (100, 30)


@pytest.fixture
def master(tmp_path: Path, cut_video: Path) -> Path:
    path = tmp_path / "master.mp4"
    shutil.copyfile(cut_video, path)
    return path


def running_session(master: Path, out: Path, status: str, **details: Any) -> str:
    """A session as its worker records it midway: 21 of 22 operations made, but by work (frames)
    45.67% done, a clip being verified and one encoding at 7.46 fps."""
    session = detected_session(master, out, "Long Night")
    recorded = {
        "pid": os.getpid(),
        "running": {
            "clip:s002": {"fraction": 1.0, "fps": 7.46, "stage": "verifying"},
            "clip:s003": {"fraction": 0.5, "fps": 7.46},
        },
        "done": 21,
        "skipped": 0,
        "failed": {},
        "total": 22,
        "fraction": 0.4567,
        "eta_seconds": 540.0,
        **details,
    }
    ProcessingState.update(
        status=status, total_operations=22, completed_operations=21, operation_details=recorded
    ).where(ProcessingState.session_id == session.session_id).execute()
    return session.session_id


async def sessions_row(pilot: Pilot, session_id: str) -> list[str]:
    screen = await screen_is(pilot, SessionsScreen)
    table = screen.table
    await until(pilot, lambda: table.row_count, "the sessions list")
    return cells(table.get_row(session_id))


async def open_processing(pilot: Pilot) -> ProcessingScreen:
    await pilot.press("enter")
    screen = await screen_is(pilot, ProcessingScreen)
    await until(pilot, lambda: len(screen.rows) == 2 and all(r.is_mounted for r in screen.rows.values()), "the rows")
    await pilot.pause()
    return screen


def shown(screen: ProcessingScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_both_screens_show_the_same_percentage_eta_fps_and_verifying(
    db: peewee.SqliteDatabase, master: Path, tmp_path: Path
) -> None:
    session_id = running_session(master, tmp_path / "out", "processing")
    with SessionLock(session_id):
        app = create_app(cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            row = await sessions_row(pilot, session_id)
            assert row[1:3] == ["running", "45%"], row  # by work, not 21/22 operations (95%)
            screen = await open_processing(pilot)
            bar = screen.query_one("#overall", ProgressBar)
            assert str(bar.query_one("#percentage", Static).render()) == "45%"
            assert "ETA 9:00" in shown(screen, "#counts")
            speeds = {key: str(r.query_one(".op-fps", Static).render()) for key, r in screen.rows.items()}
            assert speeds == {"clip:s002": "verifying", "clip:s003": "7.5 fps"}


async def test_a_resumed_session_is_running_not_pausing(
    db: peewee.SqliteDatabase, master: Path, tmp_path: Path
) -> None:
    """The resumed worker holds the session a moment before it marks it processing; the last run's
    record (its pid) is still there: that is a run starting, not one pausing."""
    session_id = running_session(master, tmp_path / "out", "paused", pid=os.getpid() + 1, running={})
    with SessionLock(session_id):
        app = create_app(cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            assert (await sessions_row(pilot, session_id))[1] == "running"
            await pilot.press("enter")
            screen = await screen_is(pilot, ProcessingScreen)
            await pilot.pause()
            assert shown(screen, "#state").startswith("Running in the background"), shown(screen, "#state")


async def test_the_process_that_was_stopped_is_pausing(db: peewee.SqliteDatabase, master: Path, tmp_path: Path) -> None:
    session_id = running_session(master, tmp_path / "out", "paused", running={})
    with SessionLock(session_id):
        app = create_app(cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            assert (await sessions_row(pilot, session_id))[1] == "pausing"
            await pilot.press("enter")
            screen = await screen_is(pilot, ProcessingScreen)
            await pilot.pause()
            assert shown(screen, "#state").startswith("Pausing (process"), shown(screen, "#state")
