"""Every setting's rule (db/setting_rules.py): enumerations, ranges, references and read-only settings are
refused with one line naming the key and the allowed values, and nothing changes."""

from __future__ import annotations

import peewee
import pytest
from textual.theme import BUILTIN_THEMES

from core.errors import BadInput
from db.setting_rules import MAX_WORKERS, TEXTUAL_THEMES
from db.settings import get_setting, record_setting, set_setting, setting_info


def test_the_theme_names_are_textuals_own() -> None:
    assert sorted(TEXTUAL_THEMES) == sorted(BUILTIN_THEMES)


# key, refused value, the allowed values as the refusal names them
REFUSED = [
    ("log_level", "LOUD", "one of DEBUG, INFO, WARNING, ERROR"),
    ("encoder_preference", "hevc", "one of auto, x264, nvenc"),
    ("ui_theme", "default", "one of ansi-dark, ansi-light"),
    ("default_preset", "no_such_preset", "one of archive_hq,"),
    ("parallel_workers", 0, f"1 to {MAX_WORKERS}"),
    ("parallel_workers", MAX_WORKERS + 1, f"1 to {MAX_WORKERS}"),
    ("max_resume_age_days", 0, "1 or more"),
    ("log_retention_days", -1, "0 or more"),
    ("abandoned_session_days", -1, "0 or more"),
    ("scene_threshold_default", 0, "a number above 0"),
    ("scene_threshold_default", -5.5, "a number above 0"),
    ("min_scene_length_default", 0, "1 or more"),
]


@pytest.mark.parametrize("key, value, allowed", REFUSED, ids=[f"{k}={v}" for k, v, _ in REFUSED])
def test_a_value_outside_the_rule_is_refused_naming_the_key_and_the_allowed_values(
    db: peewee.SqliteDatabase, key: str, value: object, allowed: str
) -> None:
    from core.pipeline.preset_store import ensure_builtin_presets

    ensure_builtin_presets()
    before = get_setting(key)
    with pytest.raises(BadInput) as error:
        set_setting(key, value)
    message = str(error.value)
    assert message.startswith(f"{key}: expected ") and allowed in message, message
    assert "\n" not in message
    assert get_setting(key) == before


@pytest.mark.parametrize("key", ["db_version", "app_version", "retention_last_run"])
def test_read_only_settings_are_refused_to_users(db: peewee.SqliteDatabase, key: str) -> None:
    before = get_setting(key)
    with pytest.raises(BadInput, match=f"^{key}: is managed by vat"):
        set_setting(key, "2")
    assert get_setting(key) == before
    assert setting_info(key).read_only


def test_vat_itself_writes_read_only_settings(db: peewee.SqliteDatabase) -> None:
    assert record_setting("retention_last_run", "2026-01-01 00:00:00") == "2026-01-01 00:00:00"


def test_values_inside_the_rules_are_stored(db: peewee.SqliteDatabase) -> None:
    from core.pipeline.preset_store import ensure_builtin_presets

    ensure_builtin_presets()
    assert set_setting("log_level", "debug") == "DEBUG"  # an enumeration in any case, stored in its own
    assert set_setting("encoder_preference", "NVENC") == "nvenc"
    assert set_setting("ui_theme", "nord") == "nord"
    assert set_setting("default_preset", "archive_hq") == "archive_hq"
    assert set_setting("parallel_workers", MAX_WORKERS) == MAX_WORKERS
    assert set_setting("log_retention_days", 0) == 0
    assert set_setting("scene_threshold_default", "0.5") == 0.5
    assert set_setting("min_scene_length_default", 1) == 1


def test_an_unknown_key_names_the_known_ones(db: peewee.SqliteDatabase) -> None:
    with pytest.raises(BadInput) as error:
        set_setting("colour", "red")
    assert str(error.value).startswith("unknown setting: colour (known: abandoned_session_days, app_version,")


def test_the_rule_is_shown_with_the_setting(db: peewee.SqliteDatabase) -> None:
    assert setting_info("log_level").allowed == "one of DEBUG, INFO, WARNING, ERROR"
    assert setting_info("parallel_workers").allowed == f"1 to {MAX_WORKERS}"
    assert setting_info("copyright_text").allowed == ""
    assert not setting_info("copyright_text").read_only
