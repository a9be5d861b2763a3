"""Typed access to app_settings: values are stored as text, converted by their value_type and checked
against their rule (db/setting_rules.py: enumerations, ranges, references, read-only)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.backend import bytewise
from db.connection import database, write_transaction
from db.errors import BadInput
from db.fields import utc_now
from db.models import AppSetting, UserPreset
from db.setting_rules import RULES, is_read_only, rule_of

READ_ONLY = frozenset(key for key, rule in RULES.items() if rule.read_only)  # set by vat, never by a user
_TRUE, _FALSE = {"1", "true"}, {"0", "false"}


@dataclass(frozen=True)
class SettingInfo:
    """A setting as a settings screen shows it."""

    key: str
    value: Any
    value_type: str
    category: str
    description: str
    modified_at: datetime | str | None
    allowed: str = ""  # the rule in words ("one of DEBUG, INFO, ...", "1 to 64"), empty when only the type counts
    read_only: bool = False


def _decode(key: str, text: str, value_type: str) -> Any:
    try:
        if value_type == "integer":
            return int(text)
        if value_type == "real":
            return float(text)
        if value_type == "boolean":
            return text.strip().lower() in _TRUE
    except ValueError as exc:
        raise BadInput(f"{key}: stored value {text!r} is not a valid {value_type}") from exc
    return text


def _encode(key: str, value: Any, value_type: str) -> str:
    """The text to store for `value`, or BadInput naming the setting and what was expected."""

    def bad(expected: str) -> BadInput:
        shown = f'"{value}"' if isinstance(value, str) else repr(value)
        return BadInput(f"{key}: expected {expected}, got {shown}")

    if value_type == "integer":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise bad("an integer")
        try:
            return str(int(value))
        except ValueError:
            raise bad("an integer") from None
    if value_type == "real":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise bad("a number")
        try:
            number = float(value)
        except ValueError:
            raise bad("a number") from None
        if not math.isfinite(number):
            raise bad("a finite number")
        return repr(number)
    if value_type == "boolean":
        if isinstance(value, bool):
            return "1" if value else "0"
        text = str(value).strip().lower() if isinstance(value, (str, int)) else None
        if text in _TRUE:
            return "1"
        if text in _FALSE:
            return "0"
        raise bad("true or false (1/0)")
    if not isinstance(value, str):
        raise bad("text")
    return value


def _row(key: str) -> AppSetting:
    row = AppSetting.get_or_none(AppSetting.key == key)
    if row is None:
        raise BadInput(f"unknown setting: {key} (known: {', '.join(setting_keys())})")
    return row


def setting_keys() -> list[str]:
    """Every setting's key, default_preset included, in alphabetical order."""
    return sorted([r.key for r in AppSetting.select(AppSetting.key)] + [DEFAULT_PRESET_KEY])


# default_preset is shown as a setting but kept where presets keep it, in their is_default flag
# (migration 3 moved it there): one truth, reachable from the Settings screen and `vat presets default`.
DEFAULT_PRESET_KEY = "default_preset"
FALLBACK_DEFAULT_PRESET = "webflow_standard"  # when no preset is flagged (core.pipeline.presets agrees)


def default_preset() -> str:
    flagged = UserPreset.get_or_none(UserPreset.is_default == True)  # noqa: E712 (SQL comparison)
    return flagged.preset_id if flagged is not None else FALLBACK_DEFAULT_PRESET


def set_default_preset(preset_id: str) -> str:
    with write_transaction():  # read then write: two at once leave one default (PostgreSQL: not a deadlock)
        if UserPreset.get_or_none(UserPreset.preset_id == preset_id) is None:
            known = ", ".join(
                r.preset_id
                for r in UserPreset.select(UserPreset.preset_id).order_by(bytewise(database, UserPreset.preset_id))
            )
            raise BadInput(f"default_preset: no preset {preset_id!r} (known: {known})")
        UserPreset.update(is_default=False).where(UserPreset.preset_id != preset_id).execute()
        UserPreset.update(is_default=True, modified_at=utc_now()).where(UserPreset.preset_id == preset_id).execute()
    return preset_id


def get_setting(key: str) -> Any:
    """The value of `key`, converted by its value_type; BadInput if there is no such setting."""
    if key == DEFAULT_PRESET_KEY:
        return default_preset()
    row = _row(key)
    return _decode(key, row.value, row.value_type or "string")


def set_setting(key: str, value: Any) -> Any:
    """Store `value` for an existing setting after checking it against its value_type and its rule;
    returns it typed. A refusal is one BadInput line naming the key and the allowed values."""
    if is_read_only(key):
        raise BadInput(f"{key}: is managed by vat and cannot be changed")
    if key == DEFAULT_PRESET_KEY:
        return set_default_preset(str(rule_of(key).canonical(key, value)))
    return _store(key, value)


def record_setting(key: str, value: Any) -> Any:
    """vat's own write of a setting, read-only ones included (app_version, retention_last_run)."""
    return _store(key, value)


def _store(key: str, value: Any) -> Any:
    row = _row(key)
    value_type = row.value_type or "string"
    typed = _decode(key, _encode(key, value, value_type), value_type)
    text = _encode(key, rule_of(key).canonical(key, typed), value_type)
    AppSetting.update(value=text, modified_at=utc_now()).where(AppSetting.key == key).execute()
    return _decode(key, text, value_type)


def all_settings() -> dict[str, list[SettingInfo]]:
    """Every setting, grouped by category (categories and keys in alphabetical order)."""
    grouped: dict[str, list[SettingInfo]] = {}
    for row in AppSetting.select().order_by(
        bytewise(database, AppSetting.category), bytewise(database, AppSetting.key)
    ):
        value_type = row.value_type or "string"
        category = row.category or "general"
        grouped.setdefault(category, []).append(
            SettingInfo(
                row.key,
                _decode(row.key, row.value, value_type),
                value_type,
                category,
                row.description or "",
                row.modified_at,
                rule_of(row.key).allowed(),
                is_read_only(row.key),
            )
        )
    preset_row = UserPreset.get_or_none(UserPreset.is_default == True)  # noqa: E712
    grouped.setdefault("presets", []).append(
        SettingInfo(
            DEFAULT_PRESET_KEY,
            default_preset(),
            "string",
            "presets",
            "Default compression preset (the preset marked default)",
            preset_row.modified_at if preset_row is not None else None,
            rule_of(DEFAULT_PRESET_KEY).allowed(),
        )
    )
    return dict(sorted(grouped.items()))


def setting_info(key: str) -> SettingInfo:
    """One setting as all_settings() shows it; BadInput naming the known keys if there is none."""
    for infos in all_settings().values():
        for info in infos:
            if info.key == key:
                return info
    _row(key)  # raises, naming the known keys
    raise AssertionError(key)


def value_text(info: SettingInfo) -> str:
    """A setting's value as the user reads and types it (the Settings screen, `vat settings`)."""
    if info.value_type == "boolean":
        return "true" if info.value else "false"
    if info.value_type == "real":
        return f"{info.value:g}"
    return str(info.value)
