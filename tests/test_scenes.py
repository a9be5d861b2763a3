"""core.scenes on real tiny videos with known cuts: exact frames, exact times, progress, cancel."""

from __future__ import annotations

import json
import threading
from itertools import pairwise
from pathlib import Path

import av
import numpy as np
import pytest

from core import scenes
from core.errors import BadInput, Cancelled, MediaError
from core.events import DetectProgress
from core.media import framesource
from core.media.probe import frame_times
from core.scenes import DETECTORS, default_threshold, detect_scenes
from tests.conftest import SCENES
from tests.media import (
    black_gap_cuts,
    cut_starts,
    make_black_gap_video,
    make_cut_video,
    make_vfr_video,
    vfr_times,
)

VFR_SCENES = [40, 40, 40]
VFR_SLOW = (30, 80)  # frames 30..79 last two frame periods
GAP_SCENES, GAP_BLACK = [30, 30, 30], 10
PIX_FMTS = ["yuv420p10le", "yuv422p", "yuvj420p"]  # 10-bit, 4:2:2, full range


@pytest.fixture(scope="session")
def scene_media(media_dir: Path) -> dict[str, Path]:
    d = media_dir / "scenes"
    d.mkdir()
    return {
        "single": make_cut_video(d / "single.mp4", [60], audio=False),
        "vfr": make_vfr_video(d / "vfr.mp4", VFR_SCENES, VFR_SLOW),
        "gaps": make_black_gap_video(d / "gaps.mp4", GAP_SCENES, GAP_BLACK),
        # masters are often 10-bit or 4:2:2: the fast plane path must read them right
        **{
            fmt: make_cut_video(d / f"{fmt}.mp4", SCENES, audio=False, extra_args=["-pix_fmt", fmt]) for fmt in PIX_FMTS
        },
    }


def expected_scenes(scene_frames: list[int], fps: float = 25.0) -> list[dict[str, object]]:
    """The to_dict() scenes of a CFR video whose scenes have these frame counts."""
    out: list[dict[str, object]] = []
    at = 0
    for i, n in enumerate(scene_frames):
        out.append(
            {"index": i + 1, "start_frame": at, "end_frame": at + n - 1, "start": at / fps, "end": (at + n) / fps}
        )
        if i:  # every scene but the first starts with a transition: here a cut, a one-frame span
            out[-1]["transition_in"] = {"kind": "cut", "first_frame": at, "last_frame": at}
        at += n
    return out


def expected_transitions(scene_frames: list[int]) -> list[dict]:
    """The to_dict() transitions of a video of hard cuts whose scenes have these frame counts."""
    return [
        {"kind": "cut", "first_frame": at, "last_frame": at, "boundary_frame": at}
        for at in cut_starts(scene_frames)[1:]
    ]


@pytest.mark.parametrize("detector", ["transitions", "adaptive", "content", "histogram"])
def test_known_cuts_are_found_exactly(cut_video: Path, detector: str) -> None:
    result = detect_scenes(cut_video, detector)
    assert [s.start_frame for s in result.scenes] == cut_starts(SCENES) == [0, 30, 55, 95, 120]
    expected = {
        "fps": 25.0,
        "frames": 150,
        "duration": 6.0,
        "scenes": expected_scenes(SCENES),
        "transitions": expected_transitions(SCENES),
    }
    found = result.to_dict()
    scores = [t.pop("score") for t in found["transitions"]]
    for scene in found["scenes"][1:]:
        assert scene["transition_in"].pop("score") == scores[scene["index"] - 2]
    assert found == expected
    # each cut's score is the detector's own metric there, past its threshold (histogram: a correlation below it)
    threshold = default_threshold(detector)
    if detector == "histogram":
        assert all(s <= 1 - threshold for s in scores)
    else:
        assert all(s >= threshold for s in scores)


@pytest.mark.parametrize("pix_fmt", PIX_FMTS)
def test_other_pixel_formats_find_the_same_cuts(scene_media: dict[str, Path], pix_fmt: str) -> None:
    result = detect_scenes(scene_media[pix_fmt], "content")
    assert [s.start_frame for s in result.scenes] == cut_starts(SCENES)


@pytest.mark.parametrize("pix_fmt", PIX_FMTS)
def test_fast_shrink_matches_swscale(scene_media: dict[str, Path], pix_fmt: str) -> None:
    """The plane path (resize Y, U, V, then convert small) agrees with swscale's full conversion."""
    path = scene_media[pix_fmt]
    ours = [f.image for f in framesource.frames(path, size=(80, 48))]
    with av.open(str(path)) as container:
        theirs = [f.to_ndarray(width=80, height=48, format="bgr24") for f in container.decode(video=0)]
    assert len(ours) == len(theirs) == 150
    for index in (0, 40, 100):
        assert ours[index].shape == theirs[index].shape == (48, 80, 3)
        assert np.abs(ours[index].astype(int) - theirs[index].astype(int)).mean() < 4


def test_analysis_size_follows_pyscenedetects_auto_downscale() -> None:
    assert framesource.analysis_size(1920, 1080) == (256, 144)
    assert framesource.analysis_size(3840, 2160) == (256, 144)
    assert framesource.analysis_size(1080, 1920) == (144, 256)  # portrait: the longest side is the one shrunk
    assert framesource.analysis_size(160, 96) == (160, 96)  # small enough already
    assert framesource.analysis_size(161, 97) == (161, 97)  # odd sizes stay: PySceneDetect does not round them
    assert framesource.analysis_size(720, 576) == (256, 205)  # factor 2.8125, each side rounded


