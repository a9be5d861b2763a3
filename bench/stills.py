"""Getting the stills' frames: a seek per still (what vat does) against one decoding pass that keeps
the wanted frames, on the export bench's 1080p video, for a few and for many stills.

    python bench/stills.py [--seconds 120] [--scenes 12]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import av

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from export import bench_video  # noqa: E402

from core.media import frames  # noqa: E402
from core.media.keyframes import keyframe_before, keyframe_times  # noqa: E402
from core.media.probe import frame_times  # noqa: E402
from core.media.video_stream import video_stream  # noqa: E402


def one_pass(path: Path, wanted: set[int]) -> int:
    got = 0
    with av.open(str(path)) as container:
        stream = video_stream(container)
        assert stream is not None, f"{path}: no video stream"
        stream.thread_type = "AUTO"
        for index, frame in enumerate(container.decode(stream)):
            if index in wanted:
                frame.to_image()
                got += 1
                if got == len(wanted):
                    break
    return got


def per_still(path: Path, wanted: list[int], times: list[float], keys: list[float]) -> int:
    for index in wanted:
        frames._cache.clear()  # measure decoding, not the cache
        frames.frame_at(path, times[index], keyframe_before(keys, times[index]))
    return len(wanted)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--scenes", type=int, default=12)
    args = parser.parse_args()
    video = bench_video(args.seconds, args.scenes)
    times, keys = frame_times(video), keyframe_times(video)
    total = len(times)
    print(f"{video.name}: {total} frames, {len(keys)} keyframes")
    for count in (args.scenes, total // 25, total // 5):
        wanted = sorted({int((i + 0.5) * total / count) for i in range(count)})
        t0 = time.perf_counter()
        per_still(video, wanted, times, keys)
        seek = time.perf_counter() - t0
        t0 = time.perf_counter()
        one_pass(video, set(wanted))
        single = time.perf_counter() - t0
        print(
            f"  {len(wanted):5d} stills: seek per still {seek:6.2f} s, one pass {single:6.2f} s "
            f"(seek/pass {seek / single:.2f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
