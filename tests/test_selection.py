from collections.abc import Callable

import pytest

from core.errors import BadInput
from core.pipeline.selection import format_numbers, parse_groups, parse_scenes, with_groups_selected


def test_scene_specs() -> None:
    assert parse_scenes("all", 4) == [1, 2, 3, 4]
    assert parse_scenes(None, 3) == [1, 2, 3]
    assert parse_scenes("1,3,5-8", 9) == [1, 3, 5, 6, 7, 8]
    assert parse_scenes("2, 2,1", 3) == [1, 2]


@pytest.mark.parametrize("spec", ["0", "10", "3-1", "x", "1-", "4-12"])
def test_bad_scene_specs_name_the_option(spec: str) -> None:
    with pytest.raises(BadInput, match="--scenes"):
        parse_scenes(spec, 9)


def test_groups_are_adjacent_runs_that_do_not_overlap() -> None:
    assert parse_groups(["4-5", "1-2"], 6) == [(1, 2), (4, 5)]
    with pytest.raises(BadInput, match="overlap"):
        parse_groups(["1-3", "3-4"], 6)
    with pytest.raises(BadInput, match="two"):
        parse_groups(["2-2"], 6)
    assert with_groups_selected([1], [(3, 4)]) == [1, 3, 4]


def test_format_numbers() -> None:
    assert format_numbers([5, 1, 2, 3, 9]) == "1-3,5,9"


def test_syntax_check_before_detection_is_cheap_and_strict() -> None:
    from core.pipeline.selection import check_syntax

    check_syntax(None, None)
    check_syntax("all", ["2-3"])
    check_syntax("1-900000000", None)  # a range is checked, never enumerated
    with pytest.raises(BadInput, match="--scenes"):
        check_syntax("1,x", None)
    with pytest.raises(BadInput, match="--group"):
        check_syntax(None, ["3"])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: parse_groups(["2-1"], 5), "--group '2-1': the range is reversed (write 1-2)"),
        (lambda: parse_scenes("3-1", 5), "--scenes '3-1': the range is reversed (write 1-3)"),
        (lambda: parse_scenes("0", 5), "--scenes '0': scenes are numbered from 1"),
        (lambda: parse_groups(["0-2"], 5), "--group '0-2': scenes are numbered from 1"),
        (lambda: parse_scenes("1,9", 5), "--scenes '9': the master has only 5 scenes"),
        (lambda: parse_groups(["4-6"], 5), "--group '4-6': the master has only 5 scenes"),
    ],
)
def test_messages_name_the_real_problem(call: Callable[[], object], message: str) -> None:
    with pytest.raises(BadInput) as caught:
        call()
    assert caught.value.message == message


def test_syntax_check_names_the_real_problem_before_the_count_is_known() -> None:
    from core.pipeline.selection import check_syntax

    for scenes, groups, words in (("0", None, "numbered from 1"), (None, ["2-1"], "reversed")):
        with pytest.raises(BadInput, match=words) as caught:
            check_syntax(scenes, groups)
        assert "1000000000" not in caught.value.message
