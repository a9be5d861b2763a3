"""The Roots screen (Settings, r): each root's path on this machine and its state; a adds a root (the
same name again: it moved here), d removes one after a question; keyboard only, at 80x24."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest
from textual.widgets import Input

from core.catalogue import roots
from tests.tui_flows import screen_is, type_into, until
from tests.tui_screen_host import ScreenHost, cells, cursor_to
from tui.screens.confirm import ConfirmScreen
from tui.screens.roots import AddRootDialog, RootsScreen
from tui.screens.settings import SettingsScreen
from tui.widgets.vim_table import VimTable

pytestmark = pytest.mark.backends(slow=True)  # each test on SQLite and on PostgreSQL, its PostgreSQL run slow


@pytest.fixture(autouse=True)
def here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAT_HOST", "edit-box")


def rows(screen: RootsScreen) -> dict[str, list[str]]:
    table = screen.query_one(VimTable)
    return {str(key.value): cells(table.get_row(key)) for key in table.rows}


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_roots_are_added_moved_checked_and_removed_from_settings(
    db: peewee.SqliteDatabase, tmp_path: Path
) -> None:
    first, second, gone = tmp_path / "a", tmp_path / "b", tmp_path / "gone"
    for folder in (first, second, gone):
        folder.mkdir()
    roots.add("OLD", gone)
    gone.rmdir()  # unmounted since
    roots.add("FAR", "/srv/nas", host="render-box")  # another machine's only
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await screen_is(pilot, SettingsScreen)
        await pilot.press("r")
        screen = await screen_is(pilot, RootsScreen)
        await until(pilot, lambda: len(rows(screen)) == 2, "the roots checked")
        assert rows(screen)["OLD"][2].startswith("not found")
        assert rows(screen)["FAR"][1:] == ["-", "not mounted here"]

        await pilot.press("a")
        dialog = await screen_is(pilot, AddRootDialog)
        await type_into(pilot, "root-name", "bad name")
        await type_into(pilot, "root-path", str(first))
        await pilot.press("enter")
        assert "short identifier" in str(dialog.query_one("#root-error").render())
        await type_into(pilot, "root-name", "NAS")
        await type_into(pilot, "root-path", str(first))
        await pilot.press("enter")
        await screen_is(pilot, RootsScreen)
        await until(pilot, lambda: rows(screen).get("NAS") == ["NAS", str(first), "ok"], "NAS listed, ok")

        await pilot.press("a")
        await screen_is(pilot, AddRootDialog)
        await type_into(pilot, "root-name", "NAS")
        await type_into(pilot, "root-path", str(second))
        await pilot.press("enter")
        await screen_is(pilot, RootsScreen)
        await until(pilot, lambda: rows(screen)["NAS"][1] == str(second), "NAS moved")
        assert any("moved here" in notice for notice in app.notices)
        assert roots.resolve(first / "x.mp4") == second / "x.mp4"

        await cursor_to(pilot, "OLD")
        await pilot.press("d")
        await screen_is(pilot, ConfirmScreen)
        await pilot.press("y")
        await screen_is(pilot, RootsScreen)
        await until(pilot, lambda: "OLD" not in rows(screen), "OLD removed")
        assert [r.name for r in roots.list_roots()] == ["FAR", "NAS"]
        await pilot.press("escape")
        await screen_is(pilot, SettingsScreen)


async def test_the_add_root_dialog_shows_its_empty_fields_at_80x24(db: peewee.SqliteDatabase) -> None:
    """An empty field is seen before anything is typed into it: a border around it and what to type."""
    app = ScreenHost(RootsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await screen_is(pilot, RootsScreen)
        await pilot.press("a")
        dialog = await screen_is(pilot, AddRootDialog)
        box = dialog.query_one("#root-box").region
        assert box.bottom <= 24
        for field_id, example in (("root-name", "NAS"), ("root-path", "/mnt/nas/archive")):
            field = dialog.query_one(f"#{field_id}", Input)
            assert field.value == "" and field.region.height == 3 and box.contains_region(field.region)
            assert all(edge != "" for edge, _ in (field.styles.border_top, field.styles.border_bottom))
            assert field.styles.border_top[1] != field.styles.background  # the border is not the box's colour
            assert example in field.render_line(0).text  # the placeholder says what goes there
