"""A detected scene: what the picker, the plan and the session's stored scenes read.

Its own module, without numpy, PySceneDetect or PyAV, so that reading scenes imports no detector
(opening the picker imported them all on the UI thread: about 0.4 s, bench/startup.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.detection.transition import Transition


@dataclass(frozen=True)
class Scene:
    index: int  # 1-based
    start_frame: int  # 0-based
    end_frame: int  # inclusive: the scene's last frame
    start: float  # seconds from the first frame
    end: float  # seconds: start of the frame after end_frame, or the end of the video
    transition_in: Transition | None = None  # the transition that starts it (None: the first scene)

    @property
    def frame_count(self) -> int:
        return self.end_frame - self.start_frame + 1

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def midpoint_frame(self) -> int:
        return (self.start_frame + self.end_frame) // 2

    def to_dict(self) -> dict:
        out: dict[str, object] = {
            "index": self.index,
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "start": round(self.start, 6),
            "end": round(self.end, 6),
        }
        if self.transition_in is not None:
            out["transition_in"] = self.transition_in.to_dict()
        return out
