"""What the runner starts first, and how many threads each ffmpeg job is given."""

from __future__ import annotations

import os

from core.pipeline.plan import Operation
from core.pipeline.progress import work_of

LONG_KINDS = ("clip", "rd_video")  # the encodes: started first with several workers


def longest_first(work: list[tuple[int, Operation]]) -> list[tuple[int, Operation]]:
    """The encodes (clips, R&D videos) by their frames, longest first, then the rest in plan order: with
    several workers, a run does not end with one long clip encoding alone while the other cores idle,
    and the short operations (stills) fill the gaps at the end."""
    return sorted(work, key=lambda item: (0, -work_of(item[1])) if item[1].kind in LONG_KINDS else (1, 0.0))


def threads_per_job(workers: int) -> int:
    return max(1, (os.cpu_count() or 2) // max(1, workers))
