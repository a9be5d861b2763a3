"""Names typed by users can never place a file outside the project folder."""

import pytest

from core.errors import BadInput
from core.pipeline.naming import artwork_slug, parse_project_date, project_folder_name, safe_component


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("Blue Hour", "Blue_Hour"),
        ("..x/y..", "x_y"),
        ("a/b", "a_b"),
        ("Été à Paris", "Été_à_Paris"),
        ("name\x00with\ncontrol", "namewithcontrol"),
        ("  ..hidden  ", "hidden"),
        ("CON", "_CON"),
        ("x" * 200, "x" * 80),
    ],
)
def test_artwork_names_become_one_safe_component(typed: str, expected: str) -> None:
    slug = artwork_slug(typed)
    assert slug == expected
    assert "/" not in slug and ".." not in slug and "\\" not in slug


@pytest.mark.parametrize("typed", ["", "   ", "../..", "///", "...", "../../x", "a/../b", "..\\x"])
def test_names_with_nothing_usable_are_refused(typed: str) -> None:
    with pytest.raises(BadInput):
        artwork_slug(typed)


def test_project_folder_is_date_then_slug() -> None:
    assert project_folder_name("26-11-23", "Night Walk / Day") == "26-11-23_Night_Walk_Day"


def test_project_date_is_checked() -> None:
    assert parse_project_date("26-02-28") == "26-02-28"
    with pytest.raises(BadInput, match="YY-MM-DD"):
        parse_project_date("2026-02-28")
    with pytest.raises(BadInput):
        parse_project_date("26-02-30")
    assert len(parse_project_date(None)) == 8


def test_components_of_rd_paths_are_safe() -> None:
    assert safe_component("sketch (final).PNG") == "sketch_final.PNG"
