"""`vat pack`: a delivery ZIP of a real processed session read back with matching checksums and
licence, registered and listed (CLI and the project's detail); a changed output refuses the pack and
leaves nothing; an unwritable -o is an environment error; `vat verify` checks packs.

One real `vat run` per module; each test works on its own copy (folder and database, paths moved)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from textual.widgets import TabbedContent

from tests.archive_copy import archive_copy
from tests.helpers import vat
from tests.tui_screen_host import ScreenHost, cells
from tui.widgets.vim_table import VimTable

# each test on SQLite and on PostgreSQL (the module's run copied into it), PostgreSQL's among the slow
pytestmark = pytest.mark.backends(slow=True)

DATE, ARTWORK, COPYRIGHT = "26-11-23", "Pack Work", "© Lumen Studio"
PROJECT = f"{DATE}_Pack_Work"


@pytest.fixture(scope="module")
def archived(cut_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Scenes 1, 2, 4 and 5, the last two as group g01 (scenes 4-5)."""
    base = tmp_path_factory.mktemp("pack_base")
    shutil.copy(cut_video, base / "master.mp4")
    args = ["--artwork", ARTWORK, "--date", DATE, "--scenes", "1,2,4,5", "--group", "4-5", "--workers", "2"]
    vat(
        "--db",
        base / "state.db",
        "run",
        base / "master.mp4",
        "--out",
        base / "out",
        *args,
        "--copyright",
        COPYRIGHT,
        check=True,
    )
    return base


@pytest.fixture
def project(archived: Path, tmp_path: Path, db_path: Path) -> Path:
    """This test's copy of the archive, known to this test's database ($VAT_DB); returns its root."""
    return archive_copy(archived, tmp_path, db_path) / "out" / PROJECT


