"""The Processing screen offers only the keys that can do something (issue 13): no Pause when nothing
runs or the run is already pausing, and r refuses while the paused process still lives, rather than
starting a second `vat --resume` that can only fail with "being processed by process N"."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest

from core.pipeline import background
from db.models import ProcessingState
from tests.tui_flows import detected_session, screen_is, until
from tests.tui_screen_host import ScreenHost
from tui.screens.processing import ProcessingScreen


@pytest.fixture
def paused(db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path) -> ProcessingState:
    session = detected_session(cut_video, tmp_path / "out", "Paused Work")
    session.status = "paused"
    session.save()
    return session


@pytest.fixture
def old_process(paused: ProcessingState) -> Iterator[subprocess.Popen]:
    """A live child this process started for the session that holds no lock yet (or no more): what
    started_alive sees between a pause's SIGTERM and the old worker's exit."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "--resume", paused.session_id])
    background._children.append(proc)
    yield proc
    proc.kill()
    proc.wait()
    background._reap()


def offered(app: ScreenHost) -> set[str]:
    return {active.binding.action for active in app.screen.active_bindings.values() if active.enabled}


async def test_pause_is_not_offered_when_nothing_runs(paused: ProcessingState) -> None:
    app = ScreenHost(lambda: ProcessingScreen(paused.session_id))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await screen_is(pilot, ProcessingScreen)
        await until(pilot, lambda: screen.last_state is not None, "the first poll")
        assert "resume" in offered(app)
        assert "pause" not in offered(app), "nothing runs: p has nothing to pause"


async def test_r_refuses_while_the_old_process_still_lives(
    paused: ProcessingState, old_process: subprocess.Popen
) -> None:
    app = ScreenHost(lambda: ProcessingScreen(paused.session_id))
    async with app.run_test(size=(100, 30)) as pilot:
        await screen_is(pilot, ProcessingScreen)
        await pilot.press("r")
        await until(pilot, lambda: any("Still pausing" in notice for notice in app.notices), "the still-pausing toast")
        assert "Resuming in the background." not in app.notices
        assert [proc.pid for proc in background._children] == [old_process.pid], "no second worker started"
