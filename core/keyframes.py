"""Where decoding can start cleanly: the presentation times of a video's keyframes (demux only).

Seeking straight to a clip's first frame is exact only where the container's index is exact. In an
MPEG-TS, or any stream without an index, a seek can land between keyframes and the frames after it
fail to decode. Starting at a known keyframe and discarding up to the wanted frame works everywhere.
"""

from __future__ import annotations

import bisect
from pathlib import Path

import av


def keyframe_times(path: Path | str) -> list[float]:
    times: list[float] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        try:
            for packet in container.demux(stream):
                if packet.is_keyframe and packet.pts is not None and packet.size:
                    times.append(float(packet.pts * stream.time_base))
        except av.error.FFmpegError:
            pass  # a file that ends early: the keyframes read so far
    times.sort()
    return times


def keyframe_before(keyframes: list[float], t: float) -> float | None:
    """The last keyframe at or before time t (None when t precedes them all)."""
    i = bisect.bisect_right(keyframes, t + 1e-6)
    return keyframes[i - 1] if i else None
