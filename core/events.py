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