def test_scene_properties(cut_video: Path) -> None:
    scenes = detect_scenes(cut_video).scenes
    third = scenes[2]
    assert (third.index, third.start_frame, third.end_frame) == (3, 55, 94)
    assert third.frame_count == 40 and third.midpoint_frame == 74
    assert third.start == pytest.approx(2.2) and third.end == pytest.approx(3.8)
    assert third.duration == pytest.approx(1.6)
    assert sum(s.frame_count for s in scenes) == 150


def test_detection_carries_every_frame_time(cut_video: Path) -> None:
    result = detect_scenes(cut_video)
    assert result.frames == 150 and result.start_time == 0.0
    # decoding and demuxing agree, frame for frame
    assert result.frame_times == pytest.approx(frame_times(cut_video), abs=1e-9)


def test_to_dict_is_json_with_exactly_the_documented_keys(cut_video: Path) -> None:
    data = json.loads(json.dumps(detect_scenes(cut_video, "content").to_dict()))
    assert list(data) == ["fps", "frames", "duration", "scenes", "transitions"]
    assert list(data["scenes"][0]) == ["index", "start_frame", "end_frame", "start", "end"]
    assert list(data["scenes"][1]) == ["index", "start_frame", "end_frame", "start", "end", "transition_in"]
    assert list(data["scenes"][1]["transition_in"]) == ["kind", "first_frame", "last_frame", "score"]
    assert list(data["transitions"][0]) == ["kind", "first_frame", "last_frame", "score", "boundary_frame"]


@pytest.mark.parametrize("detector", DETECTORS)
def test_every_detector_tiles_the_whole_video(cut_video: Path, detector: str) -> None:
    scenes = detect_scenes(cut_video, detector).scenes
    assert scenes[0].start_frame == 0 and scenes[-1].end_frame == 149
    assert [s.index for s in scenes] == list(range(1, len(scenes) + 1))
    for before, after in pairwise(scenes):
        assert after.start_frame == before.end_frame + 1 and after.start == before.end


def test_min_scene_len_drops_cuts_that_come_too_soon(cut_video: Path) -> None:
    # adaptive keeps a cut only min_scene_len frames after the previous one (or the start)
    result = detect_scenes(cut_video, "adaptive", min_scene_len=35)
    assert [s.start_frame for s in result.scenes] == [0, 55, 95]


def test_threshold_detector_cuts_in_the_middle_of_black_gaps(scene_media: dict[str, Path]) -> None:
    result = detect_scenes(scene_media["gaps"], "threshold")
    assert [s.start_frame for s in result.scenes] == black_gap_cuts(GAP_SCENES, GAP_BLACK) == [0, 35, 75]


def test_a_video_without_cuts_is_one_scene(scene_media: dict[str, Path]) -> None:
    result = detect_scenes(scene_media["single"], "content")
    assert [s.to_dict() for s in result.scenes] == expected_scenes([60])


def test_vfr_source_keeps_its_true_frame_times(scene_media: dict[str, Path]) -> None:
    times = vfr_times(sum(VFR_SCENES), VFR_SLOW)
    result = detect_scenes(scene_media["vfr"], "content")
    assert result.frame_times == pytest.approx(times, abs=1e-6)
    assert [s.start_frame for s in result.scenes] == [0, 40, 80]  # frames, not seconds x fps
    assert [s.start for s in result.scenes] == pytest.approx([0.0, times[40], times[80]])
    assert [s.end for s in result.scenes] == pytest.approx([times[40], times[80], times[-1] + 0.04])
    assert result.duration == pytest.approx(times[-1] + 0.04)


def test_progress_events_count_up_to_the_last_frame(cut_video: Path) -> None:
    events: list[DetectProgress] = []
    detect_scenes(cut_video, on_progress=events.append)
    frames = [e.frame for e in events]
    assert len(events) >= 2 and frames == sorted(set(frames))
    assert frames[-1] == 150 and events[-1].total_frames == 150 and events[-1].fraction == 1.0


def test_cancel_stops_detection(cut_video: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenes, "PROGRESS_INTERVAL_S", 0.0)  # a report for every frame
    cancel = threading.Event()
    seen = []

    def on_progress(event: DetectProgress) -> None:
        seen.append(event.frame)
        cancel.set()  # as the TUI's cancel button would, from the first report on

    with pytest.raises(Cancelled):
        detect_scenes(cut_video, on_progress=on_progress, cancel=cancel)
    assert seen == [1]  # stopped at the next frame, long before the end


def test_cancel_set_beforehand_raises_at_once(cut_video: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        detect_scenes(cut_video, cancel=cancel)


def test_default_threshold_maps_the_content_setting() -> None:
    assert default_threshold("content") == 30.0
    assert default_threshold("adaptive") == pytest.approx(3.0)
    assert default_threshold("hash") == pytest.approx(0.35)
    assert default_threshold("histogram") == pytest.approx(0.20)
    assert default_threshold("threshold") == 12.0
    assert default_threshold("content", 45) == 45.0
    assert default_threshold("adaptive", 45) == pytest.approx(4.5)
    assert default_threshold("threshold", 45) == 12.0  # a black level, not a sensitivity
    assert default_threshold("hash", 200) == 1.0  # clamped to the detector's scale


def test_bad_arguments_and_bad_input(cut_video: Path, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="unknown scene detector"):
        detect_scenes(cut_video, "magic")
    with pytest.raises(BadInput, match="negative"):
        detect_scenes(cut_video, min_scene_len=-1)
    text = tmp_path / "clip.mp4"
    text.write_text("not video", encoding="utf-8")
    with pytest.raises(MediaError, match="not a media file"):
        detect_scenes(text)
