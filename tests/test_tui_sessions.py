"""Sessions (home) screen, with the real app, database and ffmpeg: what it lists, enter as the next
step of a session, delete with its questions (outputs deleted only when the user says so), refresh,
and the ways to the other screens (keys, help, command palette)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import peewee
import pytest
from textual.app import App
from textual.command import CommandList, CommandPalette
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Static

from core.pipeline.lock import SessionLock
from core.pipeline.session import process, select
from db.models import FileRegistry, OperationLog, ProcessingState
from tests.tui_flows import detected_session, new_session, screen_is, static_text, text_of, until
from tests.tui_screen_host import cells
from tui.app import create_app
from tui.screens.confirm import ConfirmScreen
from tui.screens.detection import DetectionScreen
from tui.screens.help import HelpScreen
from tui.screens.history import HistoryScreen
from tui.screens.home import SessionsScreen
from tui.screens.new_session import NewSessionScreen
from tui.screens.picker import PickerScreen
from tui.screens.presets import PresetsScreen
from tui.screens.settings import SettingsScreen


@pytest.fixture
def master(tmp_path: Path, cut_video: Path) -> Path:
    path = tmp_path / "master.mp4"
    shutil.copyfile(cut_video, path)
    return path


def update(session_id: str, **values: Any) -> None:
    ProcessingState.update(**values).where(ProcessingState.session_id == session_id).execute()


def exists(session_id: str) -> bool:
    return ProcessingState.get_or_none(ProcessingState.session_id == session_id) is not None


def notices(app: App) -> list[str]:
    return [notification.message for notification in app._notifications]


def table(app: App) -> DataTable:
    return app.screen.query_one("#sessions", DataTable)


def shown(app: App) -> dict[str, list[str]]:
    """session id -> its cells (artwork, status, done, current, updated), in the order listed."""
    rows = table(app)
    return {
        str(rows.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value): cells(rows.get_row_at(i))
        for i in range(rows.row_count)
    }


async def home(pilot: Pilot) -> SessionsScreen:
    screen = await screen_is(pilot, SessionsScreen)
    await until(pilot, lambda: screen.query("#sessions"), "the sessions list")
    return screen


async def cursor_to(pilot: Pilot, session_id: str) -> None:
    """Move the list cursor with j/k until it is on `session_id`."""
    screen = await home(pilot)
    ids = list(shown(pilot.app))
    for _ in range(len(ids)):
        await pilot.press("k")
    for _ in range(len(ids)):
        current = screen.current()
        if current is not None and current.session_id == session_id:
            return
        await pilot.press("j")
    raise AssertionError(f"{session_id} is not listed")


# --- the list ------------------------------------------------------------------------------------------------


async def test_sessions_are_listed_with_status_and_progress(
    db: peewee.SqliteDatabase, master: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    fresh = new_session(master, out, "Fresh Start").session_id
    picking = detected_session(master, out, "Picking Scenes").session_id
    paused = detected_session(master, out, "Half Way").session_id
    update(paused, status="paused", total_operations=10, completed_operations=4, current_operation="clip:s003")
    interrupted = detected_session(master, out, "Cut Short").session_id
    update(interrupted, status="processing", total_operations=8, completed_operations=2)
    done = detected_session(master, out, "All Done").session_id
    update(done, status="completed", total_operations=5, completed_operations=5)

    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await home(pilot)
        rows = shown(app)
        assert [rows[s][:4] for s in (fresh, picking, paused, interrupted, done)] == [
            ["Fresh Start", "new", "", ""],
            ["Picking Scenes", "picking scenes", "", ""],
            ["Half Way", "paused", "40%", "clip:s003"],
            ["Cut Short", "interrupted", "25%", ""],
            ["All Done", "completed", "100%", ""],
        ]
        assert list(rows)[-1] == done, "finished sessions come after those still to do"
        assert all(row[4] for row in rows.values()), "every row says when it was updated"
        assert not screen.has_class("-empty")
        await cursor_to(pilot, paused)
        assert text_of(screen, "#details").startswith(f"{paused} · master.mp4")


async def test_an_empty_list_says_how_to_start(db: peewee.SqliteDatabase) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await home(pilot)
        assert screen.has_class("-empty") and table(app).row_count == 0
        assert "Press n to archive a master video" in text_of(screen, "#empty")
        await pilot.press("enter")  # nothing to open: enter starts a new session
        await screen_is(pilot, NewSessionScreen)


async def test_r_refreshes_the_list(db: peewee.SqliteDatabase, master: Path, tmp_path: Path) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await home(pilot)
        assert shown(app) == {}
        added = new_session(master, tmp_path / "out", "From Elsewhere").session_id  # e.g. `vat run` in tmux
        await pilot.press("r")  # at once, before the screen's own periodic refresh (2 s)
        assert shown(app)[added][:2] == ["From Elsewhere", "new"]


# --- enter: the next step --------------------------------------------------------------------------------------


async def test_enter_opens_the_picker_of_a_detected_session(
    db: peewee.SqliteDatabase, master: Path, tmp_path: Path
) -> None:
    session = detected_session(master, tmp_path / "out", "Picking Scenes")
    new_session(master, tmp_path / "out", "Another One")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await cursor_to(pilot, session.session_id)
        await pilot.press("enter")
        picker = await screen_is(pilot, PickerScreen)
        assert picker.session_id == session.session_id and len(picker.scenes) == 5
        await pilot.press("escape")  # back to the list
        await home(pilot)


async def test_enter_on_a_session_without_scenes_detects_them(
    db: peewee.SqliteDatabase, master: Path, tmp_path: Path
) -> None:
    session = new_session(master, tmp_path / "out", "Fresh Start")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await home(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, (DetectionScreen, PickerScreen)), "detection")
        picker = await screen_is(pilot, PickerScreen)
        assert picker.session_id == session.session_id and len(picker.scenes) == 5
    assert len(ProcessingState.get_by_id(session.id).scenes_data) == 5


# --- d: delete --------------------------------------------------------------------------------------------------


async def test_delete_asks_first_and_n_keeps_the_session(
    db: peewee.SqliteDatabase, master: Path, tmp_path: Path
) -> None:
    session = detected_session(master, tmp_path / "out", "Keep Me")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await home(pilot)
        await pilot.press("d")
        dialog = await screen_is(pilot, ConfirmScreen)
        assert "Delete the session 'Keep Me'" in text_of(dialog, "#question")
        assert app.focused is not None and app.focused.id == "no", "a dangerous question defaults to no"
        await pilot.press("n")
        await home(pilot)
        assert session.session_id in shown(app)
        await pilot.press("d")
        await screen_is(pilot, ConfirmScreen)
        await pilot.press("escape")
        await home(pilot)
    assert exists(session.session_id)


async def test_delete_a_session_without_outputs(db: peewee.SqliteDatabase, master: Path, tmp_path: Path) -> None:
    gone = detected_session(master, tmp_path / "out", "Delete Me")
    kept = new_session(master, tmp_path / "out", "Other Work")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await cursor_to(pilot, gone.session_id)
        await pilot.press("d")
        await screen_is(pilot, ConfirmScreen)
        await pilot.press("y")  # no outputs: no second question
        await home(pilot)
        assert list(shown(app)) == [kept.session_id]
        assert "Deleted Delete Me" in notices(app)
    assert not exists(gone.session_id) and exists(kept.session_id)
    assert OperationLog.select().where(OperationLog.session == gone.session_id).count() == 0
    assert Path(gone.master_path).is_file(), "the master is never touched"


@pytest.fixture
def processed(db: peewee.SqliteDatabase, master: Path, tmp_path: Path) -> tuple[ProcessingState, list[Path], Path]:
    """A completed session (scene 1 only: a few small files), plus a file of the user's own in its folder."""
    session = detected_session(master, tmp_path / "out", "Evening Tide")
    select(session, "1", [])
    assert process(session, workers=2).status == "completed"
    root = Path(session.output_path)
    own = root / "my notes.txt"
    own.write_text("written by the user, not by vat")
    files = [Path(r.file_path) for r in FileRegistry.select().where(FileRegistry.session == session.session_id)]
    assert len(files) >= 5 and all(f.is_file() and f.is_relative_to(root) for f in files)
    return session, files, own


