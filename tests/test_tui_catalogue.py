"""The catalogue in the TUI, with the real app and database, at 80x24, keyboard only: the Catalogue
screen (from Sessions, History and the command palette) searches, shows the stills of the
highlighted match as pictures and opens the project; a project's tags and ids are edited from its
history detail; the picker's e edits a scene's credits and tags."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest
from PIL import Image
from textual.pilot import Pilot

from core.catalogue.external_ids import ids_of
from core.catalogue.tags import add_tags, tags_of
from db.fields import utc_days_ago
from db.models import FileRegistry, ProcessingState, ProjectHistory
from tests.catalogue_rows import outputs, project
from tests.picker_flows import copied_master, copied_session, open_picker
from tests.tui_flows import screen_is, stored, type_into, until
from tui.app import create_app
from tui.screens.catalogue import CatalogueScreen
from tui.screens.history import HistoryScreen
from tui.screens.history_detail import HistoryDetailScreen
from tui.screens.picker import PickerScreen
from tui.screens.project_labels import ProjectLabelsScreen
from tui.screens.scene_texts import SceneTextsScreen
from tui.widgets.picture import Picture
from tui.widgets.vim_table import VimTable

pytestmark = pytest.mark.backends(slow=True)  # each test on SQLite and on PostgreSQL, its PostgreSQL run slow


@pytest.fixture
def collection(db: peewee.SqliteDatabase, tmp_path: Path) -> None:
    """Two completed projects; Harbour's web stills are real pictures on disk, of three colours."""
    for sid, artwork, day, days_ago in (("S1", "Sunrise Over Water", "26-03-14", 1), ("S2", "Harbour", "25-11-02", 5)):
        session = project(sid, artwork, day, out=str(tmp_path / "archive"))
        outputs(session)
        ProjectHistory.create(
            session=sid, artwork_name=artwork, project_date=day, output_path=session.output_path,
            master_filename=f"{artwork}.mov", completed_successfully=True, completed_at=utc_days_ago(days_ago),
        )  # fmt: skip
    add_tags("S1", ["artist:Jane Doe"])
    add_tags("S2", ["theme:birds"], scene_start_frame=25)
    colours = iter(((200, 40, 40), (40, 200, 40), (40, 40, 200)))
    for row in FileRegistry.select().where((FileRegistry.session == "S2") & (FileRegistry.file_type == "still_web")):
        Path(row.file_path).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (160, 90), next(colours)).save(row.file_path)


def rows(screen: CatalogueScreen) -> list[str]:
    table = screen.query_one(VimTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def search(pilot: Pilot, screen: CatalogueScreen, line: str) -> None:
    await type_into(pilot, "catalogue-input", line)
    await pilot.press("enter")
    await until(pilot, lambda: str(screen.query_one("#catalogue-status").render()) != "", "the search's count")


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_catalogue_searches_shows_the_stills_and_opens_the_project(collection: None) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: pilot.app.screen.query("#sessions"), "the sessions list")
        await pilot.press("C")
        screen = await screen_is(pilot, CatalogueScreen)
        await until(pilot, lambda: rows(screen) == ["Sunrise Over Water", "Harbour"], "every project, listed")
        await search(pilot, screen, "tag:birds kind:still_web")
        await until(pilot, lambda: rows(screen) == ["Harbour"], "the project of the tagged scene")
        assert "1 project, 1 output" in str(screen.query_one("#catalogue-status").render())
        await search(pilot, screen, "harbour web")
        assert screen.focused is screen.query_one(VimTable)  # enter in the field goes to the list
        pictures = list(screen.query(Picture))
        await until(pilot, lambda: all(p.image is not None for p in pictures[:3]), "the three stills, read")
        assert [p.image.getpixel((5, 5)) if p.image else None for p in pictures[:3]] == [
            (200, 40, 40),
            (40, 200, 40),
            (40, 40, 200),
        ]
        assert pictures[3].image is None  # three stills matched, the fourth picture stays empty
        assert all(p.region.right <= 80 and p.region.bottom <= 24 for p in pictures)
        await search(pilot, screen, "kind:poster")
        assert "--kind 'poster'" in str(screen.query_one("#catalogue-status").render())
        await search(pilot, screen, "jane")
        await until(pilot, lambda: rows(screen) == ["Sunrise Over Water"], "the tagged project")
        await pilot.press("enter")
        detail = await screen_is(pilot, HistoryDetailScreen)
        assert detail.project.session_id == "S1"


