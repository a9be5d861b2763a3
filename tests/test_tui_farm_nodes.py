"""Which render node makes what (issue 16): the farm's coordinator records each running operation's node
in operation_details; the Processing screen shows it beside the operation's bar (at 80x24 too, the
bar still there), a local run's rows show none, and `vat sessions` names the node of the current
operation (its JSON: every running operation's). r on a paused farm session resumes it with the farm,
never with the local pool (which would race the tasks still waiting in the broker)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import peewee
import pytest
from textual.widgets import Label, ProgressBar

from core.pipeline import background
from core.pipeline.lock import SessionLock
from db.models import ProcessingState
from tests.helpers import vat
from tests.tui_flows import detected_session, screen_is, until
from tests.tui_screen_host import ScreenHost
from tui.app import create_app
from tui.screens.processing import ProcessingScreen, node_text

NODE = "render-01.studio.lan:48213"


@pytest.fixture
def farmed(tmp_path: Path, cut_video: Path, db: peewee.Database) -> str:
    """A session midway on the farm: one clip encoding on a node, one on another, and a still made here."""
    master = tmp_path / "master.mp4"
    shutil.copyfile(cut_video, master)
    session = detected_session(master, tmp_path / "out", "Farmed")
    running = {
        "clip:s002": {"fraction": 0.25, "fps": None, "node": NODE},
        "clip:s003": {"fraction": 0.5, "fps": None, "node": "gpu2:7"},
        "still_hq:s004": {"fraction": 0.0, "fps": None},
    }
    details = {"pid": os.getpid(), "running": running, "done": 4, "skipped": 0, "failed": {}, "total": 22}
    ProcessingState.update(
        status="processing",
        total_operations=22,
        completed_operations=4,
        current_operation="clip:s003",
        operation_details={**details, "fraction": 0.2, "eta_seconds": 60.0},
    ).where(ProcessingState.id == session.id).execute()
    return session.session_id


async def test_the_processing_screen_shows_each_operations_node(farmed: str) -> None:
    with SessionLock(farmed):
        app = create_app(cursor_blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter")
            screen = await screen_is(pilot, ProcessingScreen)
            await until(pilot, lambda: len(screen.rows) == 3, "the running rows")
            await pilot.pause()
            nodes = {key: row.query_one(".op-node", Label) for key, row in screen.rows.items()}
            assert str(nodes["clip:s003"].render()) == "gpu2:7"
            assert str(nodes["clip:s002"].render()) == "render-01.studi…"  # the host, shortened to fit
            assert nodes["clip:s002"].display and not nodes["still_hq:s004"].display  # made here: no node
            for row in screen.rows.values():  # the bar keeps its room beside the key and the node
                assert row.query_one(ProgressBar).region.width >= 20, row.key


def test_node_text_keeps_the_pid_when_it_fits() -> None:
    assert node_text("gpu2:7") == "gpu2:7"
    assert node_text("render-01:48213") == "render-01:48213"
    assert node_text("render-01.studio.lan:48213") == "render-01.studi…"
    assert node_text("render-01.lan:4821399") == "render-01.lan"


def test_vat_sessions_names_the_current_operations_node(farmed: str) -> None:
    listed = vat("sessions", check=True).stdout
    assert "clip:s003 on gpu2:7" in listed
    rows = json.loads(vat("sessions", "--json", check=True).stdout)
    row = next(r for r in rows if r["session_id"] == farmed)
    assert row["nodes"] == {"clip:s002": NODE, "clip:s003": "gpu2:7"}


@pytest.fixture
def paused_on_farm(tmp_path: Path, cut_video: Path, db: peewee.Database, monkeypatch: pytest.MonkeyPatch) -> str:
    """A session sent to the farm and paused (its coordinator gone): its tasks may still wait in the broker."""
    monkeypatch.delenv("VAT_BROKER", raising=False)
    session = detected_session(cut_video, tmp_path / "out", "Farmed Pause")
    meta = {**(session.process_metadata or {}), "farm": {"toolchain": {"vat": "x"}, "fingerprint": "0123456789ab"}}
    ProcessingState.update(status="paused", process_metadata=meta).where(ProcessingState.id == session.id).execute()
    return session.session_id


def started_for(session_id: str) -> list[list[str]]:
    background._reap()
    commands = [[str(part) for part in proc.args] for proc in background._children if isinstance(proc.args, list)]
    return [command for command in commands if session_id in command]


async def test_r_on_a_farm_session_without_a_broker_refuses_naming_the_farm_resume(paused_on_farm: str) -> None:
    app = ScreenHost(lambda: ProcessingScreen(paused_on_farm))
    async with app.run_test(size=(100, 30)) as pilot:
        await screen_is(pilot, ProcessingScreen)
        await pilot.press("r")
        notice = f"vat --resume --farm {paused_on_farm}"
        await until(pilot, lambda: any(notice in text for text in app.notices), "the farm notice")
        assert "Resuming in the background." not in app.notices
    assert started_for(paused_on_farm) == [], "no local resume started"
    assert ProcessingState.get(ProcessingState.session_id == paused_on_farm).status == "paused"


async def test_r_on_a_farm_session_resumes_it_with_the_farm(
    paused_on_farm: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = "redis://:s3cret@127.0.0.1:9/0"
    monkeypatch.setenv("VAT_BROKER", broker)
    app = ScreenHost(lambda: ProcessingScreen(paused_on_farm))
    async with app.run_test(size=(100, 30)) as pilot:
        await screen_is(pilot, ProcessingScreen)
        await pilot.press("r")
        await until(pilot, lambda: started_for(paused_on_farm), "the resume started")
        assert any("render farm" in text for text in app.notices)
    (command,) = started_for(paused_on_farm)
    assert command[-4:] == ["--resume", paused_on_farm, "--json", "--farm"]
    assert not any("s3cret" in part for part in command)  # the broker by the environment, not the command line
    for proc in list(background._children):
        proc.wait(60)
    # it went the farm's way: this test's catalogue is SQLite, which the farm refuses before anything runs
    said = background.worker_log_path(paused_on_farm).read_text()
    assert "the farm needs the shared catalogue" in said and "s3cret" not in said
    assert ProcessingState.get(ProcessingState.session_id == paused_on_farm).status == "paused"
