"""Tags and external ids in the real database: removed regardless of case, set as a form sets them,
counted for completion; ids parsed as scheme:value; a scene's credits checked and carried over a
new detection like its title."""

from __future__ import annotations

import peewee
import pytest

from core.catalogue.external_ids import parse_external_id, set_ids
from core.catalogue.tags import add_tags, remove_tags, set_tags, tags_in_use, tags_of
from core.errors import BadInput
from core.pipeline.scene_texts import carry_texts, credits_of, set_texts
from db.models import ProcessingState
from tests.catalogue_rows import project

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL


def test_tags_are_removed_set_and_counted(db: peewee.SqliteDatabase) -> None:
    project("S1", "Harbour", "26-01-02")
    project("S2", "Field", "26-01-03")
    add_tags("S1", ["artist:Jane Doe", "night"])
    assert remove_tags("S1", ["ARTIST:jane doe", "absent"]) == 1
    assert tags_of("S1") == ["night"]
    assert set_tags("S1", ["night", "year:2024"]) and not set_tags("S1", ["year:2024", "night"])
    add_tags("S2", ["year:2024"])
    add_tags("S2", ["year:2024"], scene_start_frame=25)  # the same project twice counts once
    assert tags_in_use() == [("year:2024", 2), ("night", 1)]
    assert tags_in_use("YE") == [("year:2024", 2)]
    with pytest.raises(BadInput):
        set_tags("S1", ["fine", "bad:"])
    assert tags_of("S1") == ["year:2024", "night"]  # refused whole: nothing changed


def test_external_ids_parse_and_set(db: peewee.SqliteDatabase) -> None:
    assert parse_external_id(" inventory:INV-2024-001 ") == ("inventory", "INV-2024-001")
    assert parse_external_id("INV-7") == ("inventory", "INV-7")
    assert parse_external_id("Collection:A 12") == ("collection", "A 12")
    assert parse_external_id("a note: here") == ("inventory", "a note: here")  # a scheme is one word
    for bad in ("", "inventory:", ":x", "x\x1b[2J"):
        with pytest.raises(BadInput):
            parse_external_id(bad)
    project("S1", "Harbour", "26-01-02")
    assert set_ids("S1", ["INV-1", "museum:M-9"]) and not set_ids("S1", ["museum:M-9", "INV-1"])


def test_a_scenes_credits_are_checked_stored_and_carried(db: peewee.SqliteDatabase) -> None:
    session = project("S1", "Harbour", "26-01-02")
    assert set_texts(session, 2, "", "", "  camera: Ann Lee ")
    assert credits_of(ProcessingState.get(), 2) == "camera: Ann Lee"
    assert not set_texts(session, 2, "", "")  # credits left as they are when not given
    with pytest.raises(BadInput, match="control characters"):
        set_texts(session, 2, "", "", "Ann\nLee")
    new = [{"index": 1, "start_frame": 0, "end_frame": 24}, {"index": 2, "start_frame": 25, "end_frame": 49}]
    carry_texts(ProcessingState.get().scenes_data, new)
    assert new[1]["credits"] == "camera: Ann Lee" and "credits" not in new[0]
