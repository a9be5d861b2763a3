"""The picker's live threshold: deriving the scenes again from the cached statistics, against decoding.

    python bench/live_threshold.py [--seconds 60] [--runs 3] [--hours 2]

On bench/detect.py's video (1920x1080 25 fps H.264 with grain and hard cuts, made once and cached), in
one run: a detection that decodes (`detect_scenes(..., use_cache=False)`, the default `transitions`
detector), loading the statistics once (core.detection.live.load: probe, fingerprint, cache read),
then each threshold step of the graph (`LiveStatistics.derive`: the decision replayed, no decoding),
checked equal to detect_scenes' own result. Prints wall and CPU times and the ratio of a step to the
decoding detection. With --hours, also synthetic statistics of that many hours at 25 fps (random
thumbnails, a cut every 8 s): preparing them once (the thumbnails' analysis, in the picker's loading
thread) and a step after it, what a feature-length master costs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from bench.detect import bench_video, measure  # noqa: E402
from core.detection import live  # noqa: E402
from core.scenes import detect_scenes  # noqa: E402

THRESHOLDS = (2.5, 3.0, 4.0, 5.0)  # steps of the graph's -/+ around the default 3


def synthetic_steps(hours: float) -> tuple[tuple[float, float], tuple[float, float], int]:
    """Wall and CPU seconds of preparing synthetic statistics of `hours` at 25 fps (the thumbnails'
    analysis, which the picker does in its loading thread) and of a step after it; the frames."""
    import numpy as np

    from core.detection.cache import Statistics
    from core.detection.options import DetectorOptions
    from core.detection.transitions import Analysis
    from core.media.probe import MediaInfo

    n = int(hours * 3600 * 25)
    rng = np.random.default_rng(13)
    metric = rng.normal(4.0, 0.3, n)
    metric[::200] = 60.0  # a cut every 8 s
    thumbs = rng.integers(0, 255, (n, 9, 16, 3), dtype=np.uint8)
    times = np.arange(n) / 25.0
    stats = Statistics(metric, times, 0.04, (256, 144), thumbs)
    info = MediaInfo(path=Path("synthetic"), container="", duration=n / 25.0, start_time=0.0, has_video=True, fps=25.0)
    analysis = Analysis(thumbs)
    loaded = live.LiveStatistics("transitions", DetectorOptions(), info, 25.0, stats, False, np.zeros(n), analysis)
    first_wall, first_cpu, _ = measure(loaded.prepare)
    next_wall, next_cpu, _ = measure(lambda: loaded.derive(4.0, 15))
    return (first_wall, first_cpu), (next_wall, next_cpu), n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hours", type=float, default=0.0, help="also one step on synthetic statistics")
    args = parser.parse_args()
    video = bench_video(args.seconds)
    decode_wall = decode_cpu = float("inf")
    for _ in range(args.runs):
        wall, cpu, _ = measure(lambda: detect_scenes(video, "transitions", use_cache=False))
        decode_wall, decode_cpu = min(decode_wall, wall), min(decode_cpu, cpu)
    detect_scenes(video, "transitions")  # the statistics cached (a decoding run, not timed)
    load_wall, load_cpu, loaded = measure(lambda: live.load(video, "transitions"))
    assert isinstance(loaded, live.LiveStatistics), loaded
    step_wall = step_cpu = float("inf")
    for _ in range(args.runs):
        for threshold in THRESHOLDS:
            wall, cpu, found = measure(lambda threshold=threshold: loaded.derive(threshold, 15))
            step_wall, step_cpu = min(step_wall, wall), min(step_cpu, cpu)
            assert found == detect_scenes(video, "transitions", threshold, 15), threshold
    print(f"{video.name}: {loaded.frames} frames")
    print(f"{'what':<44} {'wall':>8} {'ratio':>7} {'CPU':>8} {'ratio':>7}")
    rows = [
        ("detection, decoding (transitions)", decode_wall, decode_cpu),
        ("load the statistics once (live.load)", load_wall, load_cpu),
        ("one threshold step (derive), best", step_wall, step_cpu),
    ]
    for what, wall, cpu in rows:
        print(f"{what:<44} {wall:>7.3f}s {wall / decode_wall:>7.4f} {cpu:>7.3f}s {cpu / decode_cpu:>7.4f}")
    print(f"a step is {decode_wall / step_wall:.0f}x faster than decoding (wall), equal results at {THRESHOLDS}")
    if args.hours:
        first, later, frames = synthetic_steps(args.hours)
        print(f"{args.hours:g} h of synthetic statistics ({frames} frames), transitions:")
        print(f"  prepare, once (the picker's loading thread): {first[0]:.2f}s wall, {first[1]:.2f}s CPU")
        print(f"  each threshold step after it: {later[0]:.2f}s wall, {later[1]:.2f}s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
