"""Resume finds the right session; presets come default first, then the most used."""

from __future__ import annotations

import re
from typing import Any

import peewee
import pytest

from db.backend import json_valid, json_value
from db.models import ProcessingState, UserPreset
from db.queries import get_resumable_session, get_session, get_user_presets
from db.settings import set_setting
from tests.test_db_support import make_session, raw

# the database's behaviour: on SQLite and on PostgreSQL
pytestmark = pytest.mark.backends


def test_resume_picks_the_most_recent_processing_or_paused_session(db: peewee.SqliteDatabase) -> None:
    make_session("paused-2d", days_ago=2, status="paused")
    make_session("processing-1d", days_ago=1, status="processing")
    make_session("completed-now", days_ago=0, status="completed")
    make_session("failed-now", days_ago=0, status="failed")
    make_session("initialized-now", days_ago=0, status="initialized")
    session = get_resumable_session()
    assert session is not None and session.session_id == "processing-1d"


def test_resume_ignores_sessions_older_than_the_setting(db: peewee.SqliteDatabase) -> None:
    make_session("paused-8d", days_ago=8, status="paused")
    assert get_resumable_session() is None  # max_resume_age_days is 7 by default
    set_setting("max_resume_age_days", 10)
    session = get_resumable_session()
    assert session is not None and session.session_id == "paused-8d"
    assert get_resumable_session(max_age_days=5) is None


def test_get_session_finds_one_by_id(db: peewee.SqliteDatabase) -> None:
    make_session("s1", status="processing", total_operations=5)
    s1 = get_session("s1")
    assert s1 is not None and s1.session_id == "s1" and get_session("nope") is None


def test_user_presets_default_first_then_most_used(db: peewee.SqliteDatabase) -> None:
    for preset_id, is_default, used in (("rare", False, 1), ("house", True, 0), ("often", False, 9)):
        UserPreset.create(
            preset_id=preset_id,
            preset_name=preset_id.title(),
            is_default=is_default,
            usage_count=used,
            stills_hq_settings={},
            stills_web_settings={},
            video_settings={},
        )
    assert [p.preset_id for p in get_user_presets()] == ["house", "often", "rare"]


def test_json_columns_round_trip(db: peewee.SqliteDatabase) -> None:
    scenes = [{"index": 1, "start": 0, "end": 30}, {"index": 2, "start": 30, "end": 55}]
    make_session("s1", scenes_data=scenes, selected_scenes=[1, 2], grouped_scenes={"g01": [1, 2]})
    session = ProcessingState.get(ProcessingState.session_id == "s1")
    assert (session.scenes_data, session.selected_scenes, session.grouped_scenes) == (scenes, [1, 2], {"g01": [1, 2]})


def test_json_values_are_read_in_sql_typed_as_sqlite_reads_them(db: peewee.Database) -> None:
    meta = ProcessingState.process_metadata
    make_session("j1", process_metadata={"requested_selection": {"scenes": [1]}, "n": 3, "ratio": 0.5, "done": True})
    make_session("j2", process_metadata={"selection_problem": None, "n": 12, "ratio": 2.0, "done": False})

    def ids(condition: peewee.ColumnBase) -> list[str]:
        return [r.session_id for r in ProcessingState.select().where(condition).order_by(ProcessingState.id)]

    assert ids(json_value(db, meta, "n", kind=int) > 5) == ["j2"]  # a number, not the text "12" < "5"
    assert ids(json_value(db, meta, "ratio", kind=float) == 0.5) == ["j1"]
    assert ids(json_value(db, meta, "done", kind=bool) == True) == ["j1"]  # noqa: E712 (SQL comparison)
    assert ids(json_value(db, meta, "requested_selection", "scenes").is_null(False)) == ["j1"]
    assert ids(json_value(db, meta, "selection_problem").is_null()) == ["j1", "j2"]  # absent, or JSON null
    # guarded by json_valid, a row whose column is not JSON has no value rather than failing the query
    make_session("j3")
    raw(db, "UPDATE processing_state SET process_metadata = 'not json' WHERE session_id = 'j3'")  # another tool's
    guarded = peewee.Case(None, [(json_valid(db, meta), json_value(db, meta, "n", kind=int))], None)
    rows = ProcessingState.select(ProcessingState.session_id, guarded).order_by(ProcessingState.id).tuples()
    assert list(rows) == [("j1", 3), ("j2", 12), ("j3", None)]


def test_every_timestamp_vat_writes_has_one_format_on_either_engine(db: Any) -> None:
    """UTC 'YYYY-MM-DD HH:MM:SS' text, as SQLite's CURRENT_TIMESTAMP: the views and age limits compare
    it as text (PostgreSQL's own CURRENT_TIMESTAMP would write fractions and a zone)."""
    from db.connection import execute

    stamps = [row[0] for row in execute("SELECT modified_at FROM app_settings").fetchall()]
    assert stamps and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", str(s)) for s in stamps), stamps


def test_the_catalogue_url_keeps_its_own_options(backend: str, db_path: Any) -> None:
    """A studio's VAT_DB may set options (a search_path, say): vat adds UTC to them, never drops them."""
    if backend != "postgresql":
        pytest.skip("a PostgreSQL URL's options")
    import os

    from db.connection import close_database, execute, open_database

    close_database()
    url = os.environ["VAT_DB"]
    open_database(url + ("&" if "?" in url else "?") + "options=-c%20search_path%3Dpublic,studio")
    assert execute("SHOW TimeZone").fetchone()[0] == "UTC"
    assert execute("SHOW search_path").fetchone()[0].replace(" ", "") == "public,studio"


def test_postgres_is_the_urls_other_spelling(backend: str, db_path: Any) -> None:
    """libpq takes postgres:// as postgresql://: so does VAT_DB (peewee alone would fall back to a socket)."""
    if backend != "postgresql":
        pytest.skip("a PostgreSQL URL")
    import os

    from db.connection import close_database, execute, open_database

    close_database()
    open_database("postgres://" + os.environ["VAT_DB"].split("://", 1)[1])
    from urllib.parse import urlsplit

    assert execute("SELECT current_database()").fetchone()[0] == urlsplit(os.environ["VAT_DB"]).path.lstrip("/")