async def delete_processed(pilot: Pilot, session_id: str, delete_files: bool) -> str:
    """d, y, then the second question answered; returns that question."""
    await cursor_to(pilot, session_id)
    await pilot.press("d")
    await screen_is(pilot, ConfirmScreen)
    await pilot.press("y")
    await until(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, ConfirmScreen)
            and pilot.app.screen.query("#question")
            and "output file" in text_of(pilot.app.screen, "#question")
        ),
        "the second question",
    )
    question = text_of(pilot.app.screen, "#question")
    await pilot.press("y" if delete_files else "n")
    await home(pilot)
    return question


async def test_delete_keeps_the_outputs_unless_told(processed: tuple[ProcessingState, list[Path], Path]) -> None:
    session, files, own = processed
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await home(pilot)
        assert shown(app)[session.session_id][1] == "completed"
        second = await delete_processed(pilot, session.session_id, delete_files=False)
        assert f"Also delete the {len(files)} output file(s)" in second
        assert session.session_id not in shown(app)
        assert screen.has_class("-empty")
    assert not exists(session.session_id)
    assert FileRegistry.select().count() == 0
    assert all(f.is_file() for f in files) and own.is_file()


async def test_escape_on_the_second_question_deletes_nothing(
    processed: tuple[ProcessingState, list[Path], Path],
) -> None:
    """Issue 13: escape on "Also delete the output files?" was "no", which deleted the record."""
    session, files, own = processed
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await cursor_to(pilot, session.session_id)
        await pilot.press("d")
        await screen_is(pilot, ConfirmScreen)
        await pilot.press("y")
        await until(
            pilot,
            lambda: isinstance(app.screen, ConfirmScreen) and "output file" in text_of(app.screen, "#question"),
            "the second question",
        )
        await pilot.press("escape")
        await home(pilot)
        assert session.session_id in shown(app)
    assert exists(session.session_id)
    assert FileRegistry.select().where(FileRegistry.session == session.session_id).count() == len(files)
    assert all(f.is_file() for f in files)


