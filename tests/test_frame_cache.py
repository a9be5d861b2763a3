"""The decoded-frame cache (core.media.frames): where one clip ends the next begins, and the second
of the two to be verified, in either order, decodes nothing of the source for that end; a frame from
the cache is the frame a fresh decode gives, so an off-by-one clip still fails; two workers asking at
once decode once."""

from __future__ import annotations

import dataclasses
import shutil
import threading
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from core.media import frames
from core.media.keyframes import keyframe_before
from core.media.probe import packet_times
from core.media.verify import VerificationError, verify
from core.media.verify_frames import end_problem
from core.pipeline.plan import clip_seek
from tests.conftest import SCENES
from tests.test_clip_end_frames import _clip, _make, _plan


def _first_frame(path: Path) -> Image.Image:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_image()


def _same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and bool(np.array_equal(np.asarray(a), np.asarray(b)))


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    frames.clear_cache()


@pytest.mark.parametrize("interlaced", [False, True])
def test_the_next_clips_first_end_decodes_nothing_in_either_order(
    cut_video: Path, interlaced_video: Path, tmp_path: Path, interlaced: bool
) -> None:
    video = interlaced_video if interlaced else cut_video
    plan, _, _, _ = _plan(video, tmp_path)
    s002, s003 = _clip(plan, "clip:s002"), _clip(plan, "clip:s003")  # frames 30-54, 55-94
    assert s002.expected.ends is not None and s002.expected.ends.deinterlace == interlaced
    made = {op.key: _make(op, tmp_path / f"{op.key[5:]}.mp4") for op in (s002, s003)}

    # plan order: s003's first end (frames 54, 55, 56) was decoded with s002's last (53, 54, 55)
    verify(s002, made[s002.key])
    passes, decoded = frames.decode_count(), frames.decoded_frames()
    ends = s003.expected.ends
    assert ends is not None
    assert end_problem("first", _first_frame(made[s003.key]), ends, ends.first) is None
    assert (frames.decode_count(), frames.decoded_frames()) == (passes, decoded)

    # the other order (two workers): s002's last end was decoded with s003's first
    frames.clear_cache()
    verify(s003, made[s003.key])
    passes = frames.decode_count()
    verify(s002, made[s002.key])
    assert frames.decode_count() == passes + 1  # its first end only


@pytest.mark.parametrize("shift", [1, -1])
def test_an_off_by_one_clip_fails_on_frames_from_the_cache(cut_video: Path, tmp_path: Path, shift: int) -> None:
    plan, times, keyframes, media = _plan(cut_video, tmp_path)
    s002, s003 = _clip(plan, "clip:s002"), _clip(plan, "clip:s003")
    verify(s002, _make(s002, tmp_path / "s002.mp4"))
    first = s003.params["first_frame"]
    seek = [round(x, 6) for x in clip_seek(times, keyframes, first + shift, media.start_time)]
    shifted = dataclasses.replace(s003, params={**s003.params, "seek": seek})
    path = _make(shifted, tmp_path / "shifted.mp4")
    passes = frames.decode_count()
    with pytest.raises(VerificationError, match=f"first frame is the source's frame {first + shift}, planned {first}"):
        verify(shifted, path)
    assert frames.decode_count() == passes  # decided on cached frames alone


def test_cached_frames_are_the_frames_a_fresh_decode_gives(cut_video: Path) -> None:
    times, keyframes = packet_times(cut_video)
    at = 70  # mid-scene, the frames beside it kept too
    got = frames.frames_at(cut_video, times[at - 1 : at + 2], keyframe_before(keyframes, times[at - 1]))
    from_cache = [frames.frame_at(cut_video, times[i]) for i in range(at - 2, at + 3)]
    passes = frames.decode_count()
    for offset, image in enumerate(from_cache):
        frames.clear_cache()
        fresh = frames.frame_at(cut_video, times[at - 2 + offset], keyframe_before(keyframes, times[at - 2 + offset]))
        assert _same(image, fresh), f"frame {at - 2 + offset}"
    assert frames.decode_count() == passes + 5
    assert all(_same(a, b) for a, b in zip(got, from_cache[1:4], strict=True))


def test_two_threads_asking_for_overlapping_frames_decode_them_once(cut_video: Path) -> None:
    times, keyframes = packet_times(cut_video)
    wanted = {"last end": (68, 69, 70), "next first end": (69, 70, 71)}  # no keyframe among them
    assert not set(keyframes) & {times[i] for i in range(66, 74)}
    fresh = {i: frames.frame_at(cut_video, times[i], keyframe_before(keyframes, times[i])) for i in range(68, 72)}
    for _ in range(5):
        frames.clear_cache()
        passes = frames.decode_count()
        barrier = threading.Barrier(2)
        got: dict[str, list[Image.Image]] = {}

        def ask(name: str, barrier: threading.Barrier, got: dict[str, list[Image.Image]]) -> None:
            indices = wanted[name]
            barrier.wait()
            got[name] = frames.frames_at(
                cut_video, [times[i] for i in indices], keyframe_before(keyframes, times[indices[0]])
            )

        threads = [threading.Thread(target=ask, args=(name, barrier, got)) for name in wanted]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert frames.decode_count() == passes + 1
        for name, indices in wanted.items():
            assert all(_same(image, fresh[i]) for image, i in zip(got[name], indices, strict=True)), name


def test_a_master_replaced_under_the_same_name_is_decoded_again(
    cut_video: Path, interlaced_video: Path, tmp_path: Path
) -> None:
    master = tmp_path / "master.mp4"
    shutil.copyfile(cut_video, master)
    times, _ = packet_times(master)
    before = frames.frame_at(master, times[10])
    shutil.copyfile(interlaced_video, master)  # another picture at the same time
    passes = frames.decode_count()
    after = frames.frame_at(master, times[10])
    assert frames.decode_count() == passes + 1 and not _same(before, after)


def test_the_cache_is_bounded_by_count_and_bytes(cut_video: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    times, keyframes = packet_times(cut_video)
    for index in range(1, sum(SCENES) - 1, 3):
        frames.frames_at(cut_video, times[index - 1 : index + 2], keyframe_before(keyframes, times[index - 1]))
    assert len(frames._cache) == frames.CACHE_FRAMES
    frame_bytes = 160 * 96 * 3
    monkeypatch.setattr(frames, "CACHE_BYTES", 4 * frame_bytes)
    frames.frame_at(cut_video, times[0])
    assert len(frames._cache) == 4
