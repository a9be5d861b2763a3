"""History screen and project detail: fixed history rows in a real database, real keys, snapshots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import peewee
import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Select, Static, TabbedContent

from db.fields import utc_days_ago
from db.models import FileRegistry, OperationLog, ProcessingState, ProjectHistory
from tests.tui_screen_host import ScreenHost, cells
from tui.history_filter import matches, project_day, since
from tui.screens.history import HistoryScreen, statistics_text
from tui.screens.history_detail import HistoryDetailScreen
from tui.widgets.vim_table import VimTable

SIZES = [(80, 24), (120, 40)]
TODAY = date(2025, 3, 20)  # the date filter's "today" in these tests
OUT = "/archive/25-03-10_Morning_Light"


def add_project(session_id: str, artwork: str, project_date: str, completed_at: str, **fields: Any) -> ProjectHistory:
    ProcessingState.create(
        session_id=session_id,
        artwork_name=artwork,
        project_date=project_date,
        master_path=f"/masters/{session_id}.mov",
        output_path="/archive",
        preset_id="webflow_standard",
        total_operations=10,
        status="completed",
    )
    values = dict(
        master_filename=f"{session_id}.mov",
        output_path=f"/archive/{project_date}_{artwork}",
        scenes_detected=8,
        scenes_exported=5,
        stills_created=10,
        clips_created=5,
        rd_files_processed=0,
        total_files_created=16,
        total_output_size_mb=120.5,
        compression_ratio=2.5,
        total_processing_time_seconds=95.0,
        average_fps_processed=140.0,
        preset_used="webflow_standard",
        encoder_used="x264",
        completed_successfully=True,
    )
    values.update(fields)
    return ProjectHistory.create(
        session=session_id, artwork_name=artwork, project_date=project_date, completed_at=completed_at, **values
    )


@pytest.fixture
def projects(db: peewee.SqliteDatabase) -> ProjectHistory:
    """Two projects finished within the last 30 days (they make the statistics), two long ago."""
    add_project(
        "recent1",
        "Harbour",
        "25-03-18",
        utc_days_ago(2),
        total_files_created=20,
        total_output_size_mb=300.0,
        total_processing_time_seconds=120.0,
        compression_ratio=3.0,
    )
    add_project(
        "recent2",
        "Morning Walk",
        "24-12-24",
        utc_days_ago(5),
        total_files_created=10,
        total_output_size_mb=100.0,
        total_processing_time_seconds=60.0,
        compression_ratio=2.0,
        completed_successfully=False,
    )
    light = add_project(
        "light",
        "Morning Light",
        "25-03-10",
        "2025-03-14 10:22:00",
        output_path=OUT,
        master_resolution="1920x1080",
        master_fps=25.0,
        master_codec="h264",
        master_duration=42.0,
        master_size_mb=88.0,
        rd_files_processed=1,
        completed_successfully=False,
        completion_notes="rd_video:sketch.mov: Invalid data found when processing input",
    )
    add_project("swim", "Night Swim", "25-02-01", "2025-02-02 18:00:00")

    files = [
        ("masters/Morning_Light.mov", "master", 88_000_000, "1920x1080"),
        ("stills/hq/Morning_Light_s001_hq.png", "still_hq", 2_400_000, "1920x1080"),
        ("stills/web/Morning_Light_s001_web.jpg", "still_web", 310_000, "1920x1080"),
        ("clips/Morning_Light_s001.mp4", "clip", 6_500_000, "1920x1080"),
        ("rd/images/sketch_01.jpg", "rd_image", 420_000, "1600x1200"),
    ]
    for path, kind, size, resolution in files:
        FileRegistry.create(
            session="light",
            file_path=f"{OUT}/{path}",
            file_type=kind,
            file_category=path.split("/")[0],
            file_size_bytes=size,
            resolution=resolution,
            verified=True,
        )
    operations = [
        ("master", "master_copy", "completed", 1.25, None),
        ("still_hq", "still_hq:s001", "completed", 0.4, None),
        ("still_web", "still_web:s001", "completed", 0.2, None),
        ("clip", "clip:s001", "completed", 3.75, None),
        ("rd_image", "rd_image:sketch_01.jpg", "completed", 0.3, None),
        ("rd_video", "rd_video:sketch.mov", "failed", 0.05, "Invalid data found when processing input"),
    ]
    for number, (kind, name, status, seconds, error) in enumerate(operations, start=1):
        OperationLog.create(
            session="light",
            operation_type=kind,
            operation_name=name,
            sequence_number=number,
            status=status,
            duration_seconds=seconds,
            error_details=error,
        )
    return light


def shown_artworks(screen: Screen) -> list[str]:
    table = screen.query_one("#history-table", VimTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def cursor_to(pilot: Pilot, artwork: str) -> None:
    table = pilot.app.screen.query_one("#history-table", VimTable)
    await pilot.press("home")
    for _ in range(table.row_count):
        if str(table.get_row_at(table.cursor_row)[1]) == artwork:
            return
        await pilot.press("j")
    raise AssertionError(f"{artwork} is not listed")


# --- the list ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_history_snapshot(snap_compare: Callable[..., bool], projects: ProjectHistory, size: tuple[int, int]) -> None:
    assert snap_compare(ScreenHost(lambda: HistoryScreen(today=TODAY)), terminal_size=size)


async def test_newest_first_with_the_30_day_statistics(projects: ProjectHistory) -> None:
    app = ScreenHost(lambda: HistoryScreen(today=TODAY))
    async with app.run_test(size=(80, 24)):
        screen = app.screen
        assert shown_artworks(screen) == ["Harbour", "Morning Walk", "Morning Light", "Night Swim"]
        stats = str(screen.query_one("#history-stats", Static).render())
        assert "2 projects (1 successful)" in stats and "30 files" in stats and "400.0 MB" in stats
        assert "1m30s" in stats and "2.5:1" in stats


async def test_search_filters_by_artwork_name_as_you_type(projects: ProjectHistory) -> None:
    app = ScreenHost(lambda: HistoryScreen(today=TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("slash", *"morn")
        assert shown_artworks(screen) == ["Morning Walk", "Morning Light"]
        await pilot.press(*"ing l")
        assert shown_artworks(screen) == ["Morning Light"]
        await pilot.press(*"xyz")
        assert shown_artworks(screen) == []
        assert screen.query_one("#history-table").border_title == "0 of 4 projects"
        await pilot.press("ctrl+a", "ctrl+k")
        assert len(shown_artworks(screen)) == 4


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_date_filter_keeps_recent_project_dates(projects: ProjectHistory) -> None:
    app = ScreenHost(lambda: HistoryScreen(today=TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("slash", "tab")  # search, then the period menu
        assert app.focused is screen.query_one("#history-period", Select)
        await pilot.press("enter", "down", "enter")  # All dates -> Last 7 days
        assert shown_artworks(screen) == ["Harbour"]
        await pilot.press("enter", "down", "enter")  # -> Last 30 days
        assert shown_artworks(screen) == ["Harbour", "Morning Light"]
        await pilot.press("shift+tab", *"light")  # both filters at once
        assert shown_artworks(screen) == ["Morning Light"]


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_enter_opens_the_project_with_its_files_timings_and_errors(projects: ProjectHistory) -> None:
    app = ScreenHost(lambda: HistoryScreen(today=TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"light", "enter")  # enter in the search goes to the list
        await pilot.press("enter")
        detail = app.screen
        assert isinstance(detail, HistoryDetailScreen)
        summary = str(detail.query_one("#project-summary", Static).render())
        assert "Morning Light" in summary and OUT in summary and "2025-03-14 10:22 UTC" in summary
        files = detail.query_one("#project-files-table", VimTable)
        assert files.row_count == 5
        assert cells(files.get_row_at(1)) == [
            "stills/hq/Morning_Light_s001_hq.png",
            "still_hq",
            "2.4 MB",
            "1920x1080",
            "yes",
            "not checked",
            "-",
            "",
        ]
        await pilot.press("t")
        assert detail.query_one(TabbedContent).active == "timings"
        timings = detail.query_one("#project-timings-table", VimTable)
        assert timings.row_count == 6
        assert cells(timings.get_row_at(3)) == ["4", "clip:s001", "clip", "completed", "3.75"]
        await pilot.press("e")
        errors = str(detail.query_one("#project-errors-text", Static).render())
        assert "rd_video:sketch.mov (failed): Invalid data found" in errors
        await pilot.press("escape")
        assert isinstance(app.screen, HistoryScreen)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_history_detail_snapshot(
    snap_compare: Callable[..., bool], projects: ProjectHistory, size: tuple[int, int]
) -> None:
    async def open_project(pilot: Pilot) -> None:
        await cursor_to(pilot, "Morning Light")
        await pilot.press("enter")

    assert snap_compare(ScreenHost(lambda: HistoryScreen(today=TODAY)), terminal_size=size, run_before=open_project)


async def test_names_with_brackets_are_shown_as_typed(projects: ProjectHistory) -> None:
    add_project("draft", "[draft] Study [/b]", "25-03-19", utc_days_ago(1))
    app = ScreenHost(lambda: HistoryScreen(today=TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        assert shown_artworks(app.screen)[0] == "[draft] Study [/b]"
        await pilot.press("enter")
        assert "[draft] Study [/b]" in str(app.screen.query_one("#project-summary", Static).render())


# --- the pure parts ---------------------------------------------------------------------------------------


def test_project_dates_and_periods() -> None:
    assert project_day("25-03-10") == date(2025, 3, 10)
    assert project_day("2025-03-10") == date(2025, 3, 10)
    assert project_day("March") is None and project_day(None) is None
    assert since(0, TODAY) is None
    assert since(7, TODAY) == date(2025, 3, 14)  # seven days including today
    assert matches("Morning Light", "25-03-14", "LIGHT", date(2025, 3, 14))
    assert not matches("Morning Light", "25-03-13", "", date(2025, 3, 14))
    assert not matches("Morning Light", "someday", "", date(2025, 3, 14))


def test_statistics_text_without_projects() -> None:
    assert statistics_text({"total_projects": 0}) == "Last 30 days: no completed projects."


# --- fixity and archived history ------------------------------------------------------------------------


def record_checks(states: dict[str, tuple[str, str | None]]) -> None:
    """A `vat verify` as it leaves the registry: each file (by its end) checked, with its state and detail."""
    for row in FileRegistry.select():
        for end, (state, detail) in states.items():
            if row.file_path.endswith(end):
                FileRegistry.update(check_state=state, checked_at="2025-03-19 08:30:00", check_detail=detail).where(
                    FileRegistry.id == row.id
                ).execute()


def footer_keys(screen: Screen) -> dict[str, bool]:
    """Each footer key's description, and whether it is within the screen's width (seen, not scrolled off)."""
    from textual.widgets._footer import FooterKey

    width = screen.size.width
    return {key.description: 0 < key.region.width and key.region.right <= width for key in screen.query(FooterKey)}


async def test_the_detail_shows_each_files_fixity_and_names_what_failed(projects: ProjectHistory) -> None:
    record_checks(
        {
            "Morning_Light.mov": ("ok", None),
            "s001_hq.png": ("modified", "SHA-256 differs from the registered one"),
            "s001.mp4": ("missing", "no such file"),
        }
    )
    app = ScreenHost(lambda: HistoryDetailScreen(projects.id))
    async with app.run_test(size=(80, 24)) as pilot:
        detail = app.screen
        summary = str(detail.query_one("#project-summary", Static).render())
        assert "Fixity 5 files: 1 ok, 1 missing, 1 modified, 2 not checked · last checked 2025-03-19 08:30 UTC" in (
            " ".join(summary.split())
        )
        files = detail.query_one("#project-files-table", VimTable)
        rows = {cells(files.get_row_at(i))[0]: cells(files.get_row_at(i))[5:] for i in range(files.row_count)}
        assert rows["masters/Morning_Light.mov"] == ["ok", "2025-03-19 08:30", ""]
        assert rows["stills/hq/Morning_Light_s001_hq.png"] == [
            "modified",
            "2025-03-19 08:30",
            "SHA-256 differs from the registered one",
        ]
        assert rows["clips/Morning_Light_s001.mp4"] == ["missing", "2025-03-19 08:30", "no such file"]
        assert rows["rd/images/sketch_01.jpg"] == ["not checked", "-", ""]
        await pilot.press("e")
        errors = str(detail.query_one("#project-errors-text", Static).render())
        assert "clips/Morning_Light_s001.mp4 (missing, checked 2025-03-19 08:30 UTC): no such file" in errors


async def test_f_keeps_the_projects_whose_last_check_failed(projects: ProjectHistory) -> None:
    app = ScreenHost(lambda: HistoryScreen(today=TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.pause()
        keys = footer_keys(screen)
        assert keys.get("Failed checks") and keys.get("Archived"), keys
        await pilot.press("f")
        assert shown_artworks(screen) == []  # nothing checked yet: nothing failed
        assert "0 of 4 projects · last check failed" in str(screen.query_one(VimTable).border_title)
        record_checks({"s001.mp4": ("corrupt", "decoding stopped at frame 12")})
        await pilot.press("r")
        assert shown_artworks(screen) == ["Morning Light"]
        await pilot.press("enter")
        assert isinstance(app.screen, HistoryDetailScreen)
        await pilot.press("escape")
        await pilot.press("f")
        assert len(shown_artworks(screen)) == 4
        record_checks({"s001.mp4": ("ok", None)})  # checked again and found right: no longer listed
        await pilot.press("f", "r")
        assert shown_artworks(screen) == []


async def test_an_unreadable_file_is_a_failed_check_shown_as_such(projects: ProjectHistory) -> None:
    """`vat verify` found a file there but unreadable (permissions, a failing disk): the project is among
    those whose last check failed, and the detail names the state and why."""
    record_checks({"sketch_01.jpg": ("unreadable", "cannot be read: Permission denied")})
    app = ScreenHost(lambda: HistoryScreen(today=TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.pause()
        await pilot.press("f")
        assert shown_artworks(screen) == ["Morning Light"]
        await pilot.press("enter")
        detail = app.screen
        assert isinstance(detail, HistoryDetailScreen)
        summary = " ".join(str(detail.query_one("#project-summary", Static).render()).split())
        assert "Fixity 5 files: 1 unreadable, 4 not checked" in summary
        await pilot.press("e")
        errors = str(detail.query_one("#project-errors-text", Static).render())
        assert (
            "rd/images/sketch_01.jpg (unreadable, checked 2025-03-19 08:30 UTC): cannot be read: Permission denied"
            in (errors)
        )


async def test_a_toggles_the_archived_history(projects: ProjectHistory) -> None:
    from db.maintenance import archive_history

    assert archive_history(days=30) == 2  # the two finished long ago
    app = ScreenHost(lambda: HistoryScreen(today=TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert sorted(shown_artworks(screen)) == ["Harbour", "Morning Walk"]
        await pilot.press("a")
        assert sorted(shown_artworks(screen)) == ["Morning Light", "Night Swim"]
        assert "2 of 2 archived projects" in str(screen.query_one(VimTable).border_title)
        await cursor_to(pilot, "Morning Light")
        await pilot.press("enter")
        detail = app.screen
        assert isinstance(detail, HistoryDetailScreen)
        assert OUT in str(detail.query_one("#project-summary", Static).render())
        assert detail.query_one("#project-files-table", VimTable).row_count == 5
        await pilot.press("escape")
        await pilot.press("a")
        assert sorted(shown_artworks(screen)) == ["Harbour", "Morning Walk"]
