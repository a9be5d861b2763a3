"""A clip's first and last frames are checked by content (issue 8, item 3): an off-by-one that keeps
the frame count fails verification, while a held picture (a neighbour identical to the wanted frame)
may match either way."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest

from core.media import ffmpeg
from core.media.frames import frame_at
from core.media.probe import MediaInfo, packet_times, probe
from core.media.verify import VerificationError, verify
from core.media.verify_frames import end_problem
from core.pipeline.execute import Context, make_clip
from core.pipeline.plan import Operation, PlanInput, build_plan, clip_seek
from core.pipeline.presets import BUILTIN_PRESETS
from core.scenes import scenes_from_cuts
from tests.conftest import SCENES
from tests.media import _cut_graph, cut_starts, encode_graph


def _plan(
    master: Path, tmp_path: Path, scene_frames: list[int] = SCENES
) -> tuple[list[Operation], list[float], list[float], MediaInfo]:
    media = probe(master)
    times, keyframes = packet_times(master)
    assert media.duration is not None
    scenes = scenes_from_cuts(cut_starts(scene_frames), times, media.duration)
    preset = next(p for p in BUILTIN_PRESETS if p.preset_id == "webflow_standard")
    return (
        build_plan(
            PlanInput(
                artwork="Ends",
                slug="Ends",
                project_date="26-11-23",
                out_root=tmp_path,
                master=master,
                media=media,
                scenes=scenes,
                frame_times=times,
                keyframes=keyframes,
                selected=[s.index for s in scenes],
                groups=[],
                preset=preset,
                encoder="x264",
                copyright="© Test",
            )
        ),
        times,
        keyframes,
        media,
    )


def _clip(plan: list[Operation], key: str) -> Operation:
    return next(op for op in plan if op.key == key)


def _make(op: Operation, path: Path) -> Path:
    make_clip(op, path, Context(cancel=threading.Event(), threads=2))
    return path


@pytest.mark.parametrize("shift", [1, -1])
def test_a_clip_shifted_by_one_frame_fails_verification(cut_video: Path, tmp_path: Path, shift: int) -> None:
    plan, times, keyframes, media = _plan(cut_video, tmp_path)
    op = _clip(plan, "clip:s002")  # frames 30-54
    first = op.params["first_frame"]
    assert verify(op, _make(op, tmp_path / "right.mp4"))["frames"] == SCENES[1]

    # the same clip but cut one frame late (or early): same count, same size, same duration
    seek = [round(x, 6) for x in clip_seek(times, keyframes, first + shift, media.start_time)]
    shifted = dataclasses.replace(op, params={**op.params, "seek": seek})
    path = _make(shifted, tmp_path / "shifted.mp4")
    with pytest.raises(VerificationError, match=f"first frame is the source's frame {first + shift}, planned {first}"):
        verify(shifted, path)


def test_a_clip_whose_last_frame_is_wrong_fails_verification(cut_video: Path, tmp_path: Path) -> None:
    plan, times, _, _ = _plan(cut_video, tmp_path)
    op = _clip(plan, "clip:s002")
    # the plan of the next scene's clip, checked against this clip's frames: both ends are wrong
    other = _clip(plan, "clip:s003")
    with pytest.raises(VerificationError, match="first frame is not the source's frame 55"):
        verify(
            dataclasses.replace(
                other, expected=dataclasses.replace(other.expected, frames=SCENES[1], duration=op.expected.duration)
            ),
            _make(op, tmp_path / "s002.mp4"),
        )
    ends, other_ends = op.expected.ends, other.expected.ends
    assert ends is not None and other_ends is not None
    last_only = dataclasses.replace(ends, first=ends.first, last=other_ends.last)
    with pytest.raises(VerificationError, match="last frame is not the source's frame 94"):
        verify(
            dataclasses.replace(op, expected=dataclasses.replace(op.expected, ends=last_only)), tmp_path / "s002.mp4"
        )


@pytest.fixture(scope="module")
def held_video(media_dir: Path) -> Path:
    """Animation on twos: every picture held for two frames (25 fps, 60 frames, cut at 30)."""
    path = media_dir / "on_twos.mp4"
    graph = _cut_graph([15, 15], 25, (160, 96)) + ";[cat]setpts=2*PTS,fps=25[v]"
    encode_graph(graph, path)
    return path


def test_a_held_picture_may_match_either_neighbour(held_video: Path, tmp_path: Path) -> None:
    plan, times, _, _ = _plan(held_video, tmp_path, scene_frames=[30, 30])
    ends = _clip(plan, "clip:s002").expected.ends  # frames 30-59
    assert ends is not None
    first = ends.first
    assert first.index == 30
    # frame 31 is frame 30 held: a clip starting there shows the same picture, which is right
    assert end_problem("first", frame_at(held_video, times[31]), ends, first) is None
    assert end_problem("first", frame_at(held_video, times[30]), ends, first) is None
    # frame 29 is another picture (the scene before): wrong
    assert "frame 29, planned 30" in (end_problem("first", frame_at(held_video, times[29]), ends, first) or "")


@pytest.fixture(scope="module")
def grainy_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two 2 s scenes under heavy film-like grain: grain does not survive an encode, so even the right
    clip frame is far from its source frame (about 28 dB)."""
    path = tmp_path_factory.mktemp("grain") / "grainy.mp4"
    graph = (
        "testsrc2=s=160x96:r=25:d=2,noise=alls=60:allf=t[a];"
        "color=c=0x2f9e44:s=160x96:r=25:d=2,noise=alls=60:allf=t[b];"
        "[a][b]concat=n=2:v=1:a=0,format=yuv420p[v]"
    )
    ffmpeg.run(
        ["-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-crf", "18", "-bf", "2", ffmpeg.file_arg(path)]
    )
    return path


def test_a_grainy_master_verifies_and_a_shift_is_still_caught(grainy_video: Path, tmp_path: Path) -> None:
    plan, times, keyframes, media = _plan(grainy_video, tmp_path, [50, 50])
    op = _clip(plan, "clip:s001")
    assert verify(op, _make(op, tmp_path / "right.mp4"))["frames"] == 50

    seek = [round(x, 6) for x in clip_seek(times, keyframes, 1, media.start_time)]
    shifted = dataclasses.replace(op, params={**op.params, "seek": seek})
    with pytest.raises(VerificationError, match="first frame is the source's frame 1, planned 0"):
        verify(shifted, _make(shifted, tmp_path / "shifted.mp4"))
