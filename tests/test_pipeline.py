"""The whole headless job on a generated video with known cuts: outputs, frames, metadata, records."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from core.media.image_meta import read_copyright
from core.media.timecode import TimecodeRate, to_timecode
from tests.conftest import SCENES
from tests.helpers import decode_rgb, nearest_frame, vat
from tests.media import cut_starts

COPYRIGHT = "© Yambo Studio"


@pytest.fixture(scope="module")
def source_frames(cut_video: Path) -> list[np.ndarray]:
    return decode_rgb(cut_video)


@pytest.fixture
def archived(cut_video: Path, tmp_path: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path / "out"
    done = vat(
        "run",
        cut_video,
        "--artwork",
        "Test Work",
        "--date",
        "26-11-23",
        "--out",
        out,
        "--group",
        "4-5",
        "--workers",
        "2",
        "--encoder",
        "x264",
    )
    assert done.returncode == 0, done.stderr
    return out / "26-11-23_Test_Work", done


def scene_bounds(number: int) -> tuple[int, int]:
    start = cut_starts(SCENES)[number - 1]
    return start, start + SCENES[number - 1] - 1


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_every_output_is_there_with_the_right_names(archived: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    root, done = archived
    assert str(root) in done.stdout + done.stderr  # the summary says where the archive is
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    scenes = [f"s{n:03d}" for n in range(1, 6)]
    expected = (
        ["Test_Work_process_log.txt", "checksums.sha256", "manifest.json", "masters/Test_Work_master.mp4"]
        + ["Test_Work_contact_sheet.png", "Test_Work_contact_sheet.pdf", "index.html"]
        + [f"clips/Test_Work_{s}.mp4" for s in scenes[:3]]
        + ["clips/Test_Work_g01.mp4"]
        + [f"stills/hq/Test_Work_{s}_hq.png" for s in scenes]
        + [f"stills/web/Test_Work_{s}_web.jpg" for s in scenes]
        + [f"thumbnails/Test_Work_{s}_thumb.jpg" for s in scenes]
        + [f"editorial/Test_Work.{ext}" for ext in ("edl", "otio", "fcpxml", "xml")]
    )
    assert names == sorted(expected)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_the_run_writes_the_editorial_files_and_timecodes(
    archived: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    """The four editorial files are outputs like the others (registered, in the manifest), and the
    manifest gives each scene's timecode (this master has none of its own: from 00:00:00:00)."""
    root, _ = archived
    manifest = json.loads((root / "manifest.json").read_text())
    listed = sorted(e["path"] for e in manifest["outputs"] if e["kind"] == "editorial")
    assert listed == [f"editorial/Test_Work.{ext}" for ext in ("edl", "fcpxml", "otio", "xml")]
    assert manifest["start_timecode"] == "00:00:00:00"
    for scene in manifest["scenes"]:
        assert scene["start_timecode"] == to_timecode(scene["start_frame"], TimecodeRate(25))
        assert scene["end_timecode"] == to_timecode(scene["end_frame"] + 1, TimecodeRate(25))
    edl = (root / "editorial" / "Test_Work.edl").read_text()
    events = [line for line in edl.splitlines() if line[:3].isdigit()]
    assert len(events) == 4  # scenes 1-3 alone and the group 4-5


