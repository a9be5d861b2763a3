"""Bad input: one line naming the file and the problem, exit 2 (3 for the environment), nothing written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.media import ffmpeg
from tests.helpers import vat


@pytest.fixture(scope="module")
def bad_files(media_dir: Path, cut_video: Path) -> dict[str, Path]:
    folder = media_dir / "bad"
    folder.mkdir(exist_ok=True)
    files = {"missing": folder / "missing.mp4", "empty": folder / "empty.mp4", "text": folder / "notes.mp4"}
    files["empty"].write_bytes(b"")
    files["text"].write_text("this is not a video\n" * 20)
    data = cut_video.read_bytes()
    files["truncated"] = folder / "truncated.mp4"
    files["truncated"].write_bytes(data[: len(data) // 2])
    files["audio"] = folder / "audio_only.m4a"
    ffmpeg.run(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", ffmpeg.file_arg(files["audio"])])
    return files


def assert_nothing_written(out: Path) -> None:
    assert not out.exists() or not any(out.iterdir()), "outputs were written for bad input"
    from db.connection import open_database
    from db.models import ProcessingState

    open_database()
    assert ProcessingState.select().count() == 0, "a session was recorded for bad input"


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize("kind", ["missing", "empty", "text", "truncated", "audio"])
def test_bad_master_files(kind: str, bad_files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    done = vat("run", bad_files[kind], "--artwork", "X", "--out", out)
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert str(bad_files[kind]) in line
    assert_nothing_written(out)


def test_traversing_artwork_name_is_refused(cut_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    done = vat("run", cut_video, "--artwork", "../../x", "--out", out)
    assert done.returncode == 2
    assert "../../x" in one_line(done.stderr)
    assert_nothing_written(out)
    assert not (tmp_path.parent / "x").exists()


def test_unwritable_output_folder_is_an_environment_error(cut_video: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes through permissions: /proc refuses new files even to root
        out = Path("/proc/vat-unwritable")
    else:
        out = tmp_path / "locked"
        out.mkdir()
        out.chmod(0o500)
    try:
        done = vat("run", cut_video, "--artwork", "X", "--out", out / "sub")
    finally:
        if out.is_relative_to(tmp_path):
            out.chmod(0o700)
    assert done.returncode == 3
    assert str(out / "sub") in one_line(done.stderr)
    assert not (out / "sub").exists()


def test_output_location_that_is_a_file(cut_video: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    done = vat("run", cut_video, "--artwork", "X", "--out", blocker / "sub")
    assert done.returncode == 2
    assert str(blocker) in one_line(done.stderr)


def test_nvenc_asked_where_it_does_not_work(cut_video: Path, tmp_path: Path) -> None:
    from core.media.encoders import nvenc_status

    if nvenc_status()[0]:
        pytest.skip("NVENC works on this machine")
    done = vat("run", cut_video, "--artwork", "X", "--out", tmp_path / "out", "--encoder", "nvenc")
    assert done.returncode == 3
    assert "NVENC" in one_line(done.stderr)
    assert_nothing_written(tmp_path / "out")


def test_malformed_scene_selection_is_refused_before_anything(cut_video: Path, tmp_path: Path) -> None:
    done = vat("run", cut_video, "--artwork", "X", "--out", tmp_path / "out", "--scenes", "1,x")
    assert done.returncode == 2
    assert "--scenes" in one_line(done.stderr)
    assert_nothing_written(tmp_path / "out")


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_scene_numbers_beyond_the_detected_ones_keep_the_detection_for_a_new_selection(
    cut_video: Path, tmp_path: Path
) -> None:
    """The count is known only after detection: exit 2, no output, but the detection is kept and the
    session takes a new selection with `vat --resume SID --scenes ...`."""
    from tests.helpers import json_events

    out = tmp_path / "out"
    done = vat("run", cut_video, "--artwork", "X", "--out", out, "--scenes", "1,9")
    assert done.returncode == 2
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("vat: error: --scenes '9': the master has only 5 scenes. The detection is kept")
    assert not [p for p in out.rglob("*") if p.is_file()]
    from db.connection import open_database
    from db.models import OperationLog, ProcessingState

    open_database()
    session = ProcessingState.get()
    assert f"vat --resume {session.session_id} --scenes" in line
    assert session.status == "initialized" and len(session.scenes_data) == 5 and session.selected_scenes is None
    detected_at = OperationLog.get(OperationLog.operation_name == "scene_detection").end_time

    assert vat("--resume").stdout.strip() == "nothing to resume"  # waits for a selection, not for a plain resume
    again = vat("--resume", session.session_id)
    assert again.returncode == 2 and "the master has only 5 scenes" in one_line(again.stderr)
    bad = vat("--resume", session.session_id, "--group", "3-2")
    assert bad.returncode == 2 and "reversed" in one_line(bad.stderr)

    fixed = vat("--resume", session.session_id, "--scenes", "2", "--group", "4-5", "--json")
    assert fixed.returncode == 0, fixed.stderr
    assert not [e for e in json_events(fixed.stdout) if e["event"] == "detect"], "detected again"
    session = ProcessingState.get()
    assert session.status == "completed"
    assert session.selected_scenes == [2, 4, 5] and session.grouped_scenes == [[4, 5]]
    assert OperationLog.get(OperationLog.operation_name == "scene_detection").end_time == detected_at
    clips = sorted(p.name for p in (out / f"{session.project_date}_X" / "clips").iterdir())
    assert clips == ["X_g01.mp4", "X_s002.mp4"]


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_reversed_group_and_scene_zero_are_refused_before_anything(cut_video: Path, tmp_path: Path) -> None:
    for option, words in ((["--group", "2-1"], "the range is reversed"), (["--scenes", "0"], "numbered from 1")):
        done = vat("run", cut_video, "--artwork", "X", "--out", tmp_path / "out", *option)
        assert done.returncode == 2
        assert words in one_line(done.stderr)
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize("workers", ["0", "-1", "999", "two"])
def test_workers_out_of_range_are_refused_at_parse_time(cut_video: Path, tmp_path: Path, workers: str) -> None:
    for args in (["run", cut_video, "--artwork", "X", "--out", tmp_path / "out"], ["--resume"]):
        done = vat(*args, f"--workers={workers}")
        assert done.returncode == 2
        line = one_line(done.stderr)
        assert "--workers" in line and ("expected 1 to" in line or "whole number" in line)
    assert_nothing_written(tmp_path / "out")


def test_unknown_preset(cut_video: Path, tmp_path: Path) -> None:
    done = vat("run", cut_video, "--artwork", "X", "--out", tmp_path / "out", "--preset", "nope")
    assert done.returncode == 2
    assert "nope" in one_line(done.stderr)
    assert_nothing_written(tmp_path / "out")


def test_usage_errors_exit_2() -> None:
    done = vat("run")
    assert done.returncode == 2 and "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def still_masters(media_dir: Path) -> dict[str, Path]:
    """Stills made by ffmpeg, one as a .mp4 by name only, and a real MP4 of a single frame."""
    folder = media_dir / "stills"
    folder.mkdir(exist_ok=True)
    source = ["-f", "lavfi", "-i", "testsrc2=s=160x96:r=25", "-frames:v", "1"]
    files = {kind: folder / f"frame.{kind}" for kind in ("png", "jpg", "tiff")}
    for path in files.values():
        ffmpeg.run([*source, "-update", "1", ffmpeg.file_arg(path)])
    files["png_named_mp4"] = folder / "really a png.mp4"
    files["png_named_mp4"].write_bytes(files["png"].read_bytes())
    files["one_frame_mp4"] = folder / "one frame.mp4"
    ffmpeg.run([*source, "-c:v", "libx264", "-pix_fmt", "yuv420p", ffmpeg.file_arg(files["one_frame_mp4"])])
    return files


@pytest.mark.parametrize(
    "kind, problem",
    [
        ("png", "a still image (PNG), not a video"),
        ("jpg", "a still image (JPEG), not a video"),
        ("tiff", "a still image (TIFF), not a video"),
        ("png_named_mp4", "a still image (PNG), not a video"),
        ("one_frame_mp4", "a single video frame (h264), not a video"),
    ],
)
def test_still_image_master_is_refused(kind: str, problem: str, still_masters: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    done = vat("run", still_masters[kind], "--artwork", "Still", "--out", out)
    assert done.returncode == 2, done.stderr
    assert one_line(done.stderr) == f"vat: error: {still_masters[kind]}: {problem}"
    assert_nothing_written(out)
