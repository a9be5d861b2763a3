"""Cached per-frame detection statistics (core.detection.cache, core.detection.metrics): a re-detect with
another threshold or minimum length, or on a copy of the master, gives exactly the cuts of a decoding
run without decoding."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from core.detection import cache as detect_cache
from core.detection import metrics as detect_metrics
from core.media import framesource
from core.scenes import DETECTORS, Detection, default_threshold, detect_scenes
from tests.media import encode_graph, make_black_gap_video


@pytest.fixture(scope="module")
def varied_video(media_dir: Path) -> Path:
    """Slow zooms, fades through black, a moving pattern and hard cuts: a spread of metric values,
    so thresholds and minimum lengths really change the cuts."""
    path = media_dir / "varied.mp4"
    if not path.exists():
        s, r = "160x96", 25
        graph = (
            f"mandelbrot=s={s}:r={r},trim=end_frame=50,fade=t=out:st=1.4:d=0.6[a];"
            f"testsrc2=s={s}:r={r},trim=end_frame=40,fade=t=in:st=0:d=0.5,setpts=PTS-STARTPTS[b];"
            f"life=s={s}:r={r}:mold=10:ratio=0.2,trim=end_frame=45,setpts=PTS-STARTPTS[c];"
            f"smptebars=s={s}:r={r},trim=end_frame=20,setpts=PTS-STARTPTS[d];"
            f"cellauto=s={s}:r={r}:rule=110,trim=end_frame=30,fade=t=out:st=0.8:d=0.4,setpts=PTS-STARTPTS[e];"
            "[a][b][c][d][e]concat=n=5:v=1:a=0,format=yuv420p[v]"
        )
        encode_graph(graph, path, "-bf", "2")
    return path


@pytest.fixture(scope="module")
def gap_video(media_dir: Path) -> Path:
    path = media_dir / "cache_gaps.mp4"
    return path if path.exists() else make_black_gap_video(path, [30, 30, 30], 10)


def _same(a: Detection, b: Detection) -> None:
    assert [s.to_dict() for s in a.scenes] == [s.to_dict() for s in b.scenes]
    assert a.frame_times == b.frame_times
    assert (a.frames, a.duration, a.start_time, a.fps) == (b.frames, b.duration, b.start_time, b.fps)


@pytest.mark.parametrize("detector", DETECTORS)
@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_cached_statistics_give_exactly_the_cuts_of_decoding(
    detector: str, cut_video: Path, varied_video: Path, gap_video: Path
) -> None:
    seen_different = False
    for video in (cut_video, varied_video, gap_video):
        first = detect_scenes(video, detector)
        assert not first.from_cache  # nothing cached yet: decoded, and recorded
        results = []
        base = default_threshold(detector)
        for threshold, min_len in ((base, 15), (base * 0.4, 3), (base * 1.6, 8)):
            fresh = detect_scenes(video, detector, threshold, min_len, use_cache=False)
            cached = detect_scenes(video, detector, threshold, min_len)
            assert cached.from_cache and not fresh.from_cache
            _same(cached, fresh)
            results.append([s.start_frame for s in cached.scenes])
        seen_different |= len({tuple(r) for r in results}) > 1
    assert seen_different, "the thresholds chosen do not change the cuts: the test would prove little"


def test_the_cuts_come_from_the_cached_scores(cut_video: Path) -> None:
    """Doctor the cached scores: the cuts follow them, so nothing was decoded."""
    real = detect_scenes(cut_video, "content")
    assert len(real.scenes) == 5
    fingerprint = detect_cache.master_fingerprint(cut_video)
    path = detect_cache.cache_path(fingerprint, detect_metrics.METRIC_OF["content"], framesource.TARGET_WIDTH)
    stats = detect_cache.load(path)
    assert stats is not None
    metric = np.zeros_like(stats.metric)
    metric[77] = 200.0
    detect_cache.save(path, detect_cache.Statistics(metric, stats.frame_times, stats.last_duration, stats.size))
    doctored = detect_scenes(cut_video, "content", 30.0, 15)
    assert doctored.from_cache
    assert [s.start_frame for s in doctored.scenes] == [0, 77]
    # the adaptive detector decides on the same content scores: it shares them
    assert detect_scenes(cut_video, "adaptive").from_cache


def test_hash_scores_cached_before_its_frames_changed_are_not_replayed(cut_video: Path) -> None:
    """The hash detector now sees PySceneDetect's own frames (issue 12): its scores cached under the old
    key (version 2) are left alone and it decodes again; the other detectors keep their version-2 files."""
    fresh = detect_scenes(cut_video, "content")  # caches content under the shared version
    content_path = detect_cache.cache_path(
        detect_cache.master_fingerprint(cut_video), detect_metrics.METRIC_OF["content"], framesource.TARGET_WIDTH
    )
    assert content_path.name.endswith("_v2.npz")
    old = content_path.with_name(
        content_path.name.replace(detect_metrics.METRIC_OF["content"], detect_metrics.METRIC_OF["hash"])
    )
    stats = detect_cache.load(content_path)
    assert stats is not None and not fresh.from_cache
    detect_cache.save(old, stats)  # what an older vat left for the hash detector
    detection = detect_scenes(cut_video, "hash")
    assert not detection.from_cache
    assert detect_cache.cache_path(
        detect_cache.master_fingerprint(cut_video), detect_metrics.METRIC_OF["hash"], framesource.TARGET_WIDTH
    ).exists()
    assert detect_scenes(cut_video, "hash").from_cache


def test_a_copy_of_the_master_hits_and_other_content_at_the_same_path_misses(
    cut_video: Path, varied_video: Path, tmp_path: Path
) -> None:
    copy = shutil.copy(cut_video, tmp_path / "elsewhere.mp4")
    first = detect_scenes(cut_video, "hash")
    again = detect_scenes(copy, "hash", 0.2, 5)
    assert again.from_cache and not first.from_cache
    shutil.copy(varied_video, copy)  # same path, other pictures
    other = detect_scenes(copy, "hash")
    assert not other.from_cache
    _same(other, detect_scenes(varied_video, "hash", use_cache=False))


def test_the_cache_file_is_written_atomically_and_a_damaged_one_is_ignored(cut_video: Path, cache_home: Path) -> None:
    detect_scenes(cut_video, "histogram")
    files = list((cache_home / "vat" / "detect").rglob("*"))
    assert [f.suffix for f in files if f.is_file()] == [".npz"]  # no temporary left behind
    target = next(f for f in files if f.is_file())
    whole = target.read_bytes()
    # garbage, an empty file (a crash before the data reached the disk), a file cut short
    for damage in (b"not an npz", b"", whole[: len(whole) // 2]):
        target.write_bytes(damage)
        again = detect_scenes(cut_video, "histogram")
        assert not again.from_cache and len(again.scenes) == 5
        assert detect_scenes(cut_video, "histogram").from_cache  # rewritten


def test_fingerprint_samples_a_big_file_and_sees_any_sampled_change(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    data = bytearray(np.random.default_rng(1).integers(0, 256, 40 << 20, dtype=np.uint8).tobytes())
    big.write_bytes(data)
    base = detect_cache.master_fingerprint(big)
    data[-1] ^= 1  # the last byte is always sampled
    big.write_bytes(data)
    assert detect_cache.master_fingerprint(big) != base
    big.write_bytes(data + b"x")  # a size change
    assert detect_cache.master_fingerprint(big) != base


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_vat_detect_and_vat_run_use_the_cache(cut_video: Path, tmp_path: Path) -> None:
    from db.connection import close_database, open_database
    from db.models import OperationLog
    from tests.helpers import vat

    first = vat("detect", cut_video, "--detector", "content", check=True).stdout
    again = vat("detect", cut_video, "--detector", "content", "--threshold", "20", check=True).stdout
    assert "from cached statistics" not in first and "5 scenes" in first
    assert "from cached statistics" in again and "5 scenes" in again
    vat(
        "run",
        cut_video,
        "--artwork",
        "Cached Light",
        "--out",
        tmp_path / "out",
        "--detector",
        "content",
        "--min-scene-len",
        "26",
        "--scenes",
        "1",
        "--json",
        check=True,
    )
    open_database()
    try:
        used = OperationLog.get(OperationLog.operation_name == "scene_detection").settings_used
    finally:
        close_database()
    assert used["from_cache"] is True and used["min_scene_len"] == 26
