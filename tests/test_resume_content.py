"""Resume trusts content, not size: an output changed since it was registered is made again, one only
touched is kept, and checking unchanged outputs never reads them (bench/resume_check.py times it)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.helpers import decode_rgb, json_events, vat

if TYPE_CHECKING:
    from db.models import FileRegistry

ARGS = ["--artwork", "Damage", "--date", "26-11-23", "--scenes", "1,2", "--workers", "1"]


def finished_run(cut_video: Path, tmp_path: Path) -> tuple[str, Path]:
    out = tmp_path / "out"
    done = vat("run", cut_video, "--out", out, *ARGS)
    assert done.returncode == 0, done.stderr
    from db.connection import open_database
    from db.models import ProcessingState

    open_database()
    session = ProcessingState.get()
    assert session.status == "completed"
    return session.session_id, out / "26-11-23_Damage"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_sums(root: Path) -> dict[str, str]:
    manifest = json.loads((root / "manifest.json").read_text())
    return {entry["path"]: entry["sha256"] for entry in manifest["outputs"]}


def registry_row(path: Path) -> FileRegistry:
    from db.models import FileRegistry

    return FileRegistry.get(FileRegistry.file_path == str(path))


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_a_clip_damaged_without_changing_its_size_is_made_again(cut_video: Path, tmp_path: Path) -> None:
    session_id, root = finished_run(cut_video, tmp_path)
    clip = root / "clips" / "Damage_s001.mp4"
    size = clip.stat().st_size
    with open(clip, "r+b") as fh:  # garbage over the middle third: same size, new modification time
        fh.seek(size // 3)
        fh.write(os.urandom(size // 3))
    assert clip.stat().st_size == size
    assert manifest_sums(root)["clips/Damage_s001.mp4"] != sha256(clip)

    again = vat("--resume", session_id, "--json")
    assert again.returncode == 0, again.stderr
    assert "1 output(s) changed" in again.stdout
    made = [e["key"] for e in json_events(again.stdout) if e["event"] == "done"]
    assert "clip:s001" in made and not [k for k in made if k.startswith(("still", "thumbnail", "clip:s002"))]
    assert len(decode_rgb(clip)) == 30  # scene 1, whole again
    sums = manifest_sums(root)
    assert sums["clips/Damage_s001.mp4"] == sha256(clip)
    assert all(sha256(root / path) == digest for path, digest in sums.items())
    assert registry_row(clip).compression_settings["mtime_ns"] == clip.stat().st_mtime_ns


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_touched_output_is_kept_and_its_new_time_recorded(cut_video: Path, tmp_path: Path) -> None:
    session_id, root = finished_run(cut_video, tmp_path)
    still = root / "stills" / "hq" / "Damage_s001_hq.png"
    before = still.stat()
    os.utime(still, ns=(before.st_atime_ns, before.st_mtime_ns + 5_000_000_000))
    # a row registered before modification times were recorded: hashed once, then trusted
    from db.models import FileRegistry

    thumb = root / "thumbnails" / "Damage_s001_thumb.jpg"
    row = registry_row(thumb)
    settings = {k: v for k, v in row.compression_settings.items() if k != "mtime_ns"}
    FileRegistry.update(compression_settings=settings).where(FileRegistry.id == row.id).execute()
    manifest_before = (root / "manifest.json").read_bytes()

    again = vat("--resume", session_id)
    assert again.returncode == 0, again.stderr
    assert "already completed, its outputs unchanged" in again.stdout
    assert still.stat().st_ino == before.st_ino  # not made again
    assert (root / "manifest.json").read_bytes() == manifest_before
    assert registry_row(still).compression_settings["mtime_ns"] == before.st_mtime_ns + 5_000_000_000
    assert registry_row(thumb).compression_settings["mtime_ns"] == thumb.stat().st_mtime_ns


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_a_deleted_output_of_a_completed_session_is_made_again(cut_video: Path, tmp_path: Path) -> None:
    session_id, root = finished_run(cut_video, tmp_path)
    web = root / "stills" / "web" / "Damage_s002_web.jpg"
    web.unlink()
    again = vat("--resume", session_id)
    assert again.returncode == 0, again.stderr
    assert web.exists() and manifest_sums(root)["stills/web/Damage_s002_web.jpg"] == sha256(web)
