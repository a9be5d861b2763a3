"""The transition test footage (tests/transition_media.py) holds the transitions its ground truth says,
frame for frame: checked on the decoded file, not on the plan."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from tests.transition_media import (
    BENCH_PLAN,
    TEST_PLAN,
    Footage,
    Join,
    Plan,
    Transition,
    flash_frame,
    make_transition_video,
    plan_transitions,
)


@pytest.fixture(scope="module")
def luma(transition_footage: Footage) -> np.ndarray:
    """Every decoded frame's luma plane, as float (frames, height, width)."""
    with av.open(str(transition_footage.path)) as container:
        planes = [frame.to_ndarray(format="gray") for frame in container.decode(video=0)]
    return np.asarray(planes, dtype=np.float64)


def _diff(luma: np.ndarray, a: int, b: int) -> float:
    return float(np.abs(luma[a] - luma[b]).mean())


def test_frame_count_and_size_are_the_plans(transition_footage: Footage, luma: np.ndarray) -> None:
    assert luma.shape == (transition_footage.frames, 144, 256)
    assert transition_footage.frames == 455
    kinds = [t.kind for t in transition_footage.transitions]
    assert kinds == ["cut", "dissolve", "fade_black", "cut", "dissolve", "fade_white", "dissolve"]
    lengths = [t.last - t.first + 1 for t in transition_footage.transitions if t.kind == "dissolve"]
    assert lengths == [6, 60, 20]


def test_a_fade_is_black_or_white_in_its_middle_only(transition_footage: Footage, luma: np.ndarray) -> None:
    means = luma.mean(axis=(1, 2))
    fades = [t for t in transition_footage.transitions if t.kind.startswith("fade")]
    assert len(fades) == 2
    for fade in fades:
        span = means[fade.first : fade.last + 1]
        extreme = int(np.argmin(span) if fade.kind == "fade_black" else np.argmax(span)) + fade.first
        assert abs(extreme - (fade.first + fade.last) / 2) <= 1, fade
        if fade.kind == "fade_black":
            assert means[extreme] < 10
        else:
            assert means[extreme] > 245
        # the frames beside the span are the shots at their own level, far from black or white
        for outside in (fade.first - 1, fade.last + 1):
            assert 40 < means[outside] < 200, (fade, outside)
        # the first and last frames of the span are already (still) faded: part of the transition
        assert abs(means[fade.first] - means[fade.first - 1]) > 5
        assert abs(means[fade.last] - means[fade.last + 1]) > 5


def test_a_dissolve_mixes_both_shots(transition_footage: Footage, luma: np.ndarray) -> None:
    for dissolve in (t for t in transition_footage.transitions if t.kind == "dissolve"):
        before, after, middle = dissolve.first - 1, dissolve.last + 1, dissolve.middle
        apart = _diff(luma, before, after)
        assert apart > 15, dissolve  # the two shots look different
        # the middle frame is neither shot, and nearer their average than either
        blend = (luma[before] + luma[after]) / 2
        to_blend = float(np.abs(luma[middle] - blend).mean())
        assert _diff(luma, middle, before) > 5 and _diff(luma, middle, after) > 5, dissolve
        assert to_blend < min(_diff(luma, middle, before), _diff(luma, middle, after)), dissolve


def test_every_span_holds_exactly_the_mixed_frames(tmp_path: Path) -> None:
    """TEST_PLAN with still grey shots and no grain: a frame outside every span shows one shot's
    exact level, each frame inside a dissolve or fade shows neither, so the spans' first and last
    frames are exact (xfade's first frame, still 100% the old shot, is outside), and a cut changes
    level from one frame to the next."""
    footage = make_transition_video(tmp_path / "flat.mp4", TEST_PLAN, size=(64, 36), grain=0, flat=True)
    with av.open(str(footage.path)) as container:
        means = [float(f.to_ndarray(format="gray").mean()) for f in container.decode(video=0)]
    assert len(means) == footage.frames
    spans = footage.transitions
    # each shot's frames outside the transitions (a cut's frame is the new shot's first)
    clean = []
    for i in range(len(spans) + 1):
        start = 0 if i == 0 else spans[i - 1].first if spans[i - 1].kind == "cut" else spans[i - 1].last + 1
        end = spans[i].first - 1 if i < len(spans) else footage.frames - 1
        clean.append([f for f in range(start, end + 1) if f != footage.flash])
    levels = [float(np.median([means[f] for f in frames])) for frames in clean]
    for i, frames in enumerate(clean):
        assert all(abs(means[f] - levels[i]) < 0.6 for f in frames), i  # edges included
    for i, t in enumerate(spans):
        before, after = levels[i], levels[i + 1]
        assert abs(before - after) > 30
        for f in range(t.first, t.last + 1):
            if t.kind != "cut":
                assert abs(means[f] - before) > 0.8 and abs(means[f] - after) > 0.8, (t, f)
            if t.kind == "dissolve":
                assert min(before, after) < means[f] < max(before, after), (t, f)
    assert means[footage.flash] > levels[TEST_PLAN.flash_shot] + 80


