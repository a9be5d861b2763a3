"""Where decoding can start cleanly: the presentation times of a video's keyframes (demux only).

Seeking straight to a clip's first frame is exact only where the container's index is exact. In an
MPEG-TS, or any stream without an index, a seek can land between keyframes and the frames after it
fail to decode. Starting at a known keyframe and discarding up to the wanted frame works everywhere.
"""

from __future__ import annotations

import bisect
from pathlib import Path

from core.media.probe import packet_times


def keyframe_times(path: Path | str) -> list[float]:
    """Presentation times of the video's keyframes, sorted (demux only: core.media.probe.packet_times)."""
    return packet_times(path)[1]


def keyframe_before(keyframes: list[float], t: float) -> float | None:
    """The last keyframe at or before time t (None when t precedes them all)."""
    i = bisect.bisect_right(keyframes, t + 1e-6)
    return keyframes[i - 1] if i else None
