"""Find by tag and by text (issue 14): sessions with tags, ids, scene texts and registered outputs in
the real database; `vat find` returns the right projects and outputs, filtered by --kind and
--since, as a table or one JSON document, and refuses a bad --kind or --since in one line."""

from __future__ import annotations

import json
from pathlib import Path

import peewee
import pytest

from core.catalogue.external_ids import add_ids
from core.catalogue.search import Query, parse_query, search
from core.catalogue.tags import add_tags
from core.errors import BadInput
from tests.catalogue_rows import outputs, project
from tests.helpers import vat

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL


@pytest.fixture
def collection(db: peewee.SqliteDatabase) -> None:
    """Three projects: a tagged one with an inventory number, one whose scene 2 has texts and a
    tag, and an older one without outputs."""
    sunrise = project("S1", "Sunrise Over Water", "26-03-14")
    outputs(sunrise)
    add_tags("S1", ["artist:Jane Doe", "series:Coast", "night"])
    add_ids("S1", ["inventory:INV-2024-001"])
    harbour = project("S2", "Harbour", "25-11-02", texts={2: {"title": "Blue Crane", "note": "shot at dusk"}})
    outputs(harbour)
    add_tags("S2", ["theme:birds"], scene_start_frame=25)  # scene 2's first frame
    add_tags("S2", ["artist:Jane Doe"])
    project("S3", "Winter Field", "24-01-20")


def _ids(found: list) -> list[str]:
    return [p.session_id for p in found]


def test_text_matches_every_word_in_artwork_tags_ids_and_file_names(collection: None) -> None:
    assert _ids(search(Query("sunrise water"))) == ["S1"]
    assert _ids(search(Query("SUNRISE harbour"))) == []  # every word, not any
    assert _ids(search(Query("inv-2024-001"))) == ["S1"]  # an external id
    assert _ids(search(Query("jane"))) == ["S1", "S2"]  # a tag's value, most recent project first
    assert _ids(search(Query("winter"))) == ["S3"]  # found without any output
    by_name = search(Query("s002_web"))
    assert [(p.session_id, [o.path.rsplit("/", 1)[1] for o in p.outputs]) for p in by_name] == [
        ("S1", ["Sunrise_Over_Water_s002_web.jpg"]),
        ("S2", ["Harbour_s002_web.jpg"]),
    ]


def test_a_scene_title_note_or_tag_matches_that_scenes_outputs_only(collection: None) -> None:
    for text in ("blue crane", "dusk"):
        (found,) = search(Query(text))
        assert found.session_id == "S2" and {o.scene for o in found.outputs} == {2}
    (tagged,) = search(Query(tags=("theme:birds",)))
    assert {o.scene for o in tagged.outputs} == {2} and {o.kind for o in tagged.outputs} == {
        "still_hq",
        "still_web",
        "thumbnail",
        "clip",
    }
    # a project's tag matches all its outputs; several tags must all match
    (both,) = search(Query(tags=("artist:jane doe", "birds")))
    assert both.session_id == "S2" and {o.scene for o in both.outputs} == {2}
    assert search(Query(tags=("series:Coast", "birds"))) == []


def test_kind_and_since_filter(collection: None) -> None:
    found = search(Query(kind="still_web"))
    assert _ids(found) == ["S1", "S2"]  # S3 has no still
    assert all(o.kind == "still_web" for p in found for o in p.outputs)
    assert [len(p.outputs) for p in found] == [3, 3]
    assert _ids(search(Query(since="2025-11-02"))) == ["S1", "S2"]
    assert _ids(search(Query(since="26-01-01"))) == ["S1"]


def test_the_search_fields_tokens_become_filters(collection: None) -> None:
    query = parse_query('jane tag:"artist:Jane Doe" kind:clip since:25-01-01')
    assert query == Query("jane", ("artist:Jane Doe",), "clip", "25-01-01")
    assert [(p.session_id, len(p.outputs)) for p in search(query)] == [("S1", 3), ("S2", 3)]
    assert _ids(search(parse_query("tag:night jane"))) == ["S1"]
    with pytest.raises(BadInput, match="kind"):
        parse_query("kind:poster")


