"""`vat verify`: an intact archive holds, a damaged one is named file by file, --deep decodes, --repair
makes the bad outputs again (from the master, or its copy when the master is gone), and a project
folder is checked from its checksums.sha256 by a database that never knew it.

One real `vat run` per module; each test works on its own copy (folder and database, paths moved)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.archive_copy import archive_copy
from tests.helpers import vat

DATE, ARTWORK = "26-11-30", "Keep"
ARGS = ["--artwork", ARTWORK, "--date", DATE, "--scenes", "1,2", "--workers", "1"]
PROJECT = f"{DATE}_{ARTWORK}"


@pytest.fixture(scope="module")
def archived(cut_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A base folder holding the master, its archive (out/26-11-30_Keep) and the database (state.db)."""
    base = tmp_path_factory.mktemp("verify_base")
    shutil.copy(cut_video, base / "master.mp4")
    vat("--db", base / "state.db", "run", base / "master.mp4", "--out", base / "out", *ARGS, check=True)
    return base


@pytest.fixture
def project(archived: Path, tmp_path: Path, db_path: Path) -> Path:
    """This test's copy of the archive, known to this test's database ($VAT_DB); returns its root."""
    return archive_copy(archived, tmp_path, db_path) / "out" / PROJECT


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def registry() -> dict[str, dict]:
    from db.connection import open_database
    from db.models import FileRegistry

    open_database()
    return {
        r.file_path: {
            "state": r.check_state,
            "checked_at": r.checked_at,
            "detail": r.check_detail,
            "verified": r.verified,
            "exists": r.file_exists,
            "sha256": (r.compression_settings or {}).get("sha256"),
            "size": r.file_size_bytes,
            "id": r.id,
        }
        for r in FileRegistry.select()
    }


def damage(root: Path) -> dict[str, Path]:
    """A clip with bytes changed (same size), a still truncated, a thumbnail deleted."""
    clip = root / "clips" / f"{ARTWORK}_s001.mp4"
    size = clip.stat().st_size
    with open(clip, "r+b") as fh:
        fh.seek(size // 2)
        fh.write(os.urandom(64))
    assert clip.stat().st_size == size
    still = root / "stills" / "hq" / f"{ARTWORK}_s002_hq.png"
    with open(still, "r+b") as fh:
        fh.truncate(still.stat().st_size // 2)
    thumb = root / "thumbnails" / f"{ARTWORK}_s001_thumb.jpg"
    thumb.unlink()
    return {"modified": clip, "truncated": still, "missing": thumb}


def sha256sum_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sha256sum", "--strict", "-c", "checksums.sha256"], cwd=root, capture_output=True, text=True, check=False
    )


needs_sha256sum = pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils' sha256sum")


@needs_sha256sum
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_an_intact_archive_holds_and_its_checksums_pass_sha256sum(project: Path) -> None:
    lines = (project / "checksums.sha256").read_text().splitlines()
    names = [line.split("  ", 1)[1] for line in lines]
    assert names == sorted(names) and "manifest.json" in names and f"masters/{ARTWORK}_master.mp4" in names
    assert not [n for n in names if n.startswith("/") or "\\" in n]
    assert len(lines) == len(registry())  # every registered output, nothing else
    assert sha256sum_check(project).returncode == 0

    done = vat("verify")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(lines)} ok, 0 missing, 0 modified, 0 corrupt" in done.stdout.splitlines()[-1]
    rows = registry()
    assert {r["state"] for r in rows.values()} == {"ok"}
    assert all(r["checked_at"] is not None and r["verified"] and r["exists"] for r in rows.values())


