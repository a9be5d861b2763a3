"""core.pipeline.measure: cpu_usage is a percentage of one core, not a fraction."""

from __future__ import annotations

from core.media import ffmpeg
from core.pipeline.measure import Measure

# About half a second of one busy core: an encode held to one thread, of a generated source, to nowhere.
ONE_THREAD_ENCODE = [
    "-filter_threads",
    "1",
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=640x360:rate=25",
    "-t",
    "1.5",
    "-c:v",
    "libx264",
    "-preset",
    "medium",
    "-threads",
    "1",
    "-x264-params",
    "lookahead_threads=1:sliced_threads=0",
    "-f",
    "null",
    "-",
]


def test_a_one_thread_encode_uses_about_one_core() -> None:
    measure = Measure()
    ffmpeg.run(ONE_THREAD_ENCODE, usage=measure.children)
    usage = measure.finish()
    # One core busy throughout is 100. The lower bound leaves room for a machine shared with other work
    # (the core is not always ours), yet a fraction (at most ~1) fails it by far; the upper bound fails
    # a figure counted twice or over all cores.
    assert 20 < usage["cpu_usage"] < 130, usage
    assert measure.children.cpu_seconds > 0.2  # it was CPU-bound: the figure is not startup noise
    assert usage["memory_usage"] and usage["memory_usage"] > 1  # MB, not GB or KiB
