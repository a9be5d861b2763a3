"""ctrl+z / ctrl+y in the picker: the selection's earlier states (no Textual).

Every selection change (a key in the list, a mark made in the preview) is committed here after it is
made: the state before it goes on the undo stack with the change's name. Only marks and groups are
kept (Picks.snapshot), never the cursor, so an undo puts back exactly what the user changed. The
history belongs to one list of scenes: re-detection clears it (reset), since its scene numbers would
name other scenes afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.pipeline.selection import format_numbers
from tui.picks import Picks, Snapshot

DEPTH = 100  # changes that can be undone (the issue asks for at least 50)


@dataclass
class Step:
    before: Snapshot
    after: Snapshot
    what: str  # "mark scene 3", "group 2-4": the toast says "undone: mark scene 3"


@dataclass
class PickHistory:
    current: Snapshot
    undo_steps: list[Step] = field(default_factory=list)
    redo_steps: list[Step] = field(default_factory=list)

    @classmethod
    def of(cls, picks: Picks) -> PickHistory:
        return cls(picks.snapshot())

    def reset(self, picks: Picks) -> None:
        """The scenes changed (re-detection): earlier states name other scenes now, so they go."""
        self.current = picks.snapshot()
        self.undo_steps.clear()
        self.redo_steps.clear()

    def commit(self, picks: Picks, what: str = "") -> Step | None:
        """Record the change just made to `picks` (None when it changed nothing)."""
        after = picks.snapshot()
        if after == self.current:
            return None
        step = Step(self.current, after, what or describe(self.current, after))
        self.undo_steps.append(step)
        del self.undo_steps[:-DEPTH]
        self.redo_steps.clear()
        self.current = after
        return step

    def undo(self, picks: Picks) -> Step | None:
        if not self.undo_steps:
            return None
        step = self.undo_steps.pop()
        self.redo_steps.append(step)
        picks.restore(step.before)
        self.current = step.before
        return step

    def redo(self, picks: Picks) -> Step | None:
        if not self.redo_steps:
            return None
        step = self.redo_steps.pop()
        self.undo_steps.append(step)
        picks.restore(step.after)
        self.current = step.after
        return step


def describe(before: Snapshot, after: Snapshot) -> str:
    """A change named from what it did, for changes made outside the picker's keys (the preview)."""
    parts = []
    marked, unmarked = sorted(after[0] - before[0]), sorted(before[0] - after[0])
    if marked:
        parts.append(f"mark {format_numbers(marked)}")
    if unmarked:
        parts.append(f"unmark {format_numbers(unmarked)}")
    if not parts and before[1] != after[1]:
        parts.append("groups")
    return ", ".join(parts) or "no change"


def group_losses(before: Snapshot, after: Snapshot) -> list[str]:
    """What a change did to the groups it did not keep whole: 'group 4-6 dissolved' where none of it
    stays grouped, 'group 2-4 is now 2-3' where part of it does. A group that grew (joined another)
    is kept whole, so it is not named."""
    lines = []
    for a, b in before[1]:
        if any(x <= a and b <= y for x, y in after[1]):
            continue
        pieces = [f"{x}-{y}" for x, y in after[1] if x <= b and a <= y]
        lines.append(f"group {a}-{b} is now {', '.join(pieces)}" if pieces else f"group {a}-{b} dissolved")
    return lines


def group_news(before: Snapshot, after: Snapshot) -> list[str]:
    """What a change made of groups (the counterpart of group_losses): a new group is one clip, a group
    that grew or groups that merged say so ('groups 4-5 and 6-7 merged: scenes 4-7 will be exported as
    one clip'). A group left whole or cut down is not named here (group_losses names what it lost)."""
    lines = []
    for x, y in after[1]:
        if any(a <= x and y <= b for a, b in before[1]):
            continue  # unchanged, or a piece of an earlier group
        inside = [f"{a}-{b}" for a, b in before[1] if x <= a and b <= y]
        clip = f"scenes {x}-{y} will be exported as one clip"
        if len(inside) > 1:
            lines.append(f"groups {', '.join(inside[:-1])} and {inside[-1]} merged: {clip}")
        elif inside:
            lines.append(f"group {inside[0]} is now {x}-{y}: {clip}")
        else:
            lines.append(clip)
    return lines