@needs_sha256sum
@pytest.mark.slow  # a run of its own: the tests around it work on a SQLite copy of one module-wide run
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_verify_and_repair_on_the_shared_catalogue(cut_video: Path, tmp_path: Path, backend: str) -> None:
    """The checks, their records and a repair with the catalogue on PostgreSQL."""
    shutil.copy(cut_video, tmp_path / "master.mp4")
    vat("run", tmp_path / "master.mp4", "--out", tmp_path / "out", *ARGS, check=True)
    root = tmp_path / "out" / PROJECT
    lines = (root / "checksums.sha256").read_text().splitlines()
    assert [line.split("  ", 1)[1] for line in lines] == sorted(line.split("  ", 1)[1] for line in lines)
    assert len(lines) == len(registry()) and sha256sum_check(root).returncode == 0
    bad = damage(root)
    done = vat("verify")
    assert done.returncode == 1 and done.stdout.splitlines()[-1].endswith("1 missing, 2 modified, 0 corrupt")
    rows = registry()
    assert [rows[str(bad[k])]["state"] for k in ("modified", "truncated", "missing")] == ["modified"] * 2 + ["missing"]
    assert rows[str(bad["missing"])]["exists"] is False and not rows[str(bad["modified"])]["verified"]
    assert sum(r["state"] == "ok" and r["checked_at"] is not None for r in rows.values()) == len(rows) - 3
    repaired = vat("verify", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert {r["state"] for r in registry().values()} == {"ok"} and sha256sum_check(root).returncode == 0
    assert vat("verify", "--deep").returncode == 0


def test_damaged_truncated_and_deleted_outputs_are_each_named(project: Path) -> None:
    bad = damage(project)
    done = vat("verify")
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout.splitlines()
    assert f"{bad['modified']}: modified (SHA-256 " in done.stdout
    assert any(line.startswith(f"{bad['truncated']}: modified (") and "bytes, recorded" in line for line in out)
    assert f"{bad['missing']}: missing (not found)" in out
    assert out[-1].endswith("1 missing, 2 modified, 0 corrupt")
    rows = registry()
    assert rows[str(bad["modified"])]["state"] == "modified" and not rows[str(bad["modified"])]["verified"]
    assert rows[str(bad["truncated"])]["state"] == "modified"
    missing = rows[str(bad["missing"])]
    assert missing["state"] == "missing" and missing["exists"] is False and missing["detail"] == "not found"
    assert sum(r["state"] == "ok" for r in rows.values()) == len(rows) - 3

    as_json = vat("verify", "--json")
    assert as_json.returncode == 1
    document = json.loads(as_json.stdout)
    states = {f["path"]: f["state"] for p in document["projects"] for f in p["files"]}
    assert states[str(bad["missing"])] == "missing" and states[str(bad["modified"])] == "modified"
    assert document["summary"]["missing"] == 1 and document["exit_code"] == 1


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
@needs_sha256sum
def test_repair_makes_the_damaged_outputs_again_and_nothing_else(project: Path) -> None:
    bad = damage(project)
    rows = registry()
    untouched = project / "stills" / "web" / f"{ARTWORK}_s001_web.jpg"
    inode = untouched.stat().st_ino
    done = vat("verify", "--repair")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "from the master:" in done.stdout
    for path in bad.values():
        assert any(line.startswith(f"{path}: ") and line.endswith(": repaired") for line in done.stdout.splitlines())
        assert path.exists() and sha256(path) == registry()[str(path)]["sha256"]
    for kind in ("truncated", "missing"):  # stills are made bit for bit again (a clip's encode may differ)
        assert sha256(bad[kind]) == rows[str(bad[kind])]["sha256"]
    assert untouched.stat().st_ino == inode  # intact outputs are not made again
    assert {r["state"] for r in registry().values()} == {"ok"}
    assert sha256sum_check(project).returncode == 0  # rewritten with the repair's records
    again = vat("verify", "--deep")
    assert again.returncode == 0, again.stdout


def test_repair_uses_the_master_copy_when_the_master_was_moved_away(project: Path) -> None:
    master = project.parent.parent / "master.mp4"
    size = master.stat().st_size
    master.rename(master.with_name("moved.mp4"))
    web = project / "stills" / "web" / f"{ARTWORK}_s002_web.jpg"
    recorded = registry()[str(web)]["sha256"]
    web.unlink()
    done = vat("verify", "--repair")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"from the master copy: {project / 'masters' / f'{ARTWORK}_master.mp4'}" in done.stdout
    assert f"{web}: missing (not found): repaired" in done.stdout
    assert sha256(web) == recorded  # the same frame, decoded from the stream copy
    assert registry()[str(web)]["state"] == "ok"
    from db.models import ProjectHistory

    history = ProjectHistory.get()  # the repair's run rewrote it: still about the master archived
    assert history.master_size_mb == round(size / 1e6, 3) and history.compression_ratio


@pytest.mark.backends
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_repair_from_a_remuxed_master_copy_makes_only_the_damaged_file(cut_video: Path, tmp_path: Path) -> None:
    """An MPEG-TS master is archived as Matroska, whose rounded times give another plan: the repair
    still makes only what was damaged, not every output whose parameters moved."""
    master = tmp_path / "master.ts"
    ffmpeg = [os.environ["VAT_FFMPEG"], "-v", "error", "-i", str(cut_video), "-c", "copy", "-f", "mpegts", str(master)]
    subprocess.run(ffmpeg, check=True)
    vat("run", master, "--out", tmp_path / "out", *ARGS, check=True)
    root = tmp_path / "out" / PROJECT
    copy = root / "masters" / f"{ARTWORK}_master.mkv"
    kept = [p for p in root.rglob("*") if p.suffix in (".mp4", ".png", ".mkv") or "thumb" in p.name]
    inodes = {p: p.stat().st_ino for p in kept}
    master.unlink()
    web = root / "stills" / "web" / f"{ARTWORK}_s002_web.jpg"
    web.unlink()
    done = vat("verify", "--repair")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"from the master copy: {copy}" in done.stdout and f"{web}: missing (not found): repaired" in done.stdout
    assert {p: p.stat().st_ino for p in kept} == inodes  # clips, stills, thumbnails, the copy: not made again
    assert registry()[str(web)]["state"] == "ok"


def test_what_cannot_be_repaired_is_named_and_fails(project: Path) -> None:
    (project.parent.parent / "master.mp4").unlink()
    copy = project / "masters" / f"{ARTWORK}_master.mp4"
    with open(copy, "r+b") as fh:
        fh.truncate(1000)
    clip = project / "clips" / f"{ARTWORK}_s002.mp4"
    clip.unlink()
    done = vat("verify", "--repair")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for path in (copy, clip):
        line = next(line for line in lines if line.startswith(f"{path}: "))
        assert ": not repaired: the master is gone and its copy is damaged" in line
    assert not clip.exists()
    rows = registry()
    assert rows[str(clip)]["state"] == "missing" and rows[str(copy)]["state"] == "modified"
    assert "2 not repaired" in lines[-1]


def test_deep_decodes_and_finds_a_corrupt_file_whose_record_was_rewritten(project: Path) -> None:
    """Damage the records agree with (written so, or the registry restored from the damaged files)
    passes the hash check; only decoding finds it."""
    from db.models import FileRegistry

    clip = project / "clips" / f"{ARTWORK}_s001.mp4"
    data = bytearray(clip.read_bytes())
    mdat = data.find(b"mdat")
    data[mdat + 8 : len(data) - 16] = os.urandom(len(data) - 16 - mdat - 8)  # garbage frames, intact boxes
    clip.write_bytes(bytes(data))
    row = FileRegistry.get(FileRegistry.id == registry()[str(clip)]["id"])
    settings = {**row.compression_settings, "sha256": sha256(clip)}
    FileRegistry.update(compression_settings=settings, file_size_bytes=len(data)).where(
        FileRegistry.id == row.id
    ).execute()

    assert vat("verify").returncode == 0
    done = vat("verify", "--deep")
    assert done.returncode == 1, done.stdout + done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith(f"{clip}: "))
    assert line.startswith(f"{clip}: corrupt (")
    assert registry()[str(clip)]["state"] == "corrupt"


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
@needs_sha256sum
def test_a_copied_project_folder_is_checked_from_its_checksums(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "usb" / PROJECT
    shutil.copytree(project, elsewhere)
    fresh = tmp_path / "other.db"
    done = vat("--db", fresh, "verify", elsewhere)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"folder {elsewhere} (from its checksums.sha256)" in done.stdout
    assert sha256sum_check(elsewhere).returncode == 0

    still = elsewhere / "stills" / "hq" / f"{ARTWORK}_s001_hq.png"
    still.write_bytes(still.read_bytes()[:-10])
    (elsewhere / "manifest.json").unlink()
    done = vat("--db", fresh, "verify", elsewhere, "--deep")
    assert done.returncode == 1
    assert f"{still}: modified (SHA-256 " in done.stdout
    assert f"{elsewhere / 'manifest.json'}: missing (not found)" in done.stdout
    repair = vat("--db", fresh, "verify", elsewhere, "--repair")
    assert repair.returncode == 1 and "not repaired: the database does not know this folder" in repair.stdout

    (elsewhere / "checksums.sha256").unlink()
    none = vat("--db", fresh, "verify", elsewhere)
    assert none.returncode == 2
    assert none.stderr.strip() == (
        f"vat: error: {elsewhere}: no session of this database made this folder, and it holds no checksums.sha256"
    )


def test_a_folder_the_database_knows_is_checked_as_its_session(project: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(project.parent)
    (project / "manifest.json").unlink()
    done = vat("verify", link / PROJECT)  # another spelling of the session's output_path
    assert done.returncode == 1
    assert done.stdout.startswith("session ")
    assert registry()[str(project / "manifest.json")]["state"] == "missing"


def test_bad_input_exits_2_and_checks_nothing(project: Path) -> None:
    unknown = vat("verify", "no_such_session")
    assert unknown.returncode == 2
    assert "no_such_session: no such session" in unknown.stderr
    both = vat("verify", "--all", "no_such_session")
    assert both.returncode == 2
    assert {r["state"] for r in registry().values()} == {None}  # nothing was recorded as checked


def test_a_session_being_processed_is_not_verified_but_said_so(project: Path) -> None:
    from core.pipeline.lock import SessionLock
    from db.connection import open_database
    from db.models import ProcessingState

    open_database()
    session_id = ProcessingState.get().session_id
    with SessionLock(session_id):  # this process holds it: the child sees a live holder
        done = vat("verify")
    assert done.returncode == 0
    assert f"session {session_id} ({ARTWORK}): being processed by process {os.getpid()} now: not verified" in (
        done.stdout
    )
    assert "1 project(s) busy, not verified" in done.stdout


@needs_sha256sum
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_replace_rewrites_the_checksums(project: Path) -> None:
    master = project.parent.parent / "master.mp4"
    before = (project / "checksums.sha256").read_text()
    done = vat("run", master, "--out", project.parent, *ARGS[:4], "--scenes", "3", "--replace")
    assert done.returncode == 0, done.stderr
    after = (project / "checksums.sha256").read_text()
    assert after != before and "_s003_hq.png" in after and "_s001_hq.png" not in after
    assert sha256sum_check(project).returncode == 0
    assert not [p for p in project.rglob("*") if ".vat-part" in p.name]


@needs_sha256sum
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_paused_run_leaves_the_checksums_of_what_it_registered(cut_video: Path, tmp_path: Path, db: object) -> None:
    """In process, the real pipeline: stopped after its first output, the folder's sums are those of
    the registry (the run's end writes them, however it ended)."""
    import threading

    from core.events import RunEvent
    from core.pipeline import session as sessions
    from db.models import FileRegistry

    options = sessions.SessionOptions(
        master=cut_video, artwork="Pause", project_date=DATE, out=tmp_path / "out", encoder="x264", unattended=True
    )
    row = sessions.create_session(sessions.check_options(options))
    sessions.detect(row, *sessions.detection_parameters("adaptive", None, None))
    sessions.select_requested(row)
    cancel = threading.Event()

    def stop_after_first(event: RunEvent) -> None:
        if event.kind == "done":
            cancel.set()

    summary = sessions.process(row, workers=1, cancel=cancel, on_event=stop_after_first)
    assert summary.status == "paused" and 0 < summary.done < summary.total
    root = Path(row.output_path)
    listed = sorted(line.split("  ", 1)[1] for line in (root / "checksums.sha256").read_text().splitlines())
    registered = sorted(Path(r.file_path).relative_to(root).as_posix() for r in FileRegistry.select())
    assert listed == registered and len(listed) == summary.done
    assert sha256sum_check(root).returncode == 0


def test_a_malformed_checksums_file_is_bad_input(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "copy" / PROJECT
    shutil.copytree(project, elsewhere)
    (elsewhere / "checksums.sha256").write_text("not a checksum line\n")
    done = vat("--db", tmp_path / "other.db", "verify", elsewhere)
    assert done.returncode == 2
    problem = "line 1 is not in sha256sum's format (a SHA-256, two spaces, a path)"
    assert done.stderr.strip() == f"vat: error: {elsewhere / 'checksums.sha256'}: {problem}"
