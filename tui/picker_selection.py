"""The picker's selection keys: space a i x g u on the range when there is one, else on the cursor's
scene; every change recorded for ctrl+z / ctrl+y (tui.pick_history) and saved at once.

A key on a range ends the range (as an operator ends vim's visual mode). Whenever a change, an undo
or a redo leaves a group out, a toast says which ("group 4-6 dissolved"): a group is easy to lose by
unmarking one of its scenes, and it decides what the export makes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.pick_history import PickHistory, Step, group_losses, group_news
from tui.safe_text import markup_safe

if TYPE_CHECKING:
    from tui.picks import Picks, Snapshot
    from tui.screens.picker import PickerScreen


def _span_text(first: int, last: int) -> str:
    return f"scene {first}" if first == last else f"scenes {first}-{last}"


class PickerSelection:
    def __init__(self, screen: PickerScreen):
        self.screen = screen
        self._history: PickHistory | None = None

    @property
    def history(self) -> PickHistory:
        if self._history is None:
            self.take_up()
        assert self._history is not None
        return self._history

    def take_up(self) -> None:
        """The session's history, kept on the app while it runs (the picker is made anew each time it
        opens; it calls this on mount, before any change): taken up again where it is for these scenes
        and this selection, else started afresh (the scenes were detected again, or the selection
        changed outside the picker)."""
        if self._history is None:
            screen = self.screen
            kept: dict[str, object] = getattr(screen.app, "pick_histories", {})
            scenes = tuple(s.start_frame for s in screen.scenes)
            found = kept.get(screen.session_id)
            if isinstance(found, tuple) and found[0] == scenes and found[1].current == self.picks.snapshot():
                self._history = found[1]
            else:
                self._history = PickHistory.of(self.picks)
                kept[screen.session_id] = (scenes, self._history)

    @property
    def picks(self) -> Picks:
        return self.screen.picks  # replaced on re-detection: never kept here

    def reset(self) -> None:
        """The scenes were replaced (re-detection): the history would name other scenes."""
        self._history = None
        kept: dict[str, object] = getattr(self.screen.app, "pick_histories", {})
        kept.pop(self.screen.session_id, None)
        self.take_up()  # a new one, for the new scenes
        self.screen.scene_list.leave_range()

    def _span(self) -> tuple[int, int] | None:
        return self.screen.scene_list.range_span()

    def _commit(self, what: str) -> Step | None:
        """Record and save the change just made to the picks; say which groups it cost."""
        step = self.history.commit(self.picks, what)
        self.screen.scene_list.leave_range()
        self.screen._changed()
        if step is not None:
            self._tell_groups(step.before, step.after)
        return step

    def _tell_groups(self, before: Snapshot, after: Snapshot, done: str = "") -> None:
        """One toast: what was undone or redone (`done`), then what it did to the groups (the same
        words for a change, its undo and its redo)."""
        losses, news = group_losses(before, after), group_news(before, after)
        if done:
            self.screen.notify(done)
        if losses or news:
            self.screen.notify("; ".join(losses + news), severity="warning" if losses else "information")

    def _on_span_or_cursor(
        self, on_span: Callable[[int, int], str | None], on_cursor: Callable[[int], str | None]
    ) -> None:
        span = self._span()
        if span is not None:
            what = on_span(*span)
        else:
            number = self.screen._current_number()
            if number is None:
                return
            what = on_cursor(number)
        if what is not None:
            self._commit(what)

    # --- the keys ----------------------------------------------------------------------------
    def toggle_mark(self) -> None:
        span = self._span()
        if span is not None:  # all marked: unmark them; else mark them all
            numbers = range(span[0], span[1] + 1)
            marked = not all(n in self.picks.selected for n in numbers)
            self.picks.set_marked(numbers, marked)
            self._commit(f"{'mark' if marked else 'unmark'} {_span_text(*span)}")
            return
        number = self.screen._current_number()
        if number is None:
            return
        what = f"{'unmark' if number in self.picks.selected else 'mark'} scene {number}"
        self.picks.toggle(number)
        self._commit(what)
        self.screen.scene_list.action_move(1)  # as in file managers: mark and move on

    def select_all(self) -> None:
        span = self._span()
        if span is None:
            self.picks.select_all()
            self._commit("mark all")
            return
        self.picks.set_marked(range(span[0], span[1] + 1), True)
        self._commit(f"mark {_span_text(*span)}")

    def invert(self) -> None:
        span = self._span()
        if span is None:
            self.picks.invert()
            self._commit("invert the marks")
            return
        numbers = range(span[0], span[1] + 1)
        was = [n for n in numbers if n in self.picks.selected]
        self.picks.set_marked(was, False)
        self.picks.set_marked([n for n in numbers if n not in was], True)
        self._commit(f"invert {_span_text(*span)}")

    def clear(self) -> None:
        span = self._span()
        if span is None:
            self.picks.clear()
            self._commit("clear the marks")
            return
        self.picks.set_marked(range(span[0], span[1] + 1), False)
        self._commit(f"unmark {_span_text(*span)}")

    def group(self) -> None:
        span = self._span()
        try:
            if span is not None and span[0] < span[1]:
                first, last = self.picks.group_span(*span)
            else:  # no range, or a range of one scene: the run of marked scenes around it
                number = span[0] if span else self.screen._current_number()
                if number is None:
                    return
                first, last = self.picks.group_around(number)
        except ValueError as exc:
            self.screen.notify(markup_safe(exc), severity="warning")
            return
        if self._commit(f"group {first}-{last}") is None:  # already so: say what it is
            self.screen.notify(f"scenes {first}-{last} will be exported as one clip")

    def ungroup(self) -> None:
        def on_span(first: int, last: int) -> str | None:
            gone = self.picks.ungroup_span(first, last)
            return f"ungroup {', '.join(f'{a}-{b}' for a, b in gone)}" if gone else None

        def on_cursor(number: int) -> str | None:
            gone = self.picks.ungroup(number)
            return f"ungroup {gone[0]}-{gone[1]}" if gone else None

        self._on_span_or_cursor(on_span, on_cursor)

    def outside_change(self) -> None:
        """A mark made elsewhere (the preview): recorded and saved as the keys' changes are."""
        self._commit("")

    # --- ctrl+z / ctrl+y ---------------------------------------------------------------------
    def undo(self) -> None:
        self._step(self.history.undo, "undone", "nothing to undo")

    def redo(self) -> None:
        self._step(self.history.redo, "redone", "nothing to redo")

    def _step(self, move: Callable[[Picks], Step | None], done: str, nothing: str) -> None:
        before = self.picks.snapshot()
        step = move(self.picks)
        if step is None:
            self.screen.notify(nothing)
            return
        self.screen.scene_list.leave_range()
        self.screen._changed()  # saved at once, as every change
        self._tell_groups(before, self.picks.snapshot(), f"{done}: {step.what}")
