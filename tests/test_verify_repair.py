"""`vat verify --repair` keeps the archive's records: the process log, the session's status and
completion, the history row (live or archived) and its processing time; it trusts a master only when
it is known to be the archived one, names what it cannot repair (an R&D input gone, a file it cannot
read) and what failed; a plain check keeps what --deep found; checksums.sha256 takes escaped names.

One real `vat run` (with an R&D folder) per module; each test works on its own copy."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from db.connection import open_database
from db.models import ProcessingState
from tests.archive_copy import archive_copy
from tests.helpers import ROOT, VAT, vat
from tests.test_verify import DATE, PROJECT, needs_sha256sum, registry, sha256, sha256sum_check

ARTWORK = "Keep"
ARGS = ["--artwork", ARTWORK, "--date", DATE, "--scenes", "1,2", "--workers", "1"]


@pytest.fixture(scope="module")
def archived_rd(cut_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A base folder: the master, an R&D folder of two images, the archive (out/26-11-30_Keep) and state.db."""
    base = tmp_path_factory.mktemp("repair_base")
    shutil.copy(cut_video, base / "master.mp4")
    (base / "R&D").mkdir()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(base / "R&D" / "sketch.png")
    Image.new("RGB", (48, 64), (20, 90, 200)).save(base / "R&D" / "study.jpg")
    vat(
        "--db",
        base / "state.db",
        "run",
        base / "master.mp4",
        "--out",
        base / "out",
        "--rd",
        base / "R&D",
        *ARGS,
        check=True,
    )
    return base


@pytest.fixture
def project(archived_rd: Path, tmp_path: Path, db_path: Path) -> Path:
    """This test's copy of the archive, known to this test's database ($VAT_DB); returns its root."""
    return archive_copy(archived_rd, tmp_path, db_path) / "out" / PROJECT


def sql(db_path: Path, statement: str, *params: object) -> None:
    """A change to the real database file, as another tool or an older vat left it."""
    with sqlite3.connect(db_path) as con:
        con.execute(statement, params)
    con.close()


def session_row() -> ProcessingState:
    """The session as the database holds it now."""
    open_database()
    return ProcessingState.get()


def line_of(output: str, path: Path) -> str:
    return next(line for line in output.splitlines() if line.startswith(f"{path}: "))


def still(root: Path, scene: int, kind: str = "web") -> Path:
    return root / "stills" / kind / f"{ARTWORK}_s{scene:03d}_{kind}.{'jpg' if kind == 'web' else 'png'}"


