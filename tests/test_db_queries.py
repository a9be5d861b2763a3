"""Resume finds the right session; saving progress is atomic, also from many worker threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import peewee
import pytest

from core.errors import BadInput
from db.models import OperationLog, ProcessingState, UserPreset
from db.queries import get_resumable_session, get_session, get_user_presets, save_state
from db.settings import set_setting
from tests.test_db_support import make_session


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


def test_resume_reports_the_logged_progress(db: peewee.SqliteDatabase) -> None:
    make_session("s1", status="processing", total_operations=5)
    save_state("s1", "still_hq:s001", 1, {}, "still_extraction", "still_hq:s001")
    save_state("s1", "still_hq:s002", 1, {}, "still_extraction", "still_hq:s002", status="failed")
    session = get_resumable_session()
    assert session is not None
    # columns the query adds to the row (aliases, not model fields)
    assert session.completed_operations_verified == 1  # type: ignore[attr-defined]
    assert session.last_operation_time is not None  # type: ignore[attr-defined]
    s1 = get_session("s1")
    assert s1 is not None and s1.session_id == "s1" and get_session("nope") is None


def test_save_state_updates_the_session_and_logs_the_operation(db: peewee.SqliteDatabase) -> None:
    make_session("s1", status="processing", total_operations=4)
    log = save_state(
        "s1",
        "clip:s003",
        3,
        {"done": ["clip:s003"]},
        "clip_export",
        "clip:s003",
        output_files=["/out/clips/a_s003.mp4"],
        duration_seconds=1.5,
    )
    session = get_session("s1")
    assert session is not None
    assert (session.current_operation, session.completed_operations) == ("clip:s003", 3)
    assert session.operation_details == {"done": ["clip:s003"]}
    stored = OperationLog.get_by_id(log.id)
    assert (stored.session_id, stored.status, stored.progress, stored.sequence_number) == ("s1", "completed", 1.0, 1)
    assert stored.output_files == ["/out/clips/a_s003.mp4"] and stored.duration_seconds == 1.5


def test_save_state_is_all_or_nothing(db: peewee.SqliteDatabase) -> None:
    make_session("s1", status="processing")
    with pytest.raises(peewee.IntegrityError):  # the log row is refused...
        save_state("s1", "clip:s001", 7, {}, "clip_export", "clip:s001", sequence_number=None)
    session = get_session("s1")
    assert session is not None
    assert (session.current_operation, session.completed_operations) == (None, 0)  # ...so is the update
    with pytest.raises(BadInput, match="unknown session"):
        save_state("nope", "clip:s001", 1, {}, "clip_export", "clip:s001")
    assert OperationLog.select().count() == 0


def test_save_state_from_many_worker_threads_loses_nothing(db: peewee.SqliteDatabase) -> None:
    make_session("s1", status="processing", total_operations=200)

    def finish(n: int) -> None:
        save_state("s1", f"still_web:s{n:03d}", n, {"n": n}, "still_extraction", f"still_web:s{n:03d}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(finish, range(1, 201)))
    logs = list(OperationLog.select().where(OperationLog.session == "s1"))
    assert len(logs) == 200
    assert sorted(log.sequence_number for log in logs) == list(range(1, 201))
    assert {log.operation_name for log in logs} == {f"still_web:s{n:03d}" for n in range(1, 201)}


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
