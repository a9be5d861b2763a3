"""Statistics beyond 30 days (core/catalogue/statistics.py, `vat stats`, the Statistics screen): real
history rows across several months, live and archived, with tags and registered outputs; every
expected figure is summed here from the rows the test made."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import peewee
import pytest
from textual.widgets import TabbedContent

from core.catalogue.statistics import statistics
from core.catalogue.tags import add_tags
from db.models import FileRegistry, ProcessingState, ProjectHistory, ProjectHistoryArchive
from tests.helpers import vat
from tests.tui_screen_host import ScreenHost, cells
from tui.display import seconds_text
from tui.screens.history import HistoryScreen
from tui.screens.statistics import StatisticsScreen
from tui.widgets.vim_table import VimTable

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL


@dataclass
class Project:
    session_id: str
    completed_at: str
    preset: str
    outputs: int
    size_mb: float
    seconds: float
    master_mb: float
    tags: list[str] = field(default_factory=list)
    files: dict[str, list[int]] = field(default_factory=dict)  # kind -> sizes in bytes
    archived: bool = False
    successful: bool = True
    master_bytes: int | None = None  # as recorded when the session was created (process_metadata)

    @property
    def bytes(self) -> int:
        """Exact: its registered outputs' bytes; the history's megabytes only where none is registered."""
        return sum(s for sizes in self.files.values() for s in sizes) if self.files else round(self.size_mb * 1e6)

    @property
    def master(self) -> int:
        return self.master_bytes if self.master_bytes is not None else round(self.master_mb * 1e6)


PROJECTS = [
    Project("jan1", "2025-01-05 10:00:00", "webflow_standard", 12, 40.5, 61.0, 900.0, ["artist:Ana", "night"],
            {"clip": [6_000_000, 4_000_000], "still_web": [300_000], "master": [900_000_000]}, archived=True),
    Project("jan2", "2025-01-28 23:59:00", "archive_hq", 8, 10.25, 30.5, 120.0, ["artist:Ana"],
            {"clip": [2_000_000], "still_hq": [1_500_000], "manifest": [9_000]}),
    Project("mar1", "2025-03-14 08:00:00", "webflow_standard", 20, 75.0, 140.0, 2000.0, ["series:Tides"],
            {"clip": [30_000_000], "still_web": [200_000, 250_000], "rd_image": [400_000]}, successful=False),
    Project("jun1", "2025-06-01 00:00:00", "webflow_standard", 5, 0.15, 9.25, 50.123, [],
            {"thumbnail": [20_001, 30_003], "still_web": [100_007]}, master_bytes=50_123_457),
    # an older project: no registered outputs, no master size recorded (the history's megabytes stand in)
    Project("jun2", "2025-06-20 00:00:00", "archive_hq", 3, 1.234, 4.5, 7.5, [], {}, archived=True),
]  # fmt: skip


def add(p: Project) -> None:
    ProcessingState.create(
        session_id=p.session_id, artwork_name=p.session_id, project_date="25-01-01", master_path="/m/master.mov",
        output_path=f"/a/{p.session_id}", preset_id=p.preset, total_operations=1, status="completed",
        process_metadata={"master_size": p.master_bytes} if p.master_bytes else None,
    )  # fmt: skip
    model = ProjectHistoryArchive if p.archived else ProjectHistory
    extra = {"id": 1000 + PROJECTS.index(p)} if p.archived else {}
    model.create(
        session=p.session_id, artwork_name=p.session_id, project_date="25-01-01", output_path=f"/a/{p.session_id}",
        master_filename="m.mov", completed_at=p.completed_at, preset_used=p.preset, total_files_created=p.outputs,
        total_output_size_mb=p.size_mb, total_processing_time_seconds=p.seconds, master_size_mb=p.master_mb,
        completed_successfully=p.successful, **extra,
    )  # fmt: skip
    add_tags(p.session_id, p.tags)
    add_tags(p.session_id, ["scene-only"], scene_start_frame=0)  # a scene's tag: not the project's
    for kind, sizes in p.files.items():
        for n, size in enumerate(sizes):
            FileRegistry.create(
                session=p.session_id, file_path=f"/a/{p.session_id}/{kind}{n}", file_type=kind, file_category="x",
                file_size_bytes=size,
            )  # fmt: skip


@pytest.fixture
def history(db: peewee.SqliteDatabase) -> list[Project]:
    for p in PROJECTS:
        add(p)
    # a session still processing has no history row: it counts nowhere
    ProcessingState.create(
        session_id="busy", artwork_name="busy", project_date="25-01-01", master_path="/m/b.mov", output_path="/a/b",
        preset_id="webflow_standard", total_operations=1,
    )  # fmt: skip
    FileRegistry.create(session="busy", file_path="/a/b/c", file_type="clip", file_category="clips", file_size_bytes=7)
    return PROJECTS


def sums(projects: list[Project]) -> tuple[int, int, int, float]:
    return (
        len(projects),
        sum(p.outputs for p in projects),
        sum(p.bytes for p in projects),
        round(sum(p.seconds for p in projects), 2),
    )


def figures(row: object) -> tuple[int, int, int, float]:
    return (row.projects, row.outputs, row.bytes, row.seconds)  # type: ignore[attr-defined]


def test_per_month_preset_and_tag_from_live_and_archived_history(history: list[Project]) -> None:
    stats = statistics()
    assert stats.projects == len(history) and stats.successful == sum(p.successful for p in history)
    months = sorted({p.completed_at[:7] for p in history})
    assert [r.key for r in stats.by_month] == months
    for row in stats.by_month:
        assert figures(row) == sums([p for p in history if p.completed_at.startswith(row.key)]), row.key
    presets = {p.preset for p in history}
    assert {r.key for r in stats.by_preset} == presets
    for row in stats.by_preset:
        assert figures(row) == sums([p for p in history if p.preset == row.key]), row.key
    tags = {t for p in history for t in p.tags}
    assert {r.key for r in stats.by_tag} == tags  # the scene's tag is not a project's
    for row in stats.by_tag:
        assert figures(row) == sums([p for p in history if row.key in p.tags]), row.key
    assert stats.by_tag[0].key == "artist:Ana"  # the most projects first


def test_outputs_by_kind_and_the_compression_achieved(history: list[Project]) -> None:
    stats = statistics()
    kinds = sorted({k for p in history for k in p.files})
    assert [k.kind for k in stats.by_kind] == kinds  # "busy" has no history: its clip is not counted
    for row in stats.by_kind:
        sizes = [s for p in history for s in p.files.get(row.kind, [])]
        assert (row.count, row.bytes) == (len(sizes), sum(sizes)), row.kind
        makers = [p for p in history if row.kind in p.files]
        if row.kind in ("clip", "still_hq", "still_web", "thumbnail"):
            assert row.master_bytes == sum(p.master for p in makers), row.kind
            assert row.ratio == round(row.master_bytes / row.bytes, 4)
        else:  # the master copy, the records and R&D outputs are not made from the master's bytes
            assert row.master_bytes is None and row.ratio is None, row.kind
    records = ("master", "manifest")
    delivered = {p.session_id: sum(s for k, v in p.files.items() if k not in records for s in v) for p in history}
    assert stats.deliverable_bytes == sum(delivered.values())
    # the projects with a master and deliverables (jun2 has no registered deliverable to weigh)
    assert stats.master_bytes == sum(p.master for p in history if delivered[p.session_id])
    assert stats.ratio == round(stats.master_bytes / stats.deliverable_bytes, 4)


def test_since_keeps_the_later_projects(history: list[Project]) -> None:
    stats = statistics(date(2025, 1, 28))
    later = [p for p in history if p.completed_at >= "2025-01-28"]
    assert (stats.projects, stats.outputs, stats.bytes, stats.seconds) == sums(later)
    assert [r.key for r in stats.by_month] == ["2025-01", "2025-03", "2025-06"]


@pytest.mark.backends(slow=True)  # vat's own processes or the TUI: PostgreSQL's run is among the slow
def test_the_command_line_tables_and_json(history: list[Project]) -> None:
    done = vat("stats", "--json", check=True)
    document = json.loads(done.stdout)
    assert set(document) == {"since", "totals", "compression", "by_month", "by_preset", "by_tag", "by_kind"}
    assert document["totals"]["projects"] == len(history)
    assert set(document["by_month"][0]) == {"key", "projects", "outputs", "bytes", "seconds"}
    assert set(document["by_kind"][0]) == {"kind", "count", "bytes", "master_bytes", "ratio"}
    assert document["compression"]["ratio"] == statistics().ratio
    # exact bytes, not rounded to the kB (the text tables round): jun1's outputs and recorded master
    assert document["totals"]["bytes"] == sum(p.bytes for p in history) and document["totals"]["bytes"] % 1000
    june = next(row for row in document["by_month"] if row["key"] == "2025-06")
    assert june["bytes"] == 20_001 + 30_003 + 100_007 + 1_234_000
    assert document["compression"]["master_bytes"] == sum(p.master for p in history if p.files)
    assert document["compression"]["master_bytes"] % 1000 == 457

    only = json.loads(vat("stats", "--json", "--by", "tag", "--since", "2025-03-01", check=True).stdout)
    assert [t["key"] for t in only["by_tag"]] == ["series:Tides"] and "by_month" not in only

    text = vat("stats", check=True).stdout
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "By month" in text and "2025-03" in text and "artist:Ana" in text and "Overall" in text
    bad = vat("stats", "--since", "March")
    assert bad.returncode == 2 and "--since" in bad.stderr


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_statistics_screen_from_history_at_80x24(history: list[Project]) -> None:
    app = ScreenHost(HistoryScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, StatisticsScreen)
        await screen.workers.wait_for_complete()
        await pilot.pause()
        month = screen.query_one("#statistics-month-table", VimTable)
        assert screen.focused is month
        assert [cells(month.get_row_at(i))[0] for i in range(month.row_count)] == ["2025-01", "2025-03", "2025-06"]
        for key, tab in (("p", "preset"), ("t", "tag"), ("o", "kind")):
            await pilot.press(key)
            assert screen.query_one(TabbedContent).active == tab
            table = screen.query_one(f"#statistics-{tab}-table", VimTable)
            assert screen.focused is table and table.row_count > 0
        kinds = screen.query_one("#statistics-kind-table", VimTable)
        clip = next(cells(kinds.get_row_at(i)) for i in range(kinds.row_count) if str(kinds.get_row_at(i)[0]) == "clip")
        assert clip[1] == str(sum(len(p.files.get("clip", [])) for p in history))
        assert clip[4].endswith(":1")
        assert table.region.right <= 80 and table.region.bottom <= 24
        await pilot.press("escape")
        assert isinstance(app.screen, HistoryScreen)


@pytest.mark.backends(slow=True)  # vat's own processes or the TUI: PostgreSQL's run is among the slow
async def test_the_first_render_lines_the_figures_up_right_aligned_under_their_headers(history: list[Project]) -> None:
    """At first show (no key pressed): each figure's right edge is its header's, the keys' left edge theirs."""
    app = ScreenHost(StatisticsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await screen.workers.wait_for_complete()
        await pilot.pause()
        lines = [strip.text for strip in screen._compositor.render_strips()]
        head = next(line for line in lines if "Projects" in line and "Time" in line)
        row = next(line for line in lines if "2025-03" in line)
        assert head.index("Month") == row.index("2025-03")
        march = next(r for r in statistics().by_month if r.key == "2025-03")
        figures = {"Projects": str(march.projects), "Outputs": str(march.outputs), "Time": seconds_text(march.seconds)}
        for label, value in figures.items():
            end = head.index(label) + len(label)
            assert row[end - len(value) : end] == value, (label, head, row)
            assert row[end : end + 1] == " ", (label, head, row)