@pytest.mark.backends(slow=True)  # vat's own processes or the TUI: PostgreSQL's run is among the slow
def test_vat_find_prints_a_table_at_80_columns_or_one_json_document(collection: None) -> None:
    table = vat("find", "harbour", "--kind", "still_web")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "Harbour" in table.stdout and "stills/web/Harbour_s001_web.jpg" in table.stdout
    assert "clips/" not in table.stdout
    done = vat("find", "--tag", "artist:Jane Doe", "--since", "26-01-01", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    (only,) = document["projects"]
    assert only["session_id"] == "S1" and only["artwork"] == "Sunrise Over Water"
    assert only["tags"] == ["artist:Jane Doe", "series:Coast", "night"]
    assert only["external_ids"] == ["inventory:INV-2024-001"]
    assert only["output_folder"] == "/archive/26-03-14_Sunrise_Over_Water"
    assert len(only["outputs"]) == 13 and set(only["outputs"][0]) == {"path", "kind", "scene", "size_bytes"}
    assert document["query"]["tags"] == ["artist:Jane Doe"]


@pytest.mark.backends(slow=True)  # vat's own processes or the TUI: PostgreSQL's run is among the slow
def test_vat_find_says_no_match_and_refuses_bad_filters(collection: None) -> None:
    nothing = vat("find", "nothing-like-this")
    assert (nothing.returncode, nothing.stdout.strip()) == (0, "no match")
    for args, word in (
        (["--kind", "poster"], "--kind"),
        (["--since", "yesterday"], "--since"),
        (["--tag", " "], "tag"),
    ):
        refused = vat("find", *args)
        assert refused.returncode == 2 and refused.stdout == ""
        assert len(refused.stderr.strip().splitlines()) == 1 and word in refused.stderr


def test_case_is_ignored_beyond_ascii_and_like_wildcards_are_literal(db: peewee.SqliteDatabase) -> None:
    project("S1", "Études d'Émile", "26-01-02")
    project("S2", "100% Cotton_Field", "26-01-03")
    assert _ids(search(Query("éMILE ÉTUDES"))) == ["S1"]
    assert _ids(search(Query("100%"))) == ["S2"] and _ids(search(Query("n_f"))) == ["S2"]
    assert search(Query("1%0")) == [] and search(Query("cotto_")) == []


def test_words_fold_as_pythons_casefold_and_ascii_words_ignore_ascii_case_only(db: peewee.Database) -> None:
    """The same on both engines, whatever PostgreSQL's locale: a word with other letters is compared
    case-folded (ß is ss, final ς is σ, the Kelvin sign is k); an ASCII word ignores ASCII case only."""
    project("S1", "STRASSE IM LICHT", "26-01-02")
    project("S2", "Ofen 300\u212a", "26-01-03")  # KELVIN SIGN
    project("S3", "ΟΔΥΣΣΕΥΣ", "26-01-04")
    project("S4", "Große STRAẞE", "26-01-05")  # LATIN CAPITAL LETTER SHARP S
    assert _ids(search(Query("Straße"))) == ["S4", "S1"] and _ids(search(Query("strasse"))) == ["S1"]
    assert _ids(search(Query("große"))) == ["S4"]
    assert _ids(search(Query("300\u212a"))) == ["S2"] and _ids(search(Query("300K ofen"))) == []
    assert _ids(search(Query("οδυσσευς"))) == ["S3"] and search(Query("odysseus")) == []


@pytest.mark.backends(slow=True)  # vat's own processes or the TUI: PostgreSQL's run is among the slow
def test_find_shows_the_paths_where_a_moved_archive_is_now(
    db: peewee.SqliteDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.catalogue import roots

    monkeypatch.setenv("VAT_HOST", "edit-box")  # this machine, for vat find's process too
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    outputs(project("S1", "Harbour", "26-01-02", out=str(old)))
    roots.add("NAS", old)
    roots.add("NAS", new)  # the archive moved: the database still holds the old paths
    db.close()
    (found,) = json.loads(vat("find", "harbour", "--kind", "clip", "--json").stdout)["projects"]
    assert found["output_folder"] == str(new / "26-01-02_Harbour")
    assert [o["path"] for o in found["outputs"]][0] == str(new / "26-01-02_Harbour/clips/Harbour_s001.mp4")
