"""Settings read back with their type, and a wrong value is refused with a one-line message."""

from __future__ import annotations

import peewee
import pytest

from core.errors import BadInput
from db.settings import all_settings, get_setting, set_setting
from tests.test_db_support import assert_recent, raw

# the database's behaviour: on SQLite and on PostgreSQL
pytestmark = pytest.mark.backends


def test_values_come_back_typed(db: peewee.SqliteDatabase) -> None:
    assert get_setting("parallel_workers") == 4
    assert get_setting("scene_threshold_default") == 30.0
    assert get_setting("gpu_enabled") is True
    assert get_setting("copyright_text") == "© Yambo Studio"


def test_a_bad_integer_is_refused_and_nothing_changes(db: peewee.SqliteDatabase) -> None:
    with pytest.raises(BadInput) as error:
        set_setting("parallel_workers", "abc")
    assert str(error.value) == 'parallel_workers: expected an integer, got "abc"'
    assert get_setting("parallel_workers") == 4


@pytest.mark.backends(slow=True)  # the rules are Python's: the PostgreSQL runs add little, make test has them
@pytest.mark.parametrize(
    "key, value",
    [
        ("scene_threshold_default", "high"),
        ("gpu_enabled", "maybe"),
        ("copyright_text", 42),
        ("parallel_workers", 2.5),
        ("no_such_setting", "x"),
        ("db_version", 9),
    ],
)
def test_other_bad_values_are_refused(db: peewee.SqliteDatabase, key: str, value: object) -> None:
    with pytest.raises(BadInput, match=key):
        set_setting(key, value)


def test_good_values_are_stored_and_stamped(db: peewee.SqliteDatabase) -> None:
    raw(db, "UPDATE app_settings SET modified_at = '2000-01-01 00:00:00' WHERE key = 'gpu_enabled'")
    assert set_setting("gpu_enabled", "false") is False
    assert set_setting("parallel_workers", "6") == 6
    assert set_setting("scene_threshold_default", 27.5) == 27.5
    assert raw(db, "SELECT value FROM app_settings WHERE key = 'gpu_enabled'") == [("0",)]
    assert_recent(raw(db, "SELECT modified_at FROM app_settings WHERE key = 'gpu_enabled'")[0][0])


def test_all_settings_are_grouped_by_category(db: peewee.SqliteDatabase) -> None:
    groups = all_settings()
    assert {"system", "paths", "processing", "performance", "behavior", "interface"} <= set(groups)
    performance = {info.key: info for info in groups["performance"]}
    assert performance["parallel_workers"].value == 4
    assert performance["parallel_workers"].description == "Number of parallel processing workers"
    # the seed's 20, less window_geometry, plus migration 3's log_retention_days, abandoned_session_days and
    # retention_last_run, plus migration 5's concurrent_sessions and eight watch_ settings
    assert sum(len(infos) for infos in groups.values()) == 31
    assert "watch_enabled" in {info.key for info in groups["watch"]} and performance["concurrent_sessions"].value == 1
