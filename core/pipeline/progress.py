"""How far a run is and how long it has left, the one way every screen shows it (CLI, Processing,
Sessions, `vat sessions`).

Operations are weighed by their work, in frames: a 2000-frame clip is not worth the same as a still.
Counting operations made a run that had finished its stills look nearly done with its clips still to
encode ("ETA 0:05" with 23 minutes to go), and counted the operations a resume skipped as if this
run had just made them. The ETA is the work left divided by the speed measured in this run.
"""

from __future__ import annotations

from typing import Any

# A stream copy (the master copy) reads and writes packets without decoding them: far cheaper per
# frame than an encode. An image (a still, a thumbnail, an R&D picture) decodes from the keyframe
# before its frame: about a second of footage. The pages and logs made at the end are next to nothing.
STREAM_COPY_SHARE = 0.02
PICTURE_WORK = 25.0
SMALL_WORK = 1.0
MIN_MEASURED_SECONDS = 2.0  # before this, a speed is mostly start-up noise: no ETA yet
MIN_MEASURED_SHARE = 0.005  # nor before this much of the run's own work is done


def work_of(op: Any) -> float:
    """An operation's work in frames (core.pipeline.plan.Operation; read by attribute so that this
    module needs nothing of the plan)."""
    expected = getattr(op, "expected", None)
    frames = getattr(expected, "frames", None)
    if not frames:
        duration = getattr(expected, "duration", None)
        fps = (getattr(op, "params", None) or {}).get("fps")
        frames = duration * fps if duration and fps else None
    kind = getattr(op, "kind", "")
    if kind == "master":
        return max(SMALL_WORK, (frames or 0) * STREAM_COPY_SHARE)
    if kind in ("clip", "rd_video"):
        return max(SMALL_WORK, float(frames or PICTURE_WORK))
    if kind in ("still_hq", "still_web", "thumbnail", "rd_image", "contact_sheet", "contact_sheet_pdf"):
        return PICTURE_WORK
    return SMALL_WORK


def eta_seconds(work_left: float, work_done_here: float, work_here: float, elapsed: float) -> float | None:
    """Seconds left at the speed measured in this run (`work_done_here` of the `work_here` this run
    has to do, in `elapsed` seconds); None until enough is measured to say."""
    if work_left <= 0:
        return 0.0
    if elapsed < MIN_MEASURED_SECONDS or work_here <= 0 or work_done_here < MIN_MEASURED_SHARE * work_here:
        return None
    return work_left * elapsed / work_done_here


def session_fraction(
    status: str | None, total: int | None, completed: int | None, details: dict | None
) -> float | None:
    """A session's progress (0..1), the same on every screen: the work-weighted fraction its run
    recorded, else (sessions from before it was recorded) its operations done; None when it has no plan."""
    if status == "completed":
        return 1.0
    fraction = (details or {}).get("fraction")
    if isinstance(fraction, (int, float)):
        return max(0.0, min(1.0, float(fraction)))
    if total:
        return max(0.0, min(1.0, (completed or 0) / total))
    return None


def percent(fraction: float) -> int:
    """Whole percent, rounded down: 100% only once everything is done."""
    return int(max(0.0, min(1.0, fraction)) * 100 + 1e-9)


def percent_text(fraction: float | None) -> str:
    return "" if fraction is None else f"{percent(fraction)}%"


def fps_text(fps: float | None) -> str:
    """An encode's speed: one decimal below 10 fps (2.4 fps, not 2), whole numbers above."""
    if not fps or fps <= 0:
        return ""
    return f"{fps:.1f} fps" if fps < 9.95 else f"{fps:.0f} fps"
