"""The selection as editorial events: each selected scene outside a group, and each group (spanning
its scenes), in the master's order, with the gradual transitions inside each event."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.scenes import Scene


@dataclass(frozen=True)
class Mark:
    """A gradual transition inside an event: already blended into the master, so a note, never an
    NLE transition. Frames are the master's (0-based, inclusive)."""

    kind: str
    first: int
    last: int


@dataclass(frozen=True)
class Event:
    name: str
    first_frame: int  # the master's frame index, 0-based
    last_frame: int  # inclusive
    scenes: tuple[int, ...]  # the scene numbers it spans (one, or a group's)
    marks: tuple[Mark, ...] = field(default=())

    @property
    def frames(self) -> int:
        return self.last_frame - self.first_frame + 1


def _name(numbers: tuple[int, ...], titles: dict[int, str]) -> str:
    """The scene's title, else its number; a group takes its first titled scene's, else its span."""
    for n in numbers:
        if titles.get(n):
            return titles[n]
    return f"Scene {numbers[0]}" if len(numbers) == 1 else f"Scenes {numbers[0]}-{numbers[-1]}"


def _marks(scenes: list[Scene], first: int, last: int) -> tuple[Mark, ...]:
    """`scenes`: the event's own and the scene after it, whose transition_in begins (a dissolve's first
    half, a fade's out) inside this event's last frames; each span clipped to the event."""
    marks = []
    for scene in scenes:
        t = scene.transition_in
        if t is None or t.kind == "cut":
            continue
        lo, hi = max(first, t.first), min(last, t.last)  # the part of the span inside the event
        if lo <= hi:
            marks.append(Mark(t.kind, lo, hi))
    return tuple(marks)


def events_of(
    scenes: list[Scene], selected: list[int], groups: list[tuple[int, int]], titles: dict[int, str] | None = None
) -> list[Event]:
    titles = titles or {}
    by_number = {s.index: s for s in scenes}
    group_of = {n: (a, b) for a, b in groups for n in range(a, b + 1)}
    events: list[Event] = []
    done: set[tuple[int, int]] = set()
    for number in sorted(set(selected)):
        span = group_of.get(number, (number, number))
        if span in done or span[0] not in by_number or span[1] not in by_number:
            continue
        done.add(span)
        numbers = tuple(range(span[0], span[1] + 1))
        members = [by_number[n] for n in numbers if n in by_number]
        following = by_number.get(span[1] + 1)  # its transition_in may start before this event ends
        members += [following] if following is not None else []
        first, last = by_number[span[0]].start_frame, by_number[span[1]].end_frame
        events.append(Event(_name(numbers, titles), first, last, numbers, _marks(members, first, last)))
    return events
