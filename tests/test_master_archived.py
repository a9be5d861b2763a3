"""The master is hashed once (SHA-256) and recorded with the session and in the manifest; archiving a
master already archived by another session warns, naming it, or with --skip-archived is skipped."""

from __future__ import annotations

import hashlib
import json
import signal
from pathlib import Path

import pytest

from tests.helpers import start_vat, vat
from tests.test_resume import count, read_until

ARGS = ["--artwork", "Twice", "--date", "26-11-23", "--scenes", "1", "--workers", "1"]


def rows() -> list:
    from db.connection import open_database
    from db.models import ProcessingState

    open_database()
    return list(ProcessingState.select().order_by(ProcessingState.id))


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_the_master_hash_is_recorded_with_the_session_and_in_the_manifest(cut_video: Path, tmp_path: Path) -> None:
    done = vat("run", cut_video, "--out", tmp_path, *ARGS)
    assert done.returncode == 0, done.stderr
    [session] = rows()
    digest = hashlib.sha256(cut_video.read_bytes()).hexdigest()
    assert session.master_sha256 == digest
    manifest = json.loads((Path(session.output_path) / "manifest.json").read_text())
    assert manifest["master_sha256"] == digest
    assert f"sha256    {digest}" in (Path(session.output_path) / "Twice_process_log.txt").read_text()


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_resume_keeps_the_recorded_hash_and_one_without_takes_it_once(cut_video: Path, tmp_path: Path) -> None:
    from db.models import ProcessingState

    proc = start_vat("run", cut_video, "--out", tmp_path, *ARGS, "--json")
    read_until(proc, lambda ev: count("done")(ev) >= 1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    [session] = rows()
    # a recorded hash is the session's: the resume does not read the master to hash it again
    recorded = "ab" * 32
    ProcessingState.update(master_sha256=recorded).where(ProcessingState.id == session.id).execute()
    assert vat("--resume", session.session_id).returncode == 0
    manifest = json.loads((Path(session.output_path) / "manifest.json").read_text())
    assert manifest["master_sha256"] == recorded == ProcessingState.get_by_id(session.id).master_sha256
    # a session from before hashes (none recorded) takes it when it is processed next
    ProcessingState.update(master_sha256=None).where(ProcessingState.id == session.id).execute()
    (Path(session.output_path) / "manifest.json").unlink()
    assert vat("--resume", session.session_id).returncode == 0
    digest = hashlib.sha256(cut_video.read_bytes()).hexdigest()
    assert ProcessingState.get_by_id(session.id).master_sha256 == digest


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_an_archived_master_is_archived_again_with_a_warning_naming_the_first(cut_video: Path, tmp_path: Path) -> None:
    assert vat("run", cut_video, "--out", tmp_path / "a", *ARGS).returncode == 0
    [first] = rows()
    again = vat("run", cut_video, "--out", tmp_path / "b", "--artwork", "Other", "--scenes", "1")
    assert again.returncode == 0, again.stderr
    [warning] = [line for line in again.stderr.splitlines() if "already archived" in line]
    for part in ("Twice", "26-11-23", first.output_path, first.session_id):
        assert part in warning, part
    assert len(rows()) == 2 and (tmp_path / "b").is_dir()


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_skip_archived_skips_it_in_one_line_and_creates_nothing(cut_video: Path, tmp_path: Path) -> None:
    assert vat("run", cut_video, "--out", tmp_path / "a", *ARGS).returncode == 0
    [first] = rows()
    skipped = vat("run", cut_video, "--out", tmp_path / "b", "--artwork", "Other", "--skip-archived")
    assert skipped.returncode == 0, skipped.stderr
    assert skipped.stdout.strip().splitlines() == [
        f"skipped: {cut_video.name} is already archived: Twice (26-11-23) in {first.output_path}, "
        f"session {first.session_id} (completed)"
    ]
    assert len(rows()) == 1 and not (tmp_path / "b").exists()
    # a batch run again as it was (the same folder): skipped too, not refused as a taken folder
    rerun = vat("run", cut_video, "--out", tmp_path / "a", *ARGS, "--skip-archived")
    assert rerun.returncode == 0 and rerun.stdout.startswith("skipped: "), rerun.stderr
    assert len(rows()) == 1


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_master_not_archived_yet_or_only_by_a_replaced_session_is_not_skipped(
    cut_video: Path, tmp_path: Path
) -> None:
    assert vat("run", cut_video, "--out", tmp_path, *ARGS, "--skip-archived").returncode == 0
    replaced = vat("run", cut_video, "--out", tmp_path, *ARGS, "--replace")  # the same folder, made anew
    assert replaced.returncode == 0, replaced.stderr
    assert "already archived" not in replaced.stderr
    skipped = vat("run", cut_video, "--out", tmp_path / "b", *ARGS, "--skip-archived")
    first, second = rows()
    assert first.process_metadata.get("replaced_by") == second.session_id
    assert skipped.returncode == 0 and second.session_id in skipped.stdout and first.session_id not in skipped.stdout
