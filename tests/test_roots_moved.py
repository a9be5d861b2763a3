"""An archive moved to another path and verified through a mapping (issue 14): a real session archived
under a storage root, its folder moved (shutil.move); `vat verify` finds its files missing until the
root is given its new path, then all ok; History shows the new folder; a paused session resumes into
the new place and skips what is there; another machine resolves to its own path; `vat roots check`
names what is unreachable.

One real `vat run` per module; each test works on its own copy (folder and database, paths moved)."""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

import peewee
import pytest

from tests.archive_copy import archive_copy, raw_connection
from tests.helpers import json_events, start_vat, vat
from tests.test_resume import read_until

DATE, ARTWORK = "26-11-30", "Moved"
# measured among the longest (a real run per module, then each test on it): make test runs them,
# test-fast stays under 3 minutes
pytestmark = [pytest.mark.slow, pytest.mark.backends]  # each test on SQLite and on PostgreSQL


ARGS = ["--artwork", ARTWORK, "--date", DATE, "--scenes", "1,2", "--workers", "1"]
PROJECT = f"{DATE}_{ARTWORK}"


@pytest.fixture(scope="module")
def archived(cut_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A base folder: the archive a/archive (the master in it, under the root NAS added before the run,
    the project folder beside it) and the database state.db."""
    base = tmp_path_factory.mktemp("roots_base")
    archive = base / "a" / "archive"
    archive.mkdir(parents=True)
    shutil.copy(cut_video, archive / "master.mp4")
    vat("--db", base / "state.db", "roots", "add", "NAS", archive, check=True)
    vat("--db", base / "state.db", "run", archive / "master.mp4", "--out", archive, *ARGS, check=True)
    return base


@pytest.fixture
def base(archived: Path, tmp_path: Path, db_path: Path) -> Path:
    """This test's copy of the base folder, its database being this test's ($VAT_DB)."""
    return archive_copy(archived, tmp_path, db_path)


def verified() -> tuple[int, dict, list[str]]:
    done = vat("verify", "--json")
    document = json.loads(done.stdout)
    paths = [f["path"] for p in document["projects"] for f in p["files"]]
    return done.returncode, document["summary"], paths


def files_in(folder: Path) -> dict[str, int]:
    """relative path -> mtime (ns) of every file (a file made again has another time)."""
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("when", ["before", "after"])
def test_an_archive_moved_to_another_path_verifies_through_its_root(base: Path, when: str) -> None:
    old, new = base / "a" / "archive", base / "b" / "archive"
    if when == "after":  # the root is added to sessions written without one: it covers them at once
        with raw_connection() as con:
            con.execute("DELETE FROM root_paths")
            con.execute("DELETE FROM roots")
        con.close()
        assert "root NAS on" in vat("roots", "add", "NAS", old, check=True).stdout
    code, before, _ = verified()
    assert code == 0 and before["ok"] == before["files"] > 5

    new.parent.mkdir()
    shutil.move(old, new)
    code, summary, _ = verified()
    assert code == 1 and summary["missing"] == before["files"] and summary["ok"] == 0

    moved = vat("roots", "add", "NAS", new, check=True)
    assert f"{old} -> {new}" in moved.stdout
    code, summary, paths = verified()
    assert code == 0 and summary["ok"] == before["files"]
    assert all(Path(p).is_relative_to(new) for p in paths)
    assert not old.exists()  # nothing was written where the archive was
    by_old_name = vat("verify", old / PROJECT)  # the folder named as it was: found where it is now
    assert by_old_name.returncode == 0 and f"session {PROJECT}_" in by_old_name.stdout
    shown = json.loads(vat("roots", "list", "--json", check=True).stdout)
    [root] = shown["roots"]
    assert root["path_here"] == str(new)
    assert [(p["path"], p["current"]) for p in root["paths"]] == [(str(new), True), (str(old), False)]


async def test_history_shows_the_folder_where_it_is_now(base: Path, db: peewee.SqliteDatabase) -> None:
    from core.catalogue import roots
    from db.models import ProjectHistory
    from tests.tui_screen_host import ScreenHost
    from tui.screens.history_detail import HistoryDetailScreen
    from tui.widgets.vim_table import VimTable

    old, new = base / "a" / "archive", base / "b" / "archive"
    new.parent.mkdir()
    shutil.move(old, new)
    roots.add("NAS", new)
    project = ProjectHistory.get()
    assert project.output_path == str(old / PROJECT)  # what is stored stays as it was
    app = ScreenHost(lambda: HistoryDetailScreen(project.id))
    async with app.run_test(size=(160, 24)) as pilot:
        await pilot.pause()
        summary = str(app.screen.query_one("#project-summary").render())
        assert str(new / PROJECT) in summary.replace("\n", "")
        assert str(old) not in summary
        table = app.screen.query_one("#project-files-table", VimTable)
        shown = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert f"clips/{ARTWORK}_s001.mp4" in shown and not [s for s in shown if s.startswith("/")]


def test_the_listings_and_the_archived_master_name_the_folder_where_it_is_now(base: Path) -> None:
    old, new = base / "a" / "archive", base / "b" / "archive"
    new.parent.mkdir()
    shutil.move(old, new)
    vat("roots", "add", "NAS", new, check=True)
    [project] = json.loads(vat("history", "--json", check=True).stdout)
    [session] = json.loads(vat("sessions", "--json", check=True).stdout)
    assert project["output_path"] == session["output_path"] == str(new / PROJECT)
    table = vat("history", check=True).stdout + vat("sessions", check=True).stdout
    assert str(old) not in table and str(new / PROJECT) in table

    skipped = vat("run", new / "master.mp4", "--out", new, *ARGS, "--skip-archived", "--json")
    assert skipped.returncode == 0, skipped.stderr
    [result] = [e for e in json_events(skipped.stdout) if e.get("status") == "skipped"]
    assert result["path"] == str(new / PROJECT) and f"in {new / PROJECT}, session" in result["text"]
    assert str(old) not in skipped.stdout


def test_a_master_archived_three_times_is_warned_of_once(base: Path, tmp_path: Path) -> None:
    """One line naming the latest archive and how many came before, not one line per archive."""
    with raw_connection() as con:  # two more archives of the same master
        for n in (2, 3):
            for table in ("processing_state", "file_registry"):  # the session, and one output of it
                columns = [c[0] for c in con.execute(f"SELECT * FROM {table} WHERE 1 = 0").description]  # noqa: S608
                copied = ", ".join(c for c in columns if c not in ("id", "session_id"))
                con.execute(
                    f"INSERT INTO {table} (session_id, {copied}) "  # noqa: S608
                    f"SELECT session_id || '_{n}', {copied} FROM {table} WHERE id = (SELECT min(id) FROM {table})"
                )
    con.close()
    done = vat("run", base / "a" / "archive" / "master.mp4", "--out", tmp_path / "out", *ARGS[:4], "--scenes", "pick")
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    warnings = [line for line in said.splitlines() if "already archived" in line]
    assert len(warnings) == 1, said
    [session] = [row for row in json.loads(vat("sessions", "--json").stdout) if row["session_id"].endswith("_3")]
    assert f"session {session['session_id']} (completed) (and 2 earlier)" in warnings[0]


def test_another_machine_resolves_to_its_own_path(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new, theirs = base / "a" / "archive", base / "b" / "archive", base / "c" / "nas"
    new.parent.mkdir()
    shutil.move(old, new)
    vat("roots", "add", "NAS", new, check=True)
    shutil.copytree(new, theirs)  # the same archive, as the other machine mounts it
    monkeypatch.setenv("VAT_HOST", "other")
    assert "root NAS on other" in vat("roots", "add", "NAS", theirs, check=True).stdout
    code, summary, paths = verified()
    assert code == 0 and summary["ok"] == len(paths) > 5
    assert all(Path(p).is_relative_to(theirs) for p in paths)
    monkeypatch.delenv("VAT_HOST")
    code, _, paths = verified()
    assert code == 0 and all(Path(p).is_relative_to(new) for p in paths)


def test_roots_check_names_what_is_unreachable(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = base / "a" / "archive", base / "b" / "archive"
    assert vat("roots", "check").returncode == 0
    new.parent.mkdir()
    shutil.move(old, new)
    gone = vat("roots", "check")
    assert gone.returncode == 1 and f"NAS: {old}: not found" in gone.stdout
    vat("roots", "add", "NAS", new, check=True)
    assert vat("roots", "check").returncode == 0
    monkeypatch.setenv("VAT_HOST", "third")  # a machine that does not mount it, with a session under it
    elsewhere = json.loads(vat("roots", "check", "--json").stdout)
    [root] = elsewhere["roots"]
    assert elsewhere["exit_code"] == 1 and root["path"] is None and len(root["sessions"]) == 1
    assert root["files"] > 5 and "no path on this machine (third)" in root["problem"]


@pytest.mark.slow  # a master processed, paused, moved and resumed: about 8 s
def test_a_paused_session_resumes_into_the_new_place(cut_video: Path, tmp_path: Path) -> None:
    old, new = tmp_path / "a" / "archive", tmp_path / "b" / "archive"
    old.mkdir(parents=True)
    shutil.copy(cut_video, old / "master.mp4")  # the master lives under the root too: it moves with it
    vat("roots", "add", "NAS", old, check=True)
    proc = start_vat("run", old / "master.mp4", "--out", old, *ARGS, "--json")
    events = read_until(proc, lambda ev: any(e["event"] == "start" and e["key"].startswith("clip:") for e in ev))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    made = [e["key"] for e in events if e["event"] == "done"]
    assert made
    session = json.loads(vat("sessions", "--json", check=True).stdout)[0]
    assert session["status"] == "paused"

    new.parent.mkdir()
    shutil.move(old, new)
    before = files_in(new)
    vat("roots", "add", "NAS", new, check=True)
    resumed = vat("resume", session["session_id"], "--json")
    assert resumed.returncode == 0, resumed.stderr
    after = json_events(resumed.stdout)
    assert sorted(e["key"] for e in after if e["event"] == "skipped") == sorted(made)
    outputs = [Path(e["output"]) for e in after if e["event"] == "done"]
    assert outputs and all(p.is_relative_to(new / PROJECT) for p in outputs)
    now = files_in(new)
    kept = {name: t for name, t in before.items() if name.startswith(PROJECT) and not name.endswith(".txt")}
    for name in [n for n in kept if "/stills/" in n]:  # made before the pause, and not again
        assert now[name] == kept[name], f"{name} was made again"
    assert not old.exists()
    code, summary, paths = verified()
    assert code == 0 and summary["ok"] == len(paths) and all(Path(p).is_relative_to(new) for p in paths)


def test_a_repair_after_the_move_makes_the_file_where_the_archive_is_now(base: Path) -> None:
    old, new = base / "a" / "archive", base / "b" / "archive"
    new.parent.mkdir()
    shutil.move(old, new)
    vat("roots", "add", "NAS", new, check=True)
    still = new / PROJECT / "stills" / "hq" / f"{ARTWORK}_s002_hq.png"
    still.unlink()
    code, summary, _ = verified()
    assert code == 1 and summary["missing"] == 1
    repaired = vat("verify", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert still.is_file() and not old.exists()
    code, summary, paths = verified()
    assert code == 0 and summary["ok"] == len(paths)
    with raw_connection() as con:  # one row per file: the one made again moved with it
        rows = dict(con.execute("SELECT file_path, count(*) FROM file_registry GROUP BY file_path").fetchall())
    con.close()
    assert len(rows) == len(paths) and rows.get(str(still)) == 1
    remade = {str(still), str(new / PROJECT / "manifest.json")}  # the manifest lists the still's SHA-256
    assert {p for p in rows if not p.startswith(str(old))} == remade  # the others' rows are as stored


def test_a_pack_after_the_move_is_made_from_where_the_archive_is_now(base: Path) -> None:
    old, new = base / "a" / "archive", base / "b" / "archive"
    new.parent.mkdir()
    shutil.move(old, new)
    assert vat("pack", old / PROJECT).returncode != 0  # unmapped: the folder named is not there
    vat("roots", "add", "NAS", new, check=True)
    done = vat("pack", old / PROJECT, "--kinds", "still_web", "--json")  # named as it was: found where it is
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert Path(result["path"]).parent == new / PROJECT / "packs" and not old.exists()
    code, summary, paths = verified()  # the pack is checked with the rest
    assert code == 0 and any(p.endswith(".zip") for p in paths)
