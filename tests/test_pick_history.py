"""The picker's undo history and what it says about groups (tui.pick_history, no Textual)."""

from __future__ import annotations

import pytest

from tui.pick_history import DEPTH, PickHistory, group_losses
from tui.picks import Picks


def test_undo_and_redo_walk_the_states_and_a_new_change_drops_the_redo() -> None:
    picks = Picks(5, {1, 2, 3})
    history = PickHistory.of(picks)
    picks.group_around(2)
    history.commit(picks, "group 1-3")
    picks.toggle(5)
    history.commit(picks, "mark scene 5")
    assert history.commit(picks, "nothing") is None, "no change, no step"

    step = history.undo(picks)
    assert step is not None and step.what == "mark scene 5" and picks.selected == {1, 2, 3}
    step = history.undo(picks)
    assert step is not None and picks.groups == [] and history.undo(picks) is None
    step = history.redo(picks)
    assert step is not None and picks.groups == [(1, 3)]
    picks.toggle(4)
    history.commit(picks, "mark scene 4")
    assert history.redo(picks) is None, "a new change forgets what was undone"
    history.reset(picks)
    assert history.undo(picks) is None and picks.selected == {1, 2, 3, 4}


def test_the_history_keeps_the_last_DEPTH_changes() -> None:
    picks = Picks(3)
    history = PickHistory.of(picks)
    for _ in range(DEPTH + 20):
        picks.toggle(1)
        history.commit(picks)
    undone = 0
    while history.undo(picks) is not None:
        undone += 1
    assert undone == DEPTH >= 50


def test_group_losses_name_dissolved_and_cut_groups_but_not_grown_ones() -> None:
    picks = Picks(9, set(range(1, 10)), [(1, 3), (4, 6), (7, 9)])
    before = picks.snapshot()
    picks.toggle(2)  # 1-3 loses its middle: nothing of two scenes is left
    picks.toggle(9)  # 7-9 cut to 7-8...
    picks.group_span(5, 7)  # ...which joins 4-6 into 4-8: 4-6 grew (not lost), 7-9 did not
    assert picks.groups == [(4, 8)]
    assert group_losses(before, picks.snapshot()) == ["group 1-3 dissolved", "group 7-9 is now 4-8"]
    picks.restore(before)
    picks.toggle(9)
    assert group_losses(before, picks.snapshot()) == ["group 7-9 is now 7-8"]


def test_g_groups_the_marked_run_up_to_the_neighbouring_groups() -> None:
    """g on a marked scene: the run of marked scenes around it, stopping at an unmarked scene or at
    another group (which stays as it is); g inside a group regroups its run."""
    picks = Picks(12, set(range(1, 13)) - {10}, [(2, 3), (8, 9)])
    assert picks.group_around(5) == (4, 7), "between the groups 2-3 and 8-9"
    assert picks.groups == [(2, 3), (4, 7), (8, 9)]
    assert picks.group_around(12) == (11, 12), "up to the unmarked scene 10"
    with pytest.raises(ValueError, match="scene 1: a group needs at least two adjacent marked scenes"):
        picks.group_around(1)
    picks.ungroup(4)
    picks.toggle(3)  # cuts group 2-3: scene 2 alone is no group
    assert picks.groups == [(8, 9), (11, 12)]
    assert picks.group_around(8) == (4, 9), "a group's own run reaches back to the unmarked scene 3"
    assert picks.groups == [(4, 9), (11, 12)]
