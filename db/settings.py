"""Typed access to app_settings: values are stored as text and converted by their value_type."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.errors import BadInput
from db.fields import utc_now
from db.models import AppSetting, UserPreset

READ_ONLY = {"db_version"}  # owned by db/migrations.py
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


def _decode(key: str, text: str, value_type: str) -> Any:
    try:
        if value_type == "integer":
            return int(text)
        if value_type == "real":
            return float(text)
        if value_type == "boolean":
            return text.strip().lower() in _TRUE
        if value_type == "json":
            return json.loads(text) if text.strip() else None  # the seed's window_geometry default is ''
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
    if value_type == "json":
        if isinstance(value, str):  # JSON text, e.g. typed on a command line
            try:
                json.loads(value)
            except ValueError:
                raise bad("JSON") from None
            return value
        try:
            return json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            raise bad("a JSON value") from None
    if not isinstance(value, str):
        raise bad("text")
    return value


def _row(key: str) -> AppSetting:
    row = AppSetting.get_or_none(AppSetting.key == key)
    if row is None:
        raise BadInput(f"unknown setting: {key}")
    return row


# default_preset is shown as a setting but kept where presets keep it, in their is_default flag
# (migration 3 moved it there): one truth, reachable from the Settings screen and `vat presets default`.
DEFAULT_PRESET_KEY = "default_preset"
FALLBACK_DEFAULT_PRESET = "webflow_standard"  # when no preset is flagged (core.pipeline.presets agrees)


def default_preset() -> str:
    flagged = UserPreset.get_or_none(UserPreset.is_default == True)  # noqa: E712 (SQL comparison)
    return flagged.preset_id if flagged is not None else FALLBACK_DEFAULT_PRESET


def set_default_preset(preset_id: str) -> str:
    from db.connection import database

    with database.atomic():
        if UserPreset.get_or_none(UserPreset.preset_id == preset_id) is None:
            known = ", ".join(
                r.preset_id for r in UserPreset.select(UserPreset.preset_id).order_by(UserPreset.preset_id)
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
    """Store `value` for an existing setting after checking it against its value_type; returns it typed."""
    if key in READ_ONLY:
        raise BadInput(f"{key}: is managed by vat and cannot be changed")
    if key == DEFAULT_PRESET_KEY:
        return set_default_preset(str(value))
    row = _row(key)
    value_type = row.value_type or "string"
    text = _encode(key, value, value_type)
    AppSetting.update(value=text, modified_at=utc_now()).where(AppSetting.key == key).execute()
    return _decode(key, text, value_type)


def all_settings() -> dict[str, list[SettingInfo]]:
    """Every setting, grouped by category (categories and keys in alphabetical order)."""
    grouped: dict[str, list[SettingInfo]] = {}
    for row in AppSetting.select().order_by(AppSetting.category, AppSetting.key):
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
        )
    )
    return dict(sorted(grouped.items()))