def test_a_cut_is_one_frame_change_far_above_the_shots_motion(transition_footage: Footage, luma: np.ndarray) -> None:
    for cut in (t for t in transition_footage.transitions if t.kind == "cut"):
        jump = _diff(luma, cut.first - 1, cut.first)
        motion = max(
            max(_diff(luma, f - 1, f) for f in range(cut.first - 6, cut.first)),
            max(_diff(luma, f, f + 1) for f in range(cut.first, cut.first + 6)),
        )
        assert jump > 2 * motion, (cut, jump, motion)


def test_the_flash_is_one_bright_frame_inside_a_shot(transition_footage: Footage, luma: np.ndarray) -> None:
    means = luma.mean(axis=(1, 2))
    flash = transition_footage.flash
    assert means[flash] > means[flash - 1] + 80 and means[flash] > means[flash + 1] + 80
    assert _diff(luma, flash - 1, flash + 1) < 10  # the same shot either side
    for t in transition_footage.transitions:
        assert not t.first - 10 <= flash <= t.last + 10, t


def test_the_shots_move_fast_but_less_than_a_cut(transition_footage: Footage, luma: np.ndarray) -> None:
    """Pans and the racing block change every frame (no still shot makes detection easy)."""
    inside: set[int] = set()
    for t in transition_footage.transitions:
        inside.update(range(t.first - 1, t.last + 2))
    inside.update({transition_footage.flash, transition_footage.flash + 1})
    diffs = [_diff(luma, f - 1, f) for f in range(1, transition_footage.frames) if f not in inside]
    assert min(diffs) > 0.5
    assert max(diffs) > 20  # the fast motion shot: a fifth of a frame's pixels change a lot


def test_plans_that_leave_a_shot_no_room_are_refused() -> None:
    with pytest.raises(ValueError, match="shot 1"):
        plan_transitions(Plan(shots=(50, 30, 50), joins=(Join("dissolve", 20), Join("fade_black", 16)), flash_shot=1))
    with pytest.raises(ValueError, match="unknown join kind"):
        plan_transitions(Plan(shots=(50, 50), joins=(Join("wipe", 10),), flash_shot=0))


def test_the_plan_arithmetic(tmp_path: Path) -> None:
    plan = Plan(shots=(40, 40, 40, 40), joins=(Join("cut"), Join("dissolve", 10), Join("fade_white", 9)), flash_shot=1)
    transitions, origins, total = plan_transitions(plan)
    assert transitions == [
        Transition("cut", 40, 40),
        Transition("dissolve", 70, 79),
        Transition("fade_white", 105, 113),
    ]
    assert origins == [0, 40, 69, 109]
    assert total == 149
    assert flash_frame(plan) == (41 + 69) // 2
    assert flash_frame(TEST_PLAN) == 180


def test_the_bench_plan_is_the_issues_example() -> None:
    """bench/transitions.py's footage: 4 cuts, 4 dissolves of 8 to 50 frames, a fade through black and
    one through white, the flash in a shot of its own."""
    transitions, _, total = plan_transitions(BENCH_PLAN)
    kinds = [t.kind for t in transitions]
    assert sorted(kinds) == sorted(["cut"] * 4 + ["dissolve"] * 4 + ["fade_black", "fade_white"])
    dissolves = sorted(t.last - t.first + 1 for t in transitions if t.kind == "dissolve")
    assert dissolves[0] == 8 and dissolves[-1] == 50
    flash = flash_frame(BENCH_PLAN)
    assert all(not t.first - 10 <= flash <= t.last + 10 for t in transitions)
    assert total == 1037