def test_clips_are_frame_exact(
    archived: tuple[Path, subprocess.CompletedProcess[str]], source_frames: list[np.ndarray]
) -> None:
    root, _ = archived
    for tag, (first, last) in [
        ("s001", scene_bounds(1)),
        ("s002", scene_bounds(2)),
        ("s003", scene_bounds(3)),
        ("g01", (scene_bounds(4)[0], scene_bounds(5)[1])),
    ]:
        clip = decode_rgb(root / "clips" / f"Test_Work_{tag}.mp4")
        assert len(clip) == last - first + 1, tag
        assert nearest_frame(clip[0], source_frames) == first, tag
        assert nearest_frame(clip[-1], source_frames) == last, tag


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_stills_are_the_midpoint_frames_with_copyright(
    archived: tuple[Path, subprocess.CompletedProcess[str]], source_frames: list[np.ndarray]
) -> None:
    root, _ = archived
    for n in range(1, 6):
        first, last = scene_bounds(n)
        middle = (first + last) // 2
        hq = root / "stills" / "hq" / f"Test_Work_s{n:03d}_hq.png"
        web = root / "stills" / "web" / f"Test_Work_s{n:03d}_web.jpg"
        for still in (hq, web):
            image = np.asarray(Image.open(still).convert("RGB")).astype(np.int16)
            assert image.shape == source_frames[0].shape
            assert nearest_frame(image, source_frames) == middle, still.name
            assert read_copyright(still) == COPYRIGHT


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_master_copy_is_untouched_streams_with_metadata(
    archived: tuple[Path, subprocess.CompletedProcess[str]], cut_video: Path
) -> None:
    root, _ = archived
    master = root / "masters" / "Test_Work_master.mp4"
    with av.open(str(master)) as copy, av.open(str(cut_video)) as original:
        assert copy.metadata.get("copyright") == COPYRIGHT
        assert copy.metadata.get("title") == "Test Work"
        copied = [bytes(p) for p in copy.demux(video=0) if p.size]
        source = [bytes(p) for p in original.demux(video=0) if p.size]
    assert copied == source


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_clip_metadata_and_manifest(archived: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    root, _ = archived
    with av.open(str(root / "clips" / "Test_Work_s001.mp4")) as clip:
        assert clip.metadata.get("copyright") == COPYRIGHT
        assert not clip.streams.audio  # webflow_standard clips are silent loops
    manifest = json.loads((root / "manifest.json").read_text())
    paths = {o["path"]: o for o in manifest["outputs"]}
    assert "clips/Test_Work_g01.mp4" in paths and "manifest.json" not in paths
    g01 = paths["clips/Test_Work_g01.mp4"]
    assert g01["frames"] == SCENES[3] + SCENES[4] and g01["group"] == "4-5"
    assert g01["size"] == (root / "clips" / "Test_Work_g01.mp4").stat().st_size
    import hashlib

    assert g01["sha256"] == hashlib.sha256((root / g01["path"]).read_bytes()).hexdigest()


@pytest.mark.backends(slow=True)  # the PostgreSQL run: make test
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_database_records_the_session(archived: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    from db.connection import open_database
    from db.models import FileRegistry, OperationLog, ProcessingState, ProjectHistory

    root, _ = archived
    open_database()
    session = ProcessingState.get()
    assert session.status == "completed" and session.completed_at is not None
    assert len(session.scenes_data) == 5 and session.selected_scenes == [1, 2, 3, 4, 5]
    assert session.grouped_scenes == [[4, 5]]
    names = [r.operation_name for r in OperationLog.select()]
    assert len(names) == len(set(names))
    files = [r.file_path for r in FileRegistry.select()]
    # every file in the folder but checksums.sha256, which lists them
    assert len(files) == len(set(files)) == sum(1 for p in root.rglob("*") if p.is_file()) - 1
    history = ProjectHistory.get()
    assert (history.scenes_detected, history.scenes_exported, history.clips_created, history.stills_created) == (
        5,
        5,
        4,
        10,
    )
    assert history.completed_successfully and history.preset_used == "webflow_standard"


@pytest.mark.backends
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_failing_operation_is_recorded_and_the_others_go_on(cut_video: Path, tmp_path: Path) -> None:
    from db.connection import open_database
    from db.models import OperationLog, ProcessingState

    root = tmp_path / "out" / "26-11-23_Fail"
    (root / "clips" / "Fail_s002.mp4").mkdir(parents=True)  # a folder where the clip must go
    done = vat("run", cut_video, "--artwork", "Fail", "--date", "26-11-23", "--out", tmp_path / "out")
    assert done.returncode == 1
    assert "clip:s002" in done.stderr
    open_database()
    assert ProcessingState.get().status == "failed"
    failed = OperationLog.get(OperationLog.operation_name == "clip:s002")
    assert failed.status == "failed" and failed.error_details
    assert (root / "clips" / "Fail_s003.mp4").is_file() and (root / "manifest.json").is_file()
    assert [p for p in root.rglob("*") if ".vat-part" in p.name] == []
