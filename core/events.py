"""Progress events: plain dataclasses that flow up through callbacks to the TUI or the CLI."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FfmpegProgress:
    """One progress block of `ffmpeg -progress`; None where ffmpeg had no value (N/A, negative)."""

    fraction: float | None
    frame: int | None
    fps: float | None
    speed: float | None
    out_time: float | None
    done: bool = False


@dataclass(frozen=True)
class DetectProgress:
    """Scene detection: frames decoded so far out of the (possibly estimated) total."""

    frame: int
    total_frames: int | None
    fps: float | None

    @property
    def fraction(self) -> float | None:
        if not self.total_frames:
            return None
        return min(1.0, self.frame / self.total_frames)


@dataclass(frozen=True)
class RunEvent:
    """Something happened to the plan or to one operation of it.

    kind: plan (total, skipped), start, progress (fraction, fps), verifying (the output is made and
    being checked), done, skipped, failed (error), finished (status); on a render farm also requeued
    (the operation's node is gone: sent again) and stalled (no node takes a queue's work: error says
    so). `key` names the operation (None for plan-wide events); `node`, the render node making it.
    `fraction` is the operation's, `overall` the whole plan's, weighed by work (progress, verifying,
    done, failed); neither ever decreases. `eta` is the operation's seconds left, `remaining` the
    whole run's (core.pipeline.progress).
    """

    kind: str
    key: str | None = None
    fraction: float | None = None
    fps: float | None = None
    eta: float | None = None
    error: str | None = None
    output: str | None = None
    total: int | None = None
    done: int | None = None
    failed: int | None = None
    status: str | None = None
    overall: float | None = None
    remaining: float | None = None
    node: str | None = None  # the render node (host:pid) making the operation, on a farm
