"""The catalogue on a real processed session (real ffmpeg, real database, the `vat` command): a
scene's credits reach its stills' metadata after the project's, its tag finds exactly its outputs,
and tags and external ids are set after the fact with `vat tag` and `vat ids`."""

from __future__ import annotations

import json
from pathlib import Path

import peewee
import pytest

from core.media.image_meta import credits_fields
from db.models import FileRegistry, ProcessingState
from tests.helpers import vat

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL (both slow already)


@pytest.mark.slow  # two runs of a tiny master (a run, then the resume the new credits ask for)
def test_scene_credits_and_tags_reach_the_outputs_and_find(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    done = vat(
        "run", cut_video, "--artwork", "Tide Study", "--out", tmp_path, "--date", "26-11-23",
        "--scenes", "1,2", "--workers", "2", "--encoder", "x264", "--credits", "Jane Doe",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    sid = ProcessingState.get().session_id
    assert vat("title", sid, "2", "--credits", "camera: Ann Lee").returncode == 0
    tagged = vat("tag", sid, "--scene", "2", "add", "theme:birds")
    assert tagged.returncode == 0 and "1 tag(s) added" in tagged.stdout, tagged.stderr
    assert vat("ids", sid, "add", "inventory:INV-2024-001").returncode == 0
    resumed = vat("--resume", sid)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr

    stills = {row.file_type: row for row in FileRegistry.select() if row.file_type in ("still_hq", "still_web")}
    for row in FileRegistry.select().where(FileRegistry.file_type.in_(["still_hq", "still_web"])):
        scene = row.compression_settings["scene"]
        expected = "Jane Doe; camera: Ann Lee" if scene == 2 else "Jane Doe"
        found = {v for v in credits_fields(Path(row.file_path)).values() if v is not None}
        assert found == {expected}, (scene, row.file_path)
    assert stills  # both kinds were made

    by_tag = json.loads(vat("find", "--tag", "theme:birds", "--json").stdout)
    (project,) = by_tag["projects"]
    assert project["session_id"] == sid and project["external_ids"] == ["inventory:INV-2024-001"]
    assert {o["scene"] for o in project["outputs"]} == {2}
    assert {o["kind"] for o in project["outputs"]} >= {"still_hq", "still_web", "clip", "thumbnail"}
    assert all(Path(o["path"]).is_file() for o in project["outputs"])
    by_credits = json.loads(vat("find", "ann", "lee", "--kind", "still_web", "--json").stdout)
    assert [[Path(o["path"]).name for o in p["outputs"]] for p in by_credits["projects"]] == [
        ["Tide_Study_s002_web.jpg"]
    ]
    by_id = json.loads(vat("find", "INV-2024-001", "--kind", "clip", "--json").stdout)
    assert [len(p["outputs"]) for p in by_id["projects"]] == [2]  # the project's id: both scenes' clips


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_vat_tag_and_ids_set_list_and_refuse(db: peewee.SqliteDatabase) -> None:
    from tests.catalogue_rows import project

    project("S1", "Harbour", "26-01-02")
    db.close()
    assert vat("tag", "S1", "add", "artist:Jane Doe", "night").returncode == 0
    assert vat("tag", "S1", "add", "night").stdout.strip() == "project: 0 tag(s) added"
    assert vat("tag", "S1", "--scene", "2", "add", "theme:birds").returncode == 0
    assert vat("tag", "S1", "list").stdout.splitlines() == ["artist:Jane Doe", "night"]
    assert vat("tag", "S1", "--scene", "2", "list").stdout.splitlines() == ["theme:birds"]
    removed = vat("tag", "S1", "remove", "NIGHT", "--json")
    assert json.loads(removed.stdout.split("\n", 1)[1]) == {
        "session_id": "S1",
        "scene": None,
        "tags": ["artist:Jane Doe"],
    }
    assert vat("ids", "S1", "add", "inventory:INV-1", "A-7").returncode == 0
    assert vat("ids", "S1", "list").stdout.splitlines() == ["inventory:A-7", "inventory:INV-1"]
    for args, word in (
        (["tag", "NOPE", "add", "x"], "NOPE"),
        (["tag", "S1", "--scene", "9", "add", "x"], "no scene 9"),
        (["tag", "S1", "add", "artist:"], "empty"),
        (["tag", "S1", "add"], "at least one tag"),
        (["ids", "S1", "add", ":"], "id"),
    ):
        refused = vat(*args)
        assert refused.returncode == 2, (args, refused.stdout)
        assert len(refused.stderr.strip().splitlines()) == 1 and word in refused.stderr