async def test_catalogue_is_reached_from_history_and_the_palette(collection: None) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: pilot.app.screen.query("#sessions"), "the sessions list")
        await pilot.press("H")
        await screen_is(pilot, HistoryScreen)
        await pilot.press("C")
        await screen_is(pilot, CatalogueScreen)
        await pilot.press("escape")
        await screen_is(pilot, HistoryScreen)
        assert "Catalogue" in [c.title for c in app.get_system_commands(app.screen)]


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_a_projects_tags_and_ids_are_edited_from_its_detail(collection: None) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: pilot.app.screen.query("#sessions"), "the sessions list")
        await pilot.press("H")
        await screen_is(pilot, HistoryScreen)
        await pilot.press("enter")  # the newest: Sunrise Over Water
        assert (await screen_is(pilot, HistoryDetailScreen)).project.session_id == "S1"
        await pilot.press("l")
        dialog = await screen_is(pilot, ProjectLabelsScreen)
        assert dialog.query_one("#labels").region.bottom <= 24
        await type_into(pilot, "labels-tags", "artist:Jane Doe, series:")
        assert "empty" in str(dialog.query_one("#labels-error").render())
        await pilot.press("enter")
        assert isinstance(app.screen, ProjectLabelsScreen)  # refused: nothing saved
        await type_into(pilot, "labels-tags", "artist:Jane Doe, series:Coast")
        await type_into(pilot, "labels-ids", "INV-2024-001")
        await pilot.press("enter")
        detail = await screen_is(pilot, HistoryDetailScreen)
        assert "series:Coast" in str(detail.query_one("#project-summary").render())
    assert tags_of("S1") == ["artist:Jane Doe", "series:Coast"]
    assert ids_of("S1") == ["inventory:INV-2024-001"]


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_e_in_the_picker_edits_a_scenes_credits_and_tags(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    session: ProcessingState = copied_session(cut_video, tmp_path)
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_picker(pilot)
        await pilot.press("down")  # scene 2
        await pilot.press("e")
        dialog = await screen_is(pilot, SceneTextsScreen)
        box = dialog.query_one("#texts").region
        assert box.right <= 80 and box.bottom <= 24  # the whole dialog fits 80x24
        await type_into(pilot, "texts-credits", "camera: Ann Lee")
        await type_into(pilot, "texts-tags", "theme:birds, night")
        await pilot.press("enter")
        await screen_is(pilot, PickerScreen)
    record = next(r for r in stored(session.session_id).scenes_data if r["index"] == 2)
    assert record["credits"] == "camera: Ann Lee"
    assert tags_of(session.session_id, record["start_frame"]) == ["theme:birds", "night"]
    assert tags_of(session.session_id) == []  # the scene's, not the project's


@pytest.mark.slow  # the form starts a real detection: make test-fast stays under 3 minutes
async def test_the_new_session_form_stores_its_tags_and_inventory_number(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    from tests.test_tui_new_session import open_form
    from tui.screens.new_session import NewSessionScreen

    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        form: NewSessionScreen = await open_form(pilot)
        values = {
            "master": str(copied_master(cut_video, tmp_path)),
            "artwork": "Morning Light",
            "date": "25-03-10",
            "output": str(tmp_path / "out"),
            "tags": "artist:Jane Doe, year:",
            "inventory": "INV-2024-001",
        }
        for name, value in values.items():
            await type_into(pilot, name, value)
        await until(pilot, lambda: "empty" in str(form.query_one("#error-tags").render()), "the bad tag, said")
        await type_into(pilot, "tags", "artist:Jane Doe, year:2024, night")
        await pilot.press("ctrl+s")
        await screen_is(pilot, PickerScreen)
    (session,) = ProcessingState.select()
    assert tags_of(session.session_id) == ["artist:Jane Doe", "year:2024", "night"]
    assert ids_of(session.session_id) == ["inventory:INV-2024-001"]
