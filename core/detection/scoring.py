"""Scoring detected transitions against the true ones: recall and precision, overall and per kind.

A transition is a span of frames (first..last, inclusive, 0-based); a cut is a point (first == last:
the new shot's first frame). A detection hits a true transition when its span overlaps the true span
widened by `tolerance` frames on each side (±2 by default, as the issue sets it). Each true
transition takes at most one detection: a second detection on it (a dissolve reported as two cuts)
is a false positive, as is a detection that overlaps nothing (a flash, a fast pan).

Matching is one-to-one and as large as possible (augmenting paths), with each true transition trying
the nearest detections first, so that a detection overlapping two close transitions takes the one it
is nearer to when that costs no hit. Pure Python: used by the tests and bench/transitions.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

TOLERANCE = 2  # frames either side of a true span that still count as overlapping it


@dataclass(frozen=True)
class Span:
    first: int
    last: int  # inclusive; == first for a cut
    kind: str | None = None  # cut, dissolve, fade_black, fade_white, ...; None: a detector that says nothing

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"a span ends before it starts ({self.first}..{self.last})")

    @classmethod
    def point(cls, frame: int, kind: str | None = None) -> Span:
        return cls(frame, frame, kind)

    @property
    def middle(self) -> float:
        return (self.first + self.last) / 2


def overlaps(true: Span, found: Span, tolerance: int = TOLERANCE) -> bool:
    """Whether `found` overlaps `true` widened by `tolerance` frames each side."""
    return found.first <= true.last + tolerance and found.last >= true.first - tolerance


def _ratio(part: int, whole: int) -> float:
    # nothing to find, or nothing claimed: nothing was missed, nothing was wrong
    return part / whole if whole else 1.0


@dataclass(frozen=True)
class KindScore:
    kind: str
    expected: int  # true transitions of this kind
    found: int  # of them hit by a detection
    labelled: int = 0  # detections that say this kind
    labelled_right: int = 0  # of them, hits on a true transition of this kind

    @property
    def recall(self) -> float:
        return _ratio(self.found, self.expected)

    @property
    def precision(self) -> float | None:
        """Of the detections labelled this kind, the share that hit one; None when none says it."""
        return self.labelled_right / self.labelled if self.labelled else None


@dataclass(frozen=True)
class Score:
    expected: int  # true transitions
    detected: int  # detections
    matches: list[tuple[Span, Span]]  # (true, found), in the order of the true transitions
    missed: list[Span]  # true transitions no detection hit
    false_positives: list[Span]  # detections that hit none, or one already taken
    doubles: int  # of the false positives, those that overlap a true transition (a second detection)
    by_kind: dict[str, KindScore] = field(default_factory=dict)

    @property
    def hits(self) -> int:
        return len(self.matches)

    @property
    def recall(self) -> float:
        return _ratio(self.hits, self.expected)

    @property
    def precision(self) -> float:
        return _ratio(self.hits, self.detected)

    @property
    def f1(self) -> float:
        total = self.recall + self.precision
        return 2 * self.recall * self.precision / total if total else 0.0


def score(truth: Sequence[Span], found: Sequence[Span], tolerance: int = TOLERANCE) -> Score:
    """Score the detections `found` against the true transitions `truth` (each in any order)."""
    truth = sorted(truth, key=_order)
    found = sorted(found, key=_order)
    candidates = [_nearest_first(t, found, tolerance) for t in truth]
    owner: dict[int, int] = {}  # detection index -> true index

    def assign(i: int, seen: set[int]) -> bool:
        for j in candidates[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or assign(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(truth)):
        assign(i, set())
    taken = {i: j for j, i in owner.items()}
    matches = [(truth[i], found[taken[i]]) for i in range(len(truth)) if i in taken]
    missed = [t for i, t in enumerate(truth) if i not in taken]
    false_positives = [f for j, f in enumerate(found) if j not in owner]
    doubles = sum(1 for f in false_positives if any(overlaps(t, f, tolerance) for t in truth))
    return Score(
        expected=len(truth),
        detected=len(found),
        matches=matches,
        missed=missed,
        false_positives=false_positives,
        doubles=doubles,
        by_kind=_by_kind(truth, found, matches),
    )


def _order(span: Span) -> tuple[int, int]:
    return span.first, span.last


def _nearest_first(true: Span, found: list[Span], tolerance: int) -> list[int]:
    """Indices of the detections that overlap `true`, nearest middle first."""
    near = [j for j, f in enumerate(found) if overlaps(true, f, tolerance)]
    return sorted(near, key=lambda j: (abs(found[j].middle - true.middle), j))


def _by_kind(truth: list[Span], found: list[Span], matches: list[tuple[Span, Span]]) -> dict[str, KindScore]:
    kinds = sorted({t.kind or "?" for t in truth} | {f.kind for f in found if f.kind})
    out = {}
    for kind in kinds:
        out[kind] = KindScore(
            kind=kind,
            expected=sum(1 for t in truth if (t.kind or "?") == kind),
            found=sum(1 for t, _ in matches if (t.kind or "?") == kind),
            labelled=sum(1 for f in found if f.kind == kind),
            labelled_right=sum(1 for t, f in matches if f.kind == kind and t.kind == kind),
        )
    return out