def vat_here(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """The command line in this process (quicker than a child for many small calls): code, out, err."""
    from tui.cli.main import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def registry() -> dict[str, dict]:
    """path in the project folder -> the registered row's kind, size, SHA-256 and key."""
    from db.connection import open_database
    from db.models import FileRegistry, ProcessingState

    open_database()
    root = Path(ProcessingState.get().output_path)
    return {
        Path(r.file_path).relative_to(root).as_posix(): {
            "kind": r.file_type,
            "size": r.file_size_bytes,
            "sha256": (r.compression_settings or {}).get("sha256"),
            "key": (r.compression_settings or {}).get("key"),
        }
        for r in FileRegistry.select()
    }


def packs() -> list:
    from db.connection import open_database
    from db.models import Pack

    open_database()
    return list(Pack.select().order_by(Pack.id))


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_pack_reads_back_with_matching_checksums_and_licence(project: Path) -> None:
    done = vat("pack", project, "--units", "1,g01", "--kinds", "still_web,clip", "--licence", "CC-BY-4.0", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    zip_path = Path(result["path"])
    assert zip_path.parent == project / "packs" and zip_path.name.startswith("Pack_Work_") and zip_path.suffix == ".zip"

    registered = registry()
    # scene 1's web still and clip, the group's clip and its scenes' (4, 5) web stills: nothing else
    wanted = {
        p
        for p, r in registered.items()
        if r["key"] in ("still_web:s001", "clip:s001", "clip:g01", "still_web:s004", "still_web:s005")
    }
    assert len(wanted) == 5
    sheet = next(p for p, r in registered.items() if r["kind"] == "contact_sheet")
    with zipfile.ZipFile(zip_path) as zf:
        assert zf.testzip() is None
        names = set(zf.namelist())
        assert names == wanted | {sheet, "LICENSE.txt", "manifest.json"}
        manifest = json.loads(zf.read("manifest.json"))
        members = {name: zf.read(name) for name in names}
        stored = {i.filename: i.compress_type for i in zf.infolist()}
    assert manifest["artwork"] == ARTWORK and manifest["licence"] == "CC-BY-4.0"
    assert manifest["session"] == result["session_id"] and manifest["units"] == ["s001", "g01"]
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == names - {"manifest.json"}
    for name, entry in listed.items():
        assert entry["sha256"] == sha256(members[name]) and entry["size"] == len(members[name]), name
        if name in registered:  # every output and the contact sheet: the bytes the registry knows
            assert entry["sha256"] == registered[name]["sha256"] and entry["kind"] == registered[name]["kind"], name
    assert {listed[n]["unit"] for n in wanted} == {"s001", "g01", "s004", "s005"}
    # media stored as it is, text deflated
    assert {stored[n] for n in wanted | {sheet}} == {zipfile.ZIP_STORED}
    assert stored["LICENSE.txt"] == stored["manifest.json"] == zipfile.ZIP_DEFLATED
    licence = members["LICENSE.txt"].decode()
    assert "Creative Commons Attribution 4.0 International Public License" in licence
    assert "Section 8 -- Interpretation." in licence  # the full text, to its last section
    assert ARTWORK in licence and "Lumen Studio" in licence and "2026" in licence

    (row,) = packs()
    data = zip_path.read_bytes()
    assert (row.pack_path, row.size_bytes, row.sha256) == (str(zip_path), len(data), sha256(data))
    assert row.file_count == len(names) == result["file_count"]
    assert (row.licence, row.units, row.kinds) == ("CC-BY-4.0", ["s001", "g01"], ["still_web", "clip"])
    assert row.verified_at is not None
    assert os.listdir(project / "packs") == [zip_path.name]  # no temporary file left beside it

    listing = vat("pack", result["session_id"], "--list", "--json", check=True)
    assert [p["path"] for p in json.loads(listing.stdout)["packs"]] == [str(zip_path)]
    assert vat("verify", result["session_id"], "--deep").returncode == 0


def test_the_default_licence_reserves_rights_and_a_second_pack_gets_its_own_name(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = json.loads(vat_here(capsys, "pack", project, "--json")[1])
    second = json.loads(vat_here(capsys, "pack", project, "--json")[1])
    assert Path(second["path"]).name == Path(first["path"]).name.replace("_pack.zip", "_pack_2.zip")
    with zipfile.ZipFile(first["path"]) as zf:
        licence = zf.read("LICENSE.txt").decode()
        kinds = {e["kind"] for e in json.loads(zf.read("manifest.json"))["files"]}
    assert ARTWORK in licence and "Copyright © 2026 Lumen Studio. All rights reserved." in licence
    assert kinds == {"still_web", "clip", "contact_sheet", "licence"}  # the default kinds: web stills and clips
    assert first["licence"] == "all-rights-reserved" and first["units"] is None
    assert len(packs()) == 2


def test_a_changed_output_refuses_the_pack_and_leaves_nothing(project: Path) -> None:
    still = project / "stills" / "web" / "Pack_Work_s002_web.jpg"
    data = bytearray(still.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other bytes
    still.write_bytes(bytes(data))
    done = vat("pack", project)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and str(still) in done.stderr and "modified" in done.stderr
    assert not (project / "packs").exists() or not os.listdir(project / "packs")
    assert packs() == []


def test_an_unwritable_output_is_an_environment_error(project: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes through permissions: /proc refuses new files even to root
        folder = Path("/proc")
    else:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
    try:
        done = vat("pack", project, "-o", folder / "delivery.zip")
    finally:
        if folder.is_relative_to(tmp_path):
            folder.chmod(0o700)
    assert done.returncode == 3
    assert len(done.stderr.strip().splitlines()) == 1 and f"cannot write in {folder}: " in done.stderr
    assert "Traceback" not in done.stderr
    assert not [p for p in folder.iterdir() if "delivery" in p.name]
    assert packs() == []


def test_bad_choices_are_refused_in_one_line(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "dangling.zip").symlink_to(tmp_path / "nowhere.zip")
    (tmp_path / "kept.zip").write_bytes(b"someone else's")
    (tmp_path / "link.zip").symlink_to(tmp_path / "kept.zip")
    for args, named in (
        (["--units", "9"], "s009"),
        (["--units", "g02"], "g02"),
        (["--kinds", "still_web,poster"], "--kinds"),
        (["--licence", str(tmp_path / "none.txt")], "none.txt"),
        (["-o", str(project / "clips")], "is a folder"),
        (["--licence", str(project / "clips")], "is a folder, expected a licence text file"),
        (["-o", str(tmp_path / "delivery")], "not a .zip name"),
        (["-o", str(tmp_path / "dangling.zip")], "is a symbolic link"),
        (["-o", str(tmp_path / "link.zip")], "is a symbolic link"),
    ):
        code, _, err = vat_here(capsys, "pack", project, *args)
        assert code == 2, args
        assert named in err and len(err.strip().splitlines()) == 1, args
    assert packs() == [] and not (project / "packs").exists()
    # the links are left as they were: never replaced, nothing written through them
    assert (tmp_path / "dangling.zip").is_symlink() and not (tmp_path / "nowhere.zip").exists()
    assert (tmp_path / "kept.zip").read_bytes() == b"someone else's"


def test_a_licence_file_and_a_damaged_pack_found_by_verify(project: Path, tmp_path: Path) -> None:
    terms = tmp_path / "terms.txt"
    terms.write_text("Delivered to the Lumen Museum for its catalogue only.\n", encoding="utf-8")
    target = tmp_path / "delivery.zip"
    done = vat("pack", project, "--kinds", "still_hq", "--licence", terms, "-o", target, "--json", check=True)
    with zipfile.ZipFile(target) as zf:
        assert zf.read("LICENSE.txt").decode() == terms.read_text()
    assert json.loads(done.stdout)["licence"] == "terms.txt"
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))
    checked = vat("verify", "--json")
    assert checked.returncode == 1
    files = {f["path"]: f for p in json.loads(checked.stdout)["projects"] for f in p["files"]}
    assert files[str(target)]["state"] == "modified"


async def test_the_pack_is_listed_in_the_project_detail(project: Path) -> None:
    vat("pack", project, "--units", "2", "--licence", "CC-BY-4.0", check=True)
    from db.models import ProjectHistory
    from tui.screens.history_detail import HistoryDetailScreen

    (row,) = packs()
    history = ProjectHistory.get()
    app = ScreenHost(lambda: HistoryDetailScreen(history.id))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        assert app.screen.query_one(TabbedContent).active == "packs"
        table = app.screen.query_one("#project-packs-table", VimTable)
        assert app.screen.focused is table
        shown = cells(table.get_row_at(0))
        assert shown[:5] == [
            Path(row.pack_path).name,
            "ok",
            str(row.file_count),
            f"{row.size_bytes / 1000:.1f} kB",
            "CC-BY-4.0",
        ]
        assert shown[5] == f"{row.created_at:%Y-%m-%d %H:%M}"


def test_a_project_without_a_contact_sheet_gets_one_made(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A project made before contact sheets were (none registered): the pack draws one of its units."""
    from PIL import Image

    from db.connection import open_database
    from db.models import FileRegistry

    open_database()
    FileRegistry.delete().where(FileRegistry.file_type == "contact_sheet").execute()
    code, out, _ = vat_here(capsys, "pack", project, "--units", "1,2", "--json")
    assert code == 0
    result = json.loads(out)
    (sheet,) = [m for m in result["members"] if m["kind"] == "contact_sheet"]
    with zipfile.ZipFile(result["path"]) as zf:
        data = zf.read(sheet["path"])
    assert sha256(data) == sheet["sha256"]
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.width > 1000  # an A4 page at 150 dpi


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_pack_sent_away_is_forgotten_and_one_delivered_elsewhere_does_not_fail_verify(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inside = Path(json.loads(vat_here(capsys, "pack", project, "--json")[1])["path"])
    away = tmp_path / "press" / "delivery.zip"
    away.parent.mkdir()
    vat_here(capsys, "pack", project, "-o", away)
    session = packs()[0].session_id
    assert vat("verify", session).returncode == 0

    away.unlink()  # the delivery left the archive: not a failure
    listed = json.loads(vat_here(capsys, "pack", project, "--list", "--json")[1])["packs"]
    assert [(p["number"], p["path"], p["state"]) for p in listed] == [
        (1, str(inside), "ok"),
        (2, str(away), "delivered elsewhere"),
    ]
    done = vat("verify", session, "--json")
    assert done.returncode == 0, done.stdout
    (checked,) = json.loads(done.stdout)["projects"]
    assert checked["delivered_elsewhere"] == [str(away)] and str(away) not in {f["path"] for f in checked["files"]}
    assert json.loads(done.stdout)["summary"]["delivered_elsewhere"] == 1
    assert "delivered elsewhere" in vat("verify", session).stdout

    inside.unlink()  # the archive's own pack gone: a failure, which names the way out
    done = vat("verify", session)
    assert done.returncode == 1 and "--forget 1" in done.stdout, done.stdout

    for bad, why in (("3", "has 2 pack(s)"), ("other.zip", "no pack of session")):
        code, _, err = vat_here(capsys, "pack", project, "--forget", bad)
        assert code == 2 and why in err and len(err.strip().splitlines()) == 1, err
    code, out, _ = vat_here(capsys, "pack", project, "--forget", inside.name)
    assert code == 0 and f"forgot pack 1 of session {session}: {inside}" in out and "no longer there" in out
    assert [Path(r.pack_path) for r in packs()] == [away]
    assert vat("verify", session).returncode == 0

    away.write_bytes(b"back, but not the pack")  # an outside pack still (or again) there is checked
    assert vat("verify", session).returncode == 1
    code, out, _ = vat_here(capsys, "pack", project, "--forget", str(away), "--json")
    assert code == 0 and json.loads(out)["file_exists"] is True and json.loads(out)["number"] == 1
    assert packs() == [] and away.read_bytes() == b"back, but not the pack"  # the file is left alone
    code, _, err = vat_here(capsys, "pack", project, "--forget", "1", "--list")
    assert code == 2 and "does not go with" in err


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_project_detail_shows_each_packs_state_and_counts_them(project: Path, tmp_path: Path) -> None:
    from db.models import ProjectHistory
    from tui.screens.history_detail import HistoryDetailScreen

    made = [json.loads(vat("pack", project, "--json", *args, check=True).stdout)["path"] for args in (
        [], [], ["-o", str(tmp_path / "a.zip")], ["-o", str(tmp_path / "b.zip")]
    )]  # fmt: skip
    Path(made[0]).unlink()
    with open(made[1], "ab") as fh:
        fh.write(b"more")
    Path(made[2]).unlink()  # delivered elsewhere; made[3] is still there
    assert len(packs()) == 4  # (and this test's database open here)
    history = ProjectHistory.get()
    app = ScreenHost(lambda: HistoryDetailScreen(history.id))
    async with app.run_test(size=(80, 24)) as pilot:
        summary = str(app.screen.query_one("#project-summary").render())
        assert "4 packs: 1 ok, 1 missing, 1 changed, 1 delivered elsewhere" in " ".join(summary.split())
        await pilot.press("p")
        table = app.screen.query_one("#project-packs-table", VimTable)
        rows = [cells(table.get_row_at(i)) for i in range(table.row_count)]
        assert [(r[0], r[1]) for r in rows] == [
            (Path(made[0]).name, "missing"),
            (Path(made[1]).name, "changed"),
            ("a.zip", "delivered elsewhere"),
            ("b.zip", "ok"),
        ]
