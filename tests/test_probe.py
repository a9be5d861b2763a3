"""core.media.probe on real files made by ffmpeg: facts of good media, one-line errors for bad input."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from core.errors import EXIT_BAD_INPUT, MediaError
from core.media.probe import frame_times, probe
from tests.conftest import SCENES
from tests.media import (
    make_audio_only,
    make_chaptered,
    make_cut_video,
    make_vfr_video,
    remux,
    truncate_copy,
    vfr_times,
)

VFR_SCENES = [40, 40, 40]
VFR_SLOW = (30, 80)  # frames 30..79 last 80 ms instead of 40
CHAPTERS = [(0.0, 2.5, "Opening"), (2.5, 6.0, "Ending")]


@pytest.fixture(scope="session")
def probe_media(media_dir: Path, cut_video: Path) -> dict[str, Path]:
    """Every probe input, made once: variants of the standard cut video and a few broken files."""
    d = media_dir / "probe"
    d.mkdir()
    faststart = remux(cut_video, d / "faststart.mp4", extra=["-movflags", "+faststart"])
    text = d / "notes.mp4"
    text.write_text("these are notes, not a video\n", encoding="utf-8")
    empty = d / "empty.mp4"
    empty.touch()
    return {
        "vfr": make_vfr_video(d / "vfr.mp4", VFR_SCENES, VFR_SLOW),
        "rotated": remux(cut_video, d / "rotated.mp4", before_input=["-display_rotation", "90"]),
        "chapters": make_chaptered(cut_video, d / "chapters.mp4", CHAPTERS, "Artwork title"),
        "ts": remux(cut_video, d / "cuts.ts", extra=["-f", "mpegts"]),
        "audio": make_audio_only(d / "tone.m4a"),
        "text": text,
        "empty": empty,
        # moov at the end (ffmpeg's default): the first half has no index at all
        "truncated": truncate_copy(cut_video, d / "truncated.mp4"),
        # moov at the front: the index is whole but promises data that is not there
        "truncated_faststart": truncate_copy(faststart, d / "truncated_faststart.mp4"),
        "silent": make_cut_video(d / "silent.mp4", [20], audio=False),
    }


def test_probe_of_the_cut_video(cut_video: Path) -> None:
    info = probe(cut_video, require_video=True)
    assert info.has_video
    assert (info.width, info.height) == (160, 96)
    assert info.fps == 25.0 and not info.vfr
    assert info.frame_count == sum(SCENES) == 150 and info.frame_count_exact
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert info.pixel_format == "yuv420p"
    assert info.duration == pytest.approx(6.0, abs=0.05)
    assert info.start_time == 0.0
    assert info.rotation == 0 and info.display_size == (160, 96)
    assert info.chapters == []
    assert "mp4" in info.container
    assert info.bit_rate and info.bit_rate > 0


def test_silent_video_has_no_audio_codec(probe_media: dict[str, Path]) -> None:
    info = probe(probe_media["silent"])
    assert info.audio_codec is None and info.frame_count == 20


def test_vfr_is_flagged_and_counted_exactly(probe_media: dict[str, Path]) -> None:
    info = probe(probe_media["vfr"])
    assert info.vfr
    assert info.frame_count == sum(VFR_SCENES) and info.frame_count_exact
    assert info.duration == pytest.approx(vfr_times(120, VFR_SLOW)[-1] + 0.04, abs=0.01)


def test_frame_times_of_a_vfr_source_are_exact(probe_media: dict[str, Path]) -> None:
    assert frame_times(probe_media["vfr"]) == pytest.approx(vfr_times(sum(VFR_SCENES), VFR_SLOW), abs=1e-6)


def test_frame_times_of_the_cut_video(cut_video: Path) -> None:
    assert frame_times(cut_video) == pytest.approx([n / 25 for n in range(150)], abs=1e-6)


def test_frame_times_keep_a_nonzero_start(probe_media: dict[str, Path]) -> None:
    """MPEG-TS starts its clock at ~1.4 s: times are reported as in the stream, not shifted."""
    info = probe(probe_media["ts"])
    times = frame_times(probe_media["ts"])
    assert len(times) == 150
    assert times[0] > 1.0 and info.start_time > 1.0
    assert times == sorted(times)
    assert [b - a for a, b in pairwise(times)] == pytest.approx([0.04] * 149, abs=1e-4)


def test_rotation_from_the_display_matrix(probe_media: dict[str, Path]) -> None:
    info = probe(probe_media["rotated"])
    assert info.rotation == 90
    assert (info.width, info.height) == (160, 96)
    assert info.display_size == (96, 160)


def test_chapters_and_tags_and_the_chapter_track_does_not_crash(probe_media: dict[str, Path]) -> None:
    info = probe(probe_media["chapters"])  # MP4 chapters add a data stream with no codec context
    assert [title for _, _, title in info.chapters] == [title for _, _, title in CHAPTERS]
    bounds = [t for start, end, _ in info.chapters for t in (start, end)]
    assert bounds == pytest.approx([t for start, end, _ in CHAPTERS for t in (start, end)], abs=0.001)
    assert info.metadata.get("title") == "Artwork title"
    assert info.has_video and info.frame_count == 150


def test_audio_only_is_fine_unless_video_is_required(probe_media: dict[str, Path]) -> None:
    path = probe_media["audio"]
    info = probe(path)
    assert not info.has_video and info.audio_codec == "aac" and info.width is None
    with pytest.raises(MediaError) as caught:
        probe(path, require_video=True)
    assert str(caught.value) == f"{path}: no video stream (audio only)"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("text", "not a media file"),
        ("empty", "empty file"),
        ("truncated", "truncated"),
        ("truncated_faststart", "truncated"),
    ],
)
def test_bad_files_raise_one_line_naming_the_file(probe_media: dict[str, Path], name: str, problem: str) -> None:
    path = probe_media[name]
    with pytest.raises(MediaError) as caught:
        probe(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and problem in message
    assert "\n" not in message
    assert caught.value.exit_code == EXIT_BAD_INPUT


def test_missing_path_and_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope.mp4"
    with pytest.raises(MediaError, match="no such file") as caught:
        probe(missing)
    assert str(missing) in str(caught.value)
    with pytest.raises(MediaError, match="directory") as caught:
        probe(tmp_path)
    assert str(tmp_path) in str(caught.value)


def test_frame_times_of_bad_input_raise_media_error(probe_media: dict[str, Path]) -> None:
    with pytest.raises(MediaError, match="not a media file"):
        frame_times(probe_media["text"])
    with pytest.raises(MediaError, match="no video stream"):
        frame_times(probe_media["audio"])
