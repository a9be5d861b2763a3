"""`vat settings [list|get KEY|set KEY VALUE] [--json]`: the Settings screen's rules, headless."""

from __future__ import annotations

import json

import peewee
import pytest

from core.errors import BadInput
from core.pipeline.preset_store import ensure_builtin_presets
from db.settings import all_settings, set_setting
from tests.helpers import vat


def test_list_shows_every_setting_with_its_rule() -> None:
    done = vat("settings", check=True)
    assert "parallel_workers" in done.stdout and "1 to 64" in done.stdout
    listed = json.loads(vat("settings", "list", "--json", check=True).stdout)
    by_key = {entry["key"]: entry for entry in listed}
    assert len(by_key) == 31
    assert by_key["log_level"] == {
        **by_key["log_level"],
        "value": "INFO",
        "type": "string",
        "allowed": "one of DEBUG, INFO, WARNING, ERROR",
        "read_only": False,
    }
    assert by_key["db_version"]["read_only"] and by_key["default_preset"]["value"] == "webflow_standard"


@pytest.mark.backends(slow=True)  # the PostgreSQL run: make test
def test_set_then_get() -> None:
    done = vat("settings", "set", "max_resume_age_days", "14", check=True)
    assert done.stdout == "max_resume_age_days = 14\n"
    assert vat("settings", "get", "max_resume_age_days", check=True).stdout == "14\n"
    vat("settings", "set", "gpu_enabled", "false", check=True)
    got = json.loads(vat("settings", "get", "gpu_enabled", "--json", check=True).stdout)
    assert got["value"] is False and got["type"] == "boolean"


@pytest.mark.parametrize(
    "key, value, line",
    [
        ("log_level", "LOUD", 'log_level: expected one of DEBUG, INFO, WARNING, ERROR, got "LOUD"'),
        ("parallel_workers", "0", "parallel_workers: expected 1 to 64, got 0"),
        ("parallel_workers", "two", 'parallel_workers: expected an integer, got "two"'),
        ("log_retention_days", "-1", "log_retention_days: expected 0 or more, got -1"),
        ("default_preset", "nope", "default_preset: expected one of archive_hq,"),
        ("app_version", "9.9", "app_version: is managed by vat and cannot be changed"),
        ("colour", "red", "unknown setting: colour (known: abandoned_session_days,"),
    ],
)
def test_a_bad_value_or_key_is_refused_naming_the_key_and_the_allowed_values(
    db: peewee.SqliteDatabase, key: str, value: str, line: str
) -> None:
    # in process: `vat settings set` prints this message as it is (the CLI cases below check that)
    ensure_builtin_presets()  # as every command does before it reads presets
    before = [(info.key, info.value) for infos in all_settings().values() for info in infos]
    with pytest.raises(BadInput) as refused:
        set_setting(key, value)
    assert refused.value.message.startswith(line) and "\n" not in refused.value.message, refused.value.message
    assert [(info.key, info.value) for infos in all_settings().values() for info in infos] == before


@pytest.mark.parametrize(
    "arguments, line",
    [
        (
            ("set", "log_level", "LOUD"),
            'vat: error: log_level: expected one of DEBUG, INFO, WARNING, ERROR, got "LOUD"',
        ),
        (("get", "colour"), "vat: error: unknown setting: colour (known: abandoned_session_days,"),
        (("set", "log_level"), "vat: error: vat settings set log_level needs a value"),
        (("get",), "vat: error: vat settings get needs a key"),
    ],
)
def test_a_bad_command_is_exit_2_in_one_line_and_changes_nothing(arguments: tuple[str, ...], line: str) -> None:
    before = vat("settings", "--json", check=True).stdout
    done = vat("settings", *arguments)
    assert done.returncode == 2
    assert done.stderr.startswith(line) and done.stderr.count("\n") == 1, done.stderr
    assert vat("settings", "--json", check=True).stdout == before  # nothing changed
