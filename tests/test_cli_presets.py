"""`vat presets list|show|export|import|delete|default`: presets as vat's own JSON files, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import peewee
import pytest

from core.errors import BadInput
from core.pipeline.preset_file import read_preset_file, to_document
from core.pipeline.preset_store import load_preset
from tests.helpers import vat


def exported(preset_id: str) -> dict[str, Any]:
    return json.loads(vat("presets", "export", preset_id, check=True).stdout)


def listed() -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in json.loads(vat("presets", "--json", check=True).stdout)}


def write(path: Path, document: Any) -> Path:
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_export_is_every_setting_with_a_format_marker_and_no_counters() -> None:
    document = exported("archive_hq")
    assert document["vat_preset"] == 1
    assert document["preset_id"] == "archive_hq" and document["preset_name"] == "Archive HQ"
    assert document["video"]["crf"] == 12 and document["stills_hq"]["format"] == "tiff"
    assert document["advanced"] == {"faststart": True, "gop_seconds": 1.0, "tune": None}  # no builtin mark
    assert not {"usage_count", "last_used_at", "is_default", "default", "created_at"} & set(document)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_round_trip_under_another_id_gives_an_identical_preset(tmp_path: Path) -> None:
    original = exported("social_1080")
    file = write(tmp_path / "social.json", original)
    done = vat("presets", "import", file, "--id", "my_social", check=True)
    assert "my_social imported" in done.stdout
    copy = exported("my_social")
    assert copy == {**original, "preset_id": "my_social"}
    # and again from the copy's own file: a user preset survives its own round trip unchanged
    second = write(tmp_path / "mine.json", {**copy, "preset_id": "my_social_2", "base_preset": "social_1080"})
    vat("presets", "import", second, check=True)
    assert exported("my_social_2") == {**copy, "preset_id": "my_social_2", "base_preset": "social_1080"}
    row = listed()["my_social_2"]
    assert row["builtin"] is False and row["default"] is False and row["usage_count"] == 0


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_an_existing_id_is_refused_unless_replace_and_a_builtin_never(tmp_path: Path) -> None:
    document = {**exported("preview_fast"), "preset_id": "quick"}
    vat("presets", "import", write(tmp_path / "a.json", document), check=True)
    changed = write(tmp_path / "b.json", {**document, "video": {**document["video"], "crf": 30}})
    refused = vat("presets", "import", changed)
    assert refused.returncode == 2 and "quick already exists" in refused.stderr and "b.json" in refused.stderr
    assert exported("quick")["video"]["crf"] == 28  # unchanged
    assert "quick replaced" in vat("presets", "import", changed, "--replace", check=True).stdout
    assert exported("quick")["video"]["crf"] == 30
    builtin = write(tmp_path / "c.json", {**document, "preset_id": "archive_hq"})
    for extra in ([], ["--replace"]):
        done = vat("presets", "import", builtin, *extra)
        assert done.returncode == 2 and "archive_hq is built in" in done.stderr
    assert exported("archive_hq")["video"]["crf"] == 12


def _bad(base: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    """`base` with a field (section.key or a top-level key) set to `value`, or removed for ..."""
    document = json.loads(json.dumps(base))
    *sections, key = field.split(".")
    target = document[sections[0]] if sections else document
    if value is ...:
        del target[key]
    else:
        target[key] = value
    return document


@pytest.mark.parametrize(
    "field, value",
    [
        ("preset_name", ...),  # missing
        ("video", ...),  # missing section
        ("vat_preset", ...),  # not a preset file at all
        ("preset_name", 7),  # wrong type
        ("stills_hq", "png"),  # wrong type: a section that is not an object
        ("video.audio", "yes"),  # wrong type inside a section
        ("video.crf", "23"),  # a number as text
        ("video.crf", 99),  # out of range
        ("stills_web.quality", 0),  # out of range
        ("thumbnail.format", "gif"),  # not one of the choices
        ("advanced.gop_seconds", 600),  # out of range
        ("advanced.tune", "cinema"),  # not an x264 tune
        ("preset_id", "my preset!"),  # not a usable id
        ("vat_preset", 2),  # a newer format
        ("colour", "red"),  # an unknown field (a typo must not pass unseen)
    ],
)
def test_a_bad_preset_file_is_refused_naming_the_file_and_the_field(
    db: peewee.SqliteDatabase, tmp_path: Path, field: str, value: Any
) -> None:
    # in process: the command prints this message as it is (one CLI case below checks that)
    document = _bad({**to_document(load_preset("webflow_standard")), "preset_id": "imported"}, field, value)
    file = write(tmp_path / "bad.json", document)
    with pytest.raises(BadInput) as refused:
        read_preset_file(file)
    line = refused.value.message
    assert "\n" not in line and str(file) in line and f": {field}: " in line, line


def test_a_bad_preset_file_exits_2_in_one_line_and_adds_nothing(tmp_path: Path) -> None:
    document = _bad({**exported("webflow_standard"), "preset_id": "imported"}, "video.crf", 99)
    file = write(tmp_path / "bad.json", document)
    done = vat("presets", "import", file)
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip()
    assert "\n" not in line and line.startswith(f"vat: error: {file}: video.crf: "), line
    assert "imported" not in listed()


@pytest.mark.parametrize(
    "text, problem", [("{not json", "not JSON: "), ("[1, 2]", "expected a JSON object"), ("", "not JSON: ")]
)
def test_a_file_that_is_not_a_preset_object_is_refused(
    db: peewee.SqliteDatabase, tmp_path: Path, text: str, problem: str
) -> None:
    file = write(tmp_path / "bad.json", text)
    with pytest.raises(BadInput) as refused:
        read_preset_file(file)
    assert str(file) in refused.value.message and problem in refused.value.message, refused.value.message
    with pytest.raises(BadInput, match="none.json: no such file"):
        read_preset_file(tmp_path / "none.json")


@pytest.mark.backends
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_default_sets_the_flag_and_delete_refuses_builtins_and_the_default(tmp_path: Path) -> None:
    vat("presets", "import", write(tmp_path / "a.json", exported("archive_hq")), "--id", "mine", check=True)
    assert "mine is now the default" in vat("presets", "default", "mine", check=True).stdout
    rows = listed()
    assert rows["mine"]["default"] is True and rows["webflow_standard"]["default"] is False
    refused = vat("presets", "delete", "mine")
    assert refused.returncode == 2 and "is the default" in refused.stderr
    builtin = vat("presets", "delete", "archive_hq")
    assert builtin.returncode == 2 and "built-in" in builtin.stderr
    unknown = vat("presets", "default", "nope")
    assert unknown.returncode == 2 and "'nope' does not exist" in unknown.stderr
    vat("presets", "default", "archive_hq", check=True)
    assert "mine deleted" in vat("presets", "delete", "mine", check=True).stdout
    assert set(listed()) == {"webflow_standard", "archive_hq", "social_1080", "preview_fast"}
    assert listed()["archive_hq"]["default"] is True


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_show_prints_every_setting_readably_and_as_json() -> None:
    text = vat("presets", "show", "webflow_standard", check=True).stdout
    assert text.startswith("webflow_standard: Webflow standard (default)")
    assert "video:\n" in text and "  crf: 23\n" in text and '  maxrate: "6M"\n' in text
    shown = json.loads(vat("presets", "show", "webflow_standard", "--json", check=True).stdout)
    assert shown["default"] is True and shown["builtin"] is True and shown["usage_count"] == 0
    assert {k: v for k, v in shown.items() if k in exported("webflow_standard")} == exported("webflow_standard")