async def test_delete_with_its_outputs(processed: tuple[ProcessingState, list[Path], Path]) -> None:
    session, files, own = processed
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await delete_processed(pilot, session.session_id, delete_files=True)
        assert f"Deleted Evening Tide and {len(files)} output file(s)" in notices(app)
    assert not exists(session.session_id)
    assert not any(f.exists() for f in files)
    assert own.is_file(), "files vat did not make stay"
    assert not (own.parent / "checksums.sha256").exists(), "the outputs' sums go with them"
    assert not (own.parent / "clips").exists(), "folders left empty go"
    assert Path(session.master_path).is_file()


async def test_a_running_session_cannot_be_deleted(db: peewee.SqliteDatabase, master: Path, tmp_path: Path) -> None:
    session = detected_session(master, tmp_path / "out", "Busy Now")
    update(session.session_id, status="processing", total_operations=4, completed_operations=1)
    lock = SessionLock(session.session_id).acquire()  # as the detached worker holds it while it runs
    try:
        app = create_app(cursor_blink=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await home(pilot)
            assert shown(app)[session.session_id][1:3] == ["running", "25%"]
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, SessionsScreen), "not even asked"
            assert any("This session is running" in n for n in notices(app))
            assert session.session_id in shown(app)
    finally:
        lock.release()
    assert exists(session.session_id)


# --- the other screens ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, screen_class", [("n", NewSessionScreen), ("P", PresetsScreen), ("H", HistoryScreen), ("S", SettingsScreen)]
)
async def test_keys_open_the_other_screens(db: peewee.SqliteDatabase, key: str, screen_class: type[Screen]) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await home(pilot)
        await pilot.press(key)
        await screen_is(pilot, screen_class)
        await pilot.press("escape")
        await home(pilot)


async def test_question_mark_shows_the_keys_of_the_screen(db: peewee.SqliteDatabase) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await home(pilot)
        await pilot.press("question_mark")
        help_screen = await screen_is(pilot, HelpScreen)
        keys = static_text(help_screen.query_one("#help-screen-keys", Static))
        for description in ("New", "Open", "Delete", "Presets", "History", "Settings"):
            assert description in keys
        assert "Quit" in static_text(help_screen.query_one("#help-app-keys", Static))
        await pilot.press("escape")
        await home(pilot)


async def test_the_command_palette_lists_every_screen(db: peewee.SqliteDatabase) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await home(pilot)
        await pilot.press("ctrl+p")
        palette = await screen_is(pilot, CommandPalette)
        commands = palette.query_one(CommandList)
        titles = ("Sessions", "New session", "Presets", "History", "Settings", "Help")

        def listed() -> str:
            return "\n".join(str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count))

        await until(pilot, lambda: all(title in listed() for title in titles), "every screen in the palette")
        await pilot.press(*"histo", "enter")
        await screen_is(pilot, HistoryScreen)
