"""One set of keys everywhere (issue 13): every kind of list moves with the same keys (tables, the
setting pick list, the file browser, the help), the help and the palette show vat's own keys and
actions only, and the palette reaches the screen's actions (pause and resume included)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import peewee
import pytest
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Static

from core.pipeline.lock import SessionLock
from db.models import ProcessingState
from tests.tui_flows import new_session, screen_is, static_text, until
from tests.tui_screen_host import ScreenHost, cursor_to
from tui.app import create_app
from tui.screens.confirm import ConfirmScreen
from tui.screens.file_picker import FilePickerScreen, VideoTree
from tui.screens.help import HelpScreen
from tui.screens.home import SessionsScreen
from tui.screens.processing import ProcessingScreen
from tui.screens.setting_edit import ChoiceList, SettingEditDialog
from tui.screens.settings import SettingsScreen
from tui.widgets.vim_table import VimTable

# key, where the cursor must be after it, from row `start` of `count` rows with `page` rows a page; in
# an order where each key starts from a row it can move from (the first from the middle of the list)
MOVES: list[tuple[str, Callable[[int, int, int], int]]] = [
    ("j", lambda start, count, page: start + 1),
    ("k", lambda start, count, page: start - 1),
    ("down", lambda start, count, page: start + 1),
    ("up", lambda start, count, page: start - 1),
    ("ctrl+d", lambda start, count, page: min(count - 1, start + max(1, round(page / 2)))),
    ("ctrl+u", lambda start, count, page: max(0, start - max(1, round(page / 2)))),
    ("pagedown", lambda start, count, page: min(count - 1, start + page)),
    ("pageup", lambda start, count, page: max(0, start - page)),
    ("end", lambda start, count, page: count - 1),
    ("home", lambda start, count, page: 0),
    ("G", lambda start, count, page: count - 1),
]


def reached(position: Callable[[], tuple[int, int]], row: int) -> bool:
    return position()[0] == row


async def check_moves(pilot: Pilot, position: Callable[[], tuple[int, int]], page: Callable[[], int]) -> None:
    """From the middle of the list, each key in turn lands where the one set of keys says."""
    await pilot.press("home")
    count = position()[1]
    assert count > 4, "a list long enough to move in"
    for _ in range(count // 2):
        await pilot.press("j")
    assert position()[0] == count // 2
    for key, expected in MOVES:
        start, rows = position()[0], page()  # a page: the rows shown when the key is pressed
        await pilot.press(key)
        want = expected(start, count, rows)
        assert want != start, f"{key} from row {start} would not move: a check that cannot fail"
        await until(pilot, partial(reached, position, want), f"{key}: row {want}", timeout=5)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_a_table_moves_with_the_list_keys(db: peewee.SqliteDatabase) -> None:
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await screen_is(pilot, SettingsScreen)
        table = app.screen.query_one(VimTable)
        assert table.has_focus
        await check_moves(pilot, lambda: (table.cursor_row, table.row_count), table.nav_page_rows)


async def test_the_sessions_list_moves_with_the_list_keys(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    for i in range(8):
        new_session(cut_video, tmp_path / f"out{i}", f"Work {i}")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await screen_is(pilot, SessionsScreen)
        table = app.screen.query_one(VimTable)
        await until(pilot, lambda: table.row_count == 8, "the sessions listed")
        await check_moves(pilot, lambda: (table.cursor_row, table.row_count), table.nav_page_rows)
    assert ProcessingState.select().count() == 8


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_a_pick_list_moves_with_the_list_keys(db: peewee.SqliteDatabase) -> None:
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "ui_theme")  # an enumeration: a pick list of themes
        await pilot.press("enter")
        dialog = await screen_is(pilot, SettingEditDialog)
        picks = dialog.query_one(ChoiceList)
        assert picks.has_focus
        await check_moves(pilot, lambda: (picks.highlighted or 0, picks.option_count), picks.nav_page_rows)


async def test_the_file_browser_moves_with_the_list_keys(db: peewee.SqliteDatabase, tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"folder{i:02d}").mkdir()
    app = ScreenHost(lambda: FilePickerScreen(str(tmp_path), folders=True))
    async with app.run_test(size=(80, 24)) as pilot:
        browser = await screen_is(pilot, FilePickerScreen)
        tree = browser.query_one(VideoTree)
        await until(pilot, lambda: tree.last_line >= 30, "the folders listed")
        await check_moves(pilot, lambda: (tree.cursor_line, tree.last_line + 1), tree.nav_page_rows)


async def test_the_help_scrolls_with_the_list_keys(db: peewee.SqliteDatabase) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 12)) as pilot:  # short: the help scrolls
        await screen_is(pilot, SessionsScreen)
        await pilot.press("question_mark")
        help_screen = await screen_is(pilot, HelpScreen)
        scroll = help_screen.query_one("#help")
        assert scroll.max_scroll_y > 4
        await pilot.press("G")
        await until(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y, "the end of the help")
        await pilot.press("home")
        await until(pilot, lambda: scroll.scroll_y == 0, "the top of the help")
        await pilot.press("j", "j")
        await until(pilot, lambda: scroll.scroll_y == 2, "two lines down")


async def test_help_lists_vats_keys_only(db: peewee.SqliteDatabase) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await screen_is(pilot, SessionsScreen)
        await pilot.press("question_mark")
        help_screen = await screen_is(pilot, HelpScreen)
        keys = static_text(help_screen.query_one("#help-screen-keys", Static), width=100)
        for textual_own in ("Copy", "Focus", "Cursor up", "Scroll", "Select", "Top", "Bottom"):
            assert textual_own not in keys, f"{textual_own!r} is Textual's, not vat's:\n{keys}"
        assert "Move: j/k" in keys and "ctrl+d/ctrl+u half page" in keys
        assert keys.count("Move") == 1, "the list keys are one line"
        for vats in ("New", "Open", "Delete", "Presets"):
            assert vats in keys


def palette_titles(palette: CommandPalette) -> list[str]:
    commands = palette.query_one(CommandList)
    return [str(commands.get_option_at_index(i).prompt).split("\n")[0] for i in range(commands.option_count)]


async def test_the_palette_lists_vats_actions_only(db: peewee.SqliteDatabase) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await screen_is(pilot, SessionsScreen)
        await pilot.press("ctrl+p")
        palette = await screen_is(pilot, CommandPalette)
        await until(pilot, lambda: "Delete" in palette_titles(palette), "the screen's actions")
        titles = palette_titles(palette)
        for textual_own in ("Keys", "Maximize", "Minimize", "Screenshot", "Quit the application"):
            assert not any(t.startswith(textual_own) for t in titles), f"{textual_own} listed: {titles}"
        assert "Theme" in titles  # kept: the theme chosen there is vat's ui_theme setting


@pytest.mark.parametrize("size", [(80, 24)])
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_palette_reaches_pause_and_resume(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    """The palette offers what the footer offers: Resume while nothing runs, Pause while a worker holds
    the session (the lock held here as the detached worker holds it), and runs it."""
    session = new_session(cut_video, tmp_path / "out", "Pausable")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=size) as pilot:
        await screen_is(pilot, SessionsScreen)
        app.push_screen(ProcessingScreen(session.session_id))
        screen = await screen_is(pilot, ProcessingScreen)
        await until(pilot, lambda: screen.last_state is not None, "the first poll")
        await pilot.press("ctrl+p")
        palette = await screen_is(pilot, CommandPalette)
        await until(pilot, lambda: "Resume" in palette_titles(palette), "Resume in the palette")
        assert "Pause" not in palette_titles(palette), "nothing runs: nothing to pause"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "the palette closed")
        with SessionLock(session.session_id):
            await until(pilot, lambda: screen.last_state is not None and screen.last_state[1], "the worker seen")
            await pilot.press("ctrl+p")
            palette = await screen_is(pilot, CommandPalette)
            await until(pilot, lambda: "Pause" in palette_titles(palette), "Pause in the palette")
            assert "Resume" not in palette_titles(palette), "it runs: nothing to resume"
            await pilot.press(*"pause", "enter")
            question = await screen_is(pilot, ConfirmScreen)
            assert "Pause processing now?" in static_text(question.query_one("#question", Static))
            await pilot.press("escape")  # escape cancels: nothing paused
            await until(pilot, lambda: app.screen is screen, "back on Processing")
    assert stored_status(session.session_id) != "paused"


def stored_status(session_id: str) -> str:
    return str(ProcessingState.get(ProcessingState.session_id == session_id).status)
