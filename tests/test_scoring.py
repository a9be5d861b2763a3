"""core.detection.scoring: hand-made true and detected transitions, scored."""

from __future__ import annotations

import pytest

from core.detection.scoring import Span, overlaps, score

CUT = Span.point(50, "cut")
DISSOLVE = Span(100, 109, "dissolve")


@pytest.mark.parametrize(
    ("true", "found", "hit"),
    [
        (CUT, Span.point(50), True),
        (CUT, Span.point(48), True),  # the tolerance's edges
        (CUT, Span.point(52), True),
        (CUT, Span.point(47), False),
        (CUT, Span.point(53), False),
        (CUT, Span(40, 48), True),  # a span ending at the edge
        (CUT, Span(40, 47), False),
        (DISSOLVE, Span.point(98), True),
        (DISSOLVE, Span.point(97), False),
        (DISSOLVE, Span.point(111), True),
        (DISSOLVE, Span.point(112), False),
        (DISSOLVE, Span(90, 98), True),
        (DISSOLVE, Span(90, 97), False),
        (DISSOLVE, Span(111, 130), True),
        (DISSOLVE, Span(112, 130), False),
        (DISSOLVE, Span(80, 140), True),  # covering it whole
        (DISSOLVE, Span.point(104), True),
    ],
)
def test_a_hit_overlaps_the_true_span_within_two_frames(true: Span, found: Span, hit: bool) -> None:
    assert overlaps(true, found) is hit
    result = score([true], [found])
    assert (result.hits, len(result.missed), len(result.false_positives)) == ((1, 0, 0) if hit else (0, 1, 1))


def test_the_tolerance_is_a_parameter() -> None:
    assert score([CUT], [Span.point(55)], tolerance=5).hits == 1
    assert score([CUT], [Span.point(51)], tolerance=0).hits == 0


def test_a_second_detection_on_one_transition_is_a_false_positive() -> None:
    """A 31-frame dissolve reported as two cuts, at its start and near its end."""
    dissolve = Span(100, 130, "dissolve")
    result = score([dissolve], [Span.point(101), Span.point(125)])
    assert result.hits == 1 and result.recall == 1.0
    assert result.precision == 0.5
    assert result.doubles == 1
    assert result.false_positives == [Span.point(101)]  # the one farther from its middle, 115


def test_a_detection_inside_a_flash_is_a_false_positive() -> None:
    truth = [Span.point(50, "cut"), Span.point(150, "cut")]
    result = score(truth, [Span.point(50), Span.point(100), Span.point(101), Span.point(150)])
    assert result.recall == 1.0
    assert result.precision == 0.5
    assert result.false_positives == [Span.point(100), Span.point(101)]
    assert result.doubles == 0  # near no true transition


def test_one_detection_cannot_hit_two_close_transitions() -> None:
    truth = [Span.point(50, "cut"), Span.point(53, "cut")]
    result = score(truth, [Span.point(51)])
    assert (result.hits, result.recall, result.precision) == (1, 0.5, 1.0)
    assert result.missed == [Span.point(53, "cut")]


def test_the_matching_is_as_large_as_possible() -> None:
    """The first transition's nearest detection is the second's only one: it takes its other."""
    a, b = Span.point(10, "cut"), Span.point(13, "cut")
    near_both, near_a = Span.point(11), Span.point(8)
    result = score([a, b], [near_both, near_a])
    assert result.hits == 2 and result.false_positives == []
    assert result.matches == [(a, near_a), (b, near_both)]


def test_per_kind_recall_and_the_precision_of_labelled_detections() -> None:
    truth = [
        Span.point(50, "cut"),
        Span(100, 109, "dissolve"),
        Span(200, 249, "dissolve"),
        Span(300, 319, "fade_black"),
        Span(400, 419, "fade_white"),
    ]
    found = [
        Span.point(50, "cut"),
        Span(101, 108, "dissolve"),
        Span.point(310, "cut"),  # a fade found, called a cut
        Span(405, 415, "fade_white"),
        Span(500, 520, "dissolve"),  # nothing there
    ]
    result = score(truth, found)
    assert (result.hits, result.expected, result.detected) == (4, 5, 5)
    kinds = result.by_kind
    assert (kinds["cut"].expected, kinds["cut"].found, kinds["cut"].labelled, kinds["cut"].labelled_right) == (
        1,
        1,
        2,
        1,
    )
    assert kinds["cut"].precision == 0.5
    assert (kinds["dissolve"].recall, kinds["dissolve"].precision) == (0.5, 0.5)
    assert (kinds["fade_black"].recall, kinds["fade_black"].precision) == (1.0, None)
    assert (kinds["fade_white"].recall, kinds["fade_white"].precision) == (1.0, 1.0)
    assert result.missed == [Span(200, 249, "dissolve")]


def test_unlabelled_detections_count_for_recall_per_kind() -> None:
    """vat's detectors today give points without a kind: recall per true kind still holds."""
    truth = [Span.point(50, "cut"), Span(100, 109, "dissolve")]
    result = score(truth, [Span.point(50), Span.point(130)])
    assert set(result.by_kind) == {"cut", "dissolve"}
    assert (result.by_kind["cut"].recall, result.by_kind["dissolve"].recall) == (1.0, 0.0)
    assert result.by_kind["cut"].precision is None


def test_empty_inputs() -> None:
    nothing = score([], [])
    assert (nothing.recall, nothing.precision, nothing.f1, nothing.hits) == (1.0, 1.0, 1.0, 0)
    none_found = score([CUT, DISSOLVE], [])
    assert (none_found.recall, none_found.precision, none_found.f1) == (0.0, 1.0, 0.0)
    assert none_found.missed == [CUT, DISSOLVE]
    nothing_there = score([], [Span.point(5)])
    assert (nothing_there.recall, nothing_there.precision, nothing_there.f1) == (1.0, 0.0, 0.0)
    assert nothing_there.doubles == 0


def test_order_of_the_inputs_does_not_matter() -> None:
    truth = [DISSOLVE, CUT]
    found = [Span.point(104), Span.point(51)]
    assert score(truth, found).matches == [(CUT, Span.point(51)), (DISSOLVE, Span.point(104))]


def test_a_span_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        Span(10, 9)
