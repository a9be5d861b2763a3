"""A change of shot with its kind and span: the record a scene keeps of how it begins.

Its own module, without numpy or OpenCV, so that what only reads scenes (the picker, the session's
stored scenes) imports no detector (core.detection.transitions finds them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("cut", "dissolve", "fade_black", "fade_white", "other")


@dataclass(frozen=True)
class Transition:
    """A change of shot. `first`..`last` inclusive, 0-based (a cut: first == last == the new shot's
    first frame); `boundary`: the first frame of the scene it starts."""

    kind: str
    first: int
    last: int
    boundary: int
    # the detector's score at the boundary (what it compares with its threshold), when it has one
    score: float | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.first <= self.boundary <= self.last:
            raise ValueError(f"boundary {self.boundary} outside the span {self.first}..{self.last}")

    @classmethod
    def cut(cls, frame: int) -> Transition:
        return cls("cut", frame, frame, frame)

    @property
    def frame_count(self) -> int:
        return self.last - self.first + 1

    def to_dict(self) -> dict:
        out: dict[str, object] = {"kind": self.kind, "first_frame": self.first, "last_frame": self.last}
        if self.score is not None:
            out["score"] = self.score
        return out