# --- running without the right to override permissions --------------------------------------------
SETPRIV = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def without_override() -> list[str]:
    """The prefix that makes file permissions bind the child: none for a user; for root (whom chmod
    does not stop), the capabilities that override them dropped. Skips the test when that cannot be."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: chmod does not stop root's reads")
    probe = subprocess.run([*SETPRIV, "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("running as root and the capabilities that override permissions cannot be dropped")
    return SETPRIV


def vat_bound(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`vat` as an ordinary user runs it: unreadable files and read-only folders are so for it."""
    return subprocess.run(
        [*without_override(), *VAT, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=os.environ.copy(),
        check=False,
    )


# --- 1. the process log ---------------------------------------------------------------------------
@needs_sha256sum
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_repair_after_log_retention_keeps_the_process_log_and_rewrites_the_manifest(
    project: Path, db_path: Path
) -> None:
    """Retention deleted the operation_log rows the process log was made from: a repair that rebuilt
    it would leave an archive's log near empty. It is kept; the manifest, which lists the SHA-256s of
    what the repair makes, is written again."""
    sql(db_path, "UPDATE operation_log SET timestamp = datetime('now', '-30 days')")
    assert vat("settings", "set", "log_retention_days", "7").returncode == 0
    assert vat("db", "cleanup").returncode == 0
    from db.models import OperationLog

    session = session_row()
    assert OperationLog.select().where(OperationLog.session == session.session_id).count() == 0
    log = project / f"{ARTWORK}_process_log.txt"
    manifest = project / "manifest.json"
    log_text, log_inode, manifest_inode = log.read_text(), log.stat().st_ino, manifest.stat().st_ino
    assert "still_hq:s001" in log_text
    gone = still(project, 1)
    gone.unlink()
    from db.models import ProjectHistory

    history = ProjectHistory.get()

    done = vat("verify", "--repair")
    assert done.returncode == 0, done.stdout + done.stderr
    assert log.read_text() == log_text and log.stat().st_ino == log_inode  # not touched
    after = ProjectHistory.get()  # the live row, where it was: its completion and time are the processing's
    assert after.id == history.id and after.completed_at == history.completed_at
    assert after.total_processing_time_seconds == history.total_processing_time_seconds
    assert session_row().completed_at == session.completed_at
    assert manifest.stat().st_ino != manifest_inode  # made again, with the records as they are now
    assert sha256sum_check(project).returncode == 0
    assert vat("verify").returncode == 0


# --- 2. the R&D folder gone -----------------------------------------------------------------------
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_with_the_rd_folder_gone_the_rest_is_repaired_and_the_rd_outputs_are_named(project: Path) -> None:
    shutil.rmtree(project.parent.parent / "R&D")  # years later, the usual case
    rd_output = next((project / "rd").rglob("sketch_web.jpg"))
    rd_output.unlink()
    gone = still(project, 2)
    gone.unlink()
    before = session_row()

    # a plain resume cannot plan without the R&D folder: it says so and leaves the session as it was
    resumed = vat("resume", before.session_id)
    assert resumed.returncode == 2 and "R&D folder does not exist" in resumed.stderr
    after = session_row()
    assert after.status == "completed" and after.completed_at == before.completed_at

    done = vat("verify", "--repair")
    assert done.returncode == 1, done.stdout + done.stderr
    assert line_of(done.stdout, gone).endswith(": repaired")
    source = project.parent.parent / "R&D" / "sketch.png"
    assert line_of(done.stdout, rd_output) == (
        f"{rd_output}: missing (not found): not repaired: its R&D input is gone ({source})"
    )
    assert "1 repaired, 1 not repaired" in done.stdout.splitlines()[-1]
    rows = registry()
    assert rows[str(gone)]["state"] == "ok" and rows[str(rd_output)]["state"] == "missing"
    assert session_row().status == "completed"


# --- 3. a master from before hashes were recorded -------------------------------------------------
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_master_without_a_recorded_hash_is_trusted_only_when_its_probe_matches(
    project: Path, db_path: Path, cut_video: Path
) -> None:
    sql(db_path, "UPDATE processing_state SET master_sha256 = NULL")  # as sessions made before hashes
    master = project.parent.parent / "master.mp4"
    edited = [os.environ["VAT_FFMPEG"], "-v", "error", "-y", "-i", str(cut_video), "-t", "4", "-c", "copy", str(master)]
    subprocess.run(edited, check=True)  # another file at the master's path: a shorter edit
    web = still(project, 2)
    recorded = registry()[str(web)]["sha256"]
    web.unlink()
    done = vat("verify", "--repair")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"from the master copy: {project / 'masters' / f'{ARTWORK}_master.mp4'}" in done.stdout
    assert sha256(web) == recorded
    assert session_row().master_sha256 is None  # the edit's hash is not the archived master's

    shutil.copy(cut_video, master)  # the archived master is back: its probe matches, it is trusted
    web.unlink()
    done = vat("verify", "--repair")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"from the master: {master}" in done.stdout
    assert session_row().master_sha256 == sha256(master)


# --- 4. the history row, and the session's completion ---------------------------------------------
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_repair_updates_the_archived_history_row_and_moves_no_completion_or_time(
    project: Path, db_path: Path
) -> None:
    from db.models import ProjectHistory, ProjectHistoryArchive

    sql(db_path, "UPDATE project_history SET completed_at = datetime('now', '-120 days')")
    assert vat("db", "cleanup").returncode == 0
    session_row()
    assert ProjectHistory.select().count() == 0
    archived = ProjectHistoryArchive.get()
    before = session_row()
    runs = before.process_metadata["runs"]
    still(project, 1, "hq").unlink()

    done = vat("verify", "--repair")
    assert done.returncode == 0, done.stdout + done.stderr
    assert ProjectHistory.select().count() == 0  # no second, live row
    row = ProjectHistoryArchive.get()
    assert row.id == archived.id and row.completed_at == archived.completed_at
    assert row.total_processing_time_seconds == archived.total_processing_time_seconds
    assert row.total_files_created == archived.total_files_created and row.metadata["repairs"] == 1
    after = session_row()
    assert after.status == "completed" and after.completed_at == before.completed_at
    assert after.process_metadata["runs"] == runs  # the repair is not processing time
    (repair,) = after.process_metadata["repairs"]
    assert repair["status"] == "completed" and repair["files"] == 1 and repair["seconds"] > 0
    assert repair["made"] == 2  # the still and the manifest that lists it


# --- 5. an operation of the repair that fails -----------------------------------------------------
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_failed_operation_of_the_repair_exits_1_and_is_named(project: Path) -> None:
    """The project folder itself read-only (its subfolders not): the still is made again, the
    manifest it changes cannot be written. Every file then checks ok, but the repair did not hold."""
    (project / ".vat.lock").touch()  # a lock file left by an earlier run: flock needs no new file
    gone = still(project, 1)
    gone.unlink()
    project.chmod(0o555)
    try:
        done = vat_bound("verify", "--repair")
    finally:
        project.chmod(0o755)
    assert done.returncode == 1, done.stdout + done.stderr
    assert line_of(done.stdout, gone).endswith(": repaired")
    failed = next(line for line in done.stdout.splitlines() if line.startswith("repair of manifest failed: "))
    assert "Permission denied" in failed
    assert "1 operation(s) of the repair failed" in done.stdout.splitlines()[-1]
    assert session_row().status == "completed"  # the archive's processing is what it was


# --- 6. a file that cannot be read ----------------------------------------------------------------
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_an_unreadable_file_is_unreadable_not_missing_and_a_repair_leaves_it(project: Path) -> None:
    locked = still(project, 2, "hq")
    content, inode = locked.read_bytes(), locked.stat().st_ino
    thumb = project / "thumbnails" / f"{ARTWORK}_s001_thumb.jpg"
    thumb.unlink()
    locked.chmod(0o000)
    try:
        done = vat_bound("verify")
        assert done.returncode == 1, done.stdout + done.stderr
        assert f"{locked}: unreadable (cannot be read: Permission denied)" in done.stdout.splitlines()
        assert done.stdout.splitlines()[-1].endswith("1 missing, 0 modified, 0 corrupt, 1 unreadable")
        row = registry()[str(locked)]
        assert row["state"] == "unreadable" and row["exists"] is True and row["verified"] is False

        repaired = vat_bound("verify", "--repair")
    finally:
        locked.chmod(0o644)
    assert repaired.returncode == 1, repaired.stdout + repaired.stderr
    assert line_of(repaired.stdout, locked).endswith(": not repaired: unreadable: check its permissions")
    assert line_of(repaired.stdout, thumb).endswith(": repaired")  # the others are repaired all the same
    assert locked.stat().st_ino == inode and locked.read_bytes() == content  # never overwritten
    assert vat("verify").returncode == 0  # readable again: it holds


# --- 7. what --deep found stays found -------------------------------------------------------------
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_plain_check_keeps_a_corrupt_verdict_while_the_hash_is_unchanged(project: Path) -> None:
    from db.models import FileRegistry

    png = still(project, 1, "hq")
    png.write_bytes(png.read_bytes()[: png.stat().st_size // 2])
    row = FileRegistry.get(FileRegistry.id == registry()[str(png)]["id"])
    settings = {**row.compression_settings, "sha256": sha256(png)}  # the record agrees with the damage
    FileRegistry.update(compression_settings=settings, file_size_bytes=png.stat().st_size).where(
        FileRegistry.id == row.id
    ).execute()
    deep = vat("verify", "--deep")
    assert deep.returncode == 1 and line_of(deep.stdout, png).startswith(f"{png}: corrupt (")
    detail = registry()[str(png)]["detail"]

    plain = vat("verify")
    assert plain.returncode == 1, plain.stdout
    assert line_of(plain.stdout, png) == f"{png}: corrupt ({detail})"
    assert registry()[str(png)]["state"] == "corrupt"

    repaired = vat("verify", "--repair")  # a plain repair finds it too, and makes it again
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert line_of(repaired.stdout, png).endswith(": repaired")
    assert vat("verify").returncode == 0 and registry()[str(png)]["state"] == "ok"


# --- 8. escaped names in checksums.sha256 ---------------------------------------------------------
@needs_sha256sum
def test_escaped_lines_of_sha256sum_are_read_and_written(tmp_path: Path) -> None:
    from core.pipeline.fixity import read_checksums

    folder = tmp_path / "folder"
    (folder / "rd").mkdir(parents=True)
    names = ["rd/back\\slash.png", "rd/new\nline.png", "rd/carriage\rreturn.png", "plain.png"]
    for i, name in enumerate(names):
        (folder / name).write_bytes(bytes([i]) * 100)
    listing = subprocess.run(["sha256sum", *names], cwd=folder, capture_output=True, check=True).stdout.decode()
    assert sum(line.startswith("\\") for line in listing.split("\n")) == 3  # sha256sum escaped the three
    (folder / "checksums.sha256").write_text(listing, newline="")
    done = vat("--db", tmp_path / "other.db", "verify", folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 ok, 0 missing" in done.stdout.splitlines()[-1]
    assert sorted(name for _, name in read_checksums(folder)) == sorted(names)

    # vat writes them as sha256sum does, and sha256sum -c takes what vat wrote
    from core.pipeline.fixity import ChecksumsError, checksum_line

    ours = "".join(checksum_line(sha256(folder / name), name) + "\n" for name in sorted(names))
    (folder / "checksums.sha256").write_text(ours, newline="")
    assert sha256sum_check(folder).returncode == 0
    (folder / "checksums.sha256").write_text(f"\\{'0' * 64}  bad\\tescape\n")
    with pytest.raises(ChecksumsError, match="line 1 has an escape sha256sum does not write"):
        read_checksums(folder)
