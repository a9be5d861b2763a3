"""Built-in presets are valid, bad settings are named, sizes are upper bounds."""

import copy

import pytest

from core.pipeline.presets import BUILTIN_PRESETS, DEFAULT_PRESET_ID, check, fit_width, validate


def test_builtins_are_valid_and_include_the_default() -> None:
    ids = {p.preset_id for p in BUILTIN_PRESETS}
    assert {"webflow_standard", "archive_hq", "social_1080", "preview_fast"} <= ids
    assert DEFAULT_PRESET_ID in ids
    for preset in BUILTIN_PRESETS:
        assert validate(preset) == [], preset.preset_id
        assert preset.builtin


def test_webflow_standard_is_silent_capped_and_web_sized() -> None:
    web = next(p for p in BUILTIN_PRESETS if p.preset_id == "webflow_standard")
    assert web.video["audio"] is False and web.video["maxrate"] and web.video["max_width"] == 1920
    assert web.stills_web == {"format": "jpg", "max_width": 1920, "quality": 85}
    assert web.stills_hq["format"] == "png"


def test_bad_values_are_each_named() -> None:
    bad = copy.deepcopy(BUILTIN_PRESETS[0])
    bad.video["crf"] = 99
    bad.stills_web["format"] = "gif"
    bad.video["maxrate"] = "fast"
    problems = validate(bad)
    assert any("CRF" in p for p in problems)
    assert any("stills web format" in p for p in problems)
    assert any("max rate" in p for p in problems)
    with pytest.raises(Exception, match="CRF"):
        check(bad)


@pytest.mark.parametrize(
    "src, max_width, even, expected",
    [
        ((3840, 2160), 1920, True, (1920, 1080)),
        ((1280, 720), 1920, True, (1280, 720)),  # never upscaled
        ((161, 97), None, True, (160, 96)),
        ((1000, 1000), 333, False, (333, 333)),
        ((1920, 817), 1280, True, (1280, 544)),
    ],
)
def test_fit_width(src: tuple[int, int], max_width: int | None, even: bool, expected: tuple[int, int]) -> None:
    assert fit_width(*src, max_width, even) == expected


def test_picture_options_default_off_and_auto_and_are_checked() -> None:
    from tui.preset_form import FIELDS, value_of

    preset = copy.deepcopy(BUILTIN_PRESETS[0])
    assert "keep_pixel_aspect" not in preset.video and "deinterlace" not in preset.video  # old presets too
    shown = {f.key: value_of(preset, f) for f in FIELDS if f.section == "video"}
    assert shown["keep_pixel_aspect"] is False and shown["deinterlace"] == "auto"
    preset.video.update(keep_pixel_aspect="yes", deinterlace="sometimes")
    problems = validate(preset)
    assert "keep pixel aspect: expected true or false" in problems
    assert "deinterlace: expected one of auto, off" in problems
    preset.video.update(keep_pixel_aspect=True, deinterlace="off")
    assert validate(preset) == []


def test_trim_transitions_is_off_by_default_checked_and_travels_in_preset_files() -> None:
    from core.errors import BadInput
    from core.pipeline.preset_file import from_document, to_document
    from tui.preset_form import FIELDS, value_of

    preset = copy.deepcopy(BUILTIN_PRESETS[0])
    assert "trim_transitions" not in preset.video  # left out: the built-ins' plans keep their hashes
    assert {f.key: value_of(preset, f) for f in FIELDS if f.section == "video"}["trim_transitions"] is False
    preset.video["trim_transitions"] = "yes"
    assert "trim transitions: expected true or false" in validate(preset)
    with pytest.raises(BadInput, match=r"my\.json: video\.trim_transitions: expected true or false"):
        from_document({**to_document(preset), "preset_id": "mine"}, "my.json")
    preset.video["trim_transitions"] = True
    assert validate(preset) == []
    read = from_document({**to_document(preset), "preset_id": "mine"}, "my.json")
    assert read.video["trim_transitions"] is True
