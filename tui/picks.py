"""The scene picker's state: which scenes are marked and which adjacent runs form groups (no Textual).

Rules kept here so that every key of the picker leaves a valid selection for core.pipeline.session:
- a group is a run of at least two adjacent scenes, all of them marked;
- groups never overlap;
- unmarking a scene of a group cuts the group there (pieces shorter than two scenes go).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from core.scene import Scene

Snapshot = tuple[frozenset[int], tuple[tuple[int, int], ...]]  # what undo restores: marks and groups


@dataclass
class Picks:
    count: int
    selected: set[int] = field(default_factory=set)  # 1-based scene numbers
    groups: list[tuple[int, int]] = field(default_factory=list)
    version: int = 0  # bumped on every change, so views know when to redraw

    @classmethod
    def from_saved(cls, count: int, selected: list[int] | None, groups: list | None) -> "Picks":
        """As stored in the session; never saved yet means every scene (the headless default)."""
        chosen = set(range(1, count + 1)) if selected is None else {n for n in selected if 1 <= n <= count}
        picks = cls(count, chosen)
        for a, b in sorted(tuple(g) for g in groups or []):
            if 1 <= a < b <= count and not picks.overlaps(a, b):
                picks.groups.append((a, b))
        picks.selected.update(n for a, b in picks.groups for n in range(a, b + 1))
        return picks

    def overlaps(self, a: int, b: int) -> bool:
        return any(a <= gb and ga <= b for ga, gb in self.groups)

    def chosen(self) -> list[int]:
        return sorted(self.selected)

    def group_of(self, number: int) -> tuple[int, int, int] | None:
        """(group number, first, last) of the group holding scene `number`, 1-based group number."""
        for i, (a, b) in enumerate(self.groups, start=1):
            if a <= number <= b:
                return i, a, b
        return None

    def _changed(self) -> None:
        self.groups.sort()
        self.version += 1

    def toggle(self, number: int) -> None:
        if number in self.selected:
            self.selected.discard(number)
            self._cut_groups_at(number)
        else:
            self.selected.add(number)
        self._changed()

    def _cut_groups_at(self, number: int) -> None:
        kept = []
        for a, b in self.groups:
            if a <= number <= b:
                kept += [(x, y) for x, y in ((a, number - 1), (number + 1, b)) if y > x]
            else:
                kept.append((a, b))
        self.groups = kept

    def select_all(self) -> None:
        self.selected = set(range(1, self.count + 1))
        self._changed()

    def invert(self) -> None:
        self.selected = set(range(1, self.count + 1)) - self.selected
        self.groups = []  # every grouped scene was marked, so is unmarked now
        self._changed()

    def clear(self) -> None:
        self.selected.clear()
        self.groups = []
        self._changed()

    def set_marked(self, numbers: Iterable[int], marked: bool) -> None:
        """Mark (or unmark, cutting the groups they were in) every scene in `numbers`."""
        for number in numbers:
            if not 1 <= number <= self.count:
                continue
            if marked:
                self.selected.add(number)
            elif number in self.selected:
                self.selected.discard(number)
                self._cut_groups_at(number)
        self._changed()

    def group_span(self, first: int, last: int) -> tuple[int, int]:
        """Group scenes first..last, marking them; a group it overlaps joins it (the span grows to hold
        it), so no scene is left in two groups. Returns the group made."""
        if not 1 <= first < last <= self.count:
            raise ValueError(f"scenes {first}-{last}: a group needs at least two adjacent scenes")
        touched = [(a, b) for a, b in self.groups if a <= last and first <= b]
        first, last = min([first, *(a for a, _ in touched)]), max([last, *(b for _, b in touched)])
        self.groups = [g for g in self.groups if g not in touched] + [(first, last)]
        self.selected.update(range(first, last + 1))
        self._changed()
        return first, last

    def ungroup_span(self, first: int, last: int) -> list[tuple[int, int]]:
        """Ungroup every group with a scene in first..last (its scenes stay marked)."""
        gone = [(a, b) for a, b in self.groups if a <= last and first <= b]
        if gone:
            self.groups = [g for g in self.groups if g not in gone]
            self._changed()
        return gone

    def snapshot(self) -> Snapshot:
        return frozenset(self.selected), tuple(self.groups)

    def restore(self, snapshot: Snapshot) -> None:
        self.selected, self.groups = set(snapshot[0]), list(snapshot[1])
        self._changed()

    def group_around(self, number: int) -> tuple[int, int]:
        """Group the run of marked scenes around `number`, up to the neighbouring groups.

        Raises ValueError with the reason when there is no such run of two or more scenes.
        """
        if number not in self.selected:
            raise ValueError(f"scene {number} is not marked: mark adjacent scenes with space, then press g")
        others = [(a, b) for a, b in self.groups if not a <= number <= b]
        # the run stops at the neighbouring groups: bounds found once, not for each scene of a run
        # that may be thousands of scenes long
        low = max((b + 1 for _, b in others if b < number), default=1)
        high = min((a - 1 for a, _ in others if a > number), default=self.count)
        first = last = number
        while first > low and first - 1 in self.selected:
            first -= 1
        while last < high and last + 1 in self.selected:
            last += 1
        if first == last:
            raise ValueError(f"scene {number}: a group needs at least two adjacent marked scenes")
        self.groups = others + [(first, last)]
        self._changed()
        return first, last

    def ungroup(self, number: int) -> tuple[int, int] | None:
        found = self.group_of(number)
        if found is None:
            return None
        _, a, b = found
        self.groups.remove((a, b))
        self._changed()
        return a, b


def carry_over(old: list[Scene], picks: Picks, new: list[Scene], cursor: int) -> tuple[Picks, int]:
    """The picks after re-detection: a scene stays marked where a new scene starts on the same frame;
    a group stays where its first start and last end frames still bound a run of new scenes.
    Returns the new picks and cursor (0-based: the new scene holding the old cursor's first frame)."""
    by_start = {s.start_frame: s.index for s in new}
    by_end = {s.end_frame: s.index for s in new}
    selected = {by_start[s.start_frame] for s in old if s.index in picks.selected and s.start_frame in by_start}
    result = Picks(len(new), selected)
    for a, b in picks.groups:
        first, last = by_start.get(old[a - 1].start_frame), by_end.get(old[b - 1].end_frame)
        if first is not None and last is not None and last > first and not result.overlaps(first, last):
            result.groups.append((first, last))
            result.selected.update(range(first, last + 1))
    result.groups.sort()
    new_cursor = 0
    if old and new:
        frame = old[min(cursor, len(old) - 1)].start_frame
        new_cursor = max((s.index - 1 for s in new if s.start_frame <= frame), default=0)
    return result, new_cursor


def _overlap(scene: Scene, first: int, last: int) -> int:
    """How many of `scene`'s frames lie in frames first..last (inclusive)."""
    return max(0, min(scene.end_frame, last) - max(scene.start_frame, first) + 1)


def _mostly_in(scene: Scene, spans: list[tuple[int, int]]) -> bool:
    """Whether more than half of `scene`'s frames lie in these (disjoint) frame spans."""
    return 2 * sum(_overlap(scene, a, b) for a, b in spans) > scene.frame_count


def carry_by_frames(base: list[Scene], picks: Picks, new: list[Scene]) -> Picks:
    """The live threshold's picks (tui.screens.picker_graph): carried from a baseline, the scenes and
    picks the user had when stepping began, so that a boundary that moves a few frames, or a scene
    that merges into its neighbour and comes back, keeps its mark, and stepping back to the starting
    threshold restores the marks and groups exactly. A new scene is marked when most of its frames lay
    in marked baseline scenes; a baseline group stays as the run of new scenes whose frames lie mostly
    in it (one scene only: that scene is marked, not grouped)."""
    marked = [(s.start_frame, s.end_frame) for s in base if s.index in picks.selected]
    result = Picks(len(new), {s.index for s in new if _mostly_in(s, marked)})
    for a, b in picks.groups:
        span = [(base[a - 1].start_frame, base[b - 1].end_frame)]
        inside = [s.index for s in new if _mostly_in(s, span)]
        if len(inside) >= 2:  # a run: scenes lie in the span in order, and spans never overlap
            result.groups.append((inside[0], inside[-1]))
        result.selected.update(inside)
    result.groups.sort()
    return result
