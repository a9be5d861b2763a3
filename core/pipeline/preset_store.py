"""Presets in the database: built-ins kept in user_presets, loading one, saving user presets."""

from __future__ import annotations

from core.errors import BadInput
from core.pipeline.presets import BUILTIN_PRESETS, DEFAULT_PRESET_ID, Preset, check
from db.backend import bytewise
from db.connection import database, write_transaction
from db.fields import utc_now
from db.models import UserPreset


def row_to_preset(row: UserPreset) -> Preset:
    return Preset(
        row.preset_id,
        row.preset_name,
        row.description or "",
        dict(row.stills_hq_settings),
        dict(row.stills_web_settings),
        dict(row.video_settings),
        dict(row.thumbnail_settings or {}),
        dict(row.advanced_settings or {}),
        row.base_preset,
    )


def ensure_builtin_presets() -> None:
    """Insert the built-in presets that are missing and refresh changed ones (idempotent).

    Read first, write only when something differs, then under IMMEDIATE: a deferred transaction that
    reads, then writes, fails at once with "database is locked" when another process (two `vat run`
    starting together on a new database) wrote in between, instead of waiting its turn.
    """
    if not _builtin_changes():
        return
    with write_transaction():
        for preset, row, fields in _builtin_changes():
            if row is None:
                UserPreset.create(
                    preset_id=preset.preset_id, is_default=preset.preset_id == default_preset_id(), **fields
                )
            else:
                UserPreset.update(modified_at=utc_now(), **fields).where(UserPreset.id == row.id).execute()


def _builtin_changes() -> list:
    changes = []
    for preset in BUILTIN_PRESETS:
        fields = dict(
            preset_name=preset.preset_name,
            description=preset.description,
            stills_hq_settings=preset.stills_hq,
            stills_web_settings=preset.stills_web,
            video_settings=preset.video,
            thumbnail_settings=preset.thumbnail,
            advanced_settings=preset.advanced,
        )
        row = UserPreset.get_or_none(UserPreset.preset_id == preset.preset_id)
        if row is None or any(getattr(row, k) != v for k, v in fields.items()):
            changes.append((preset, row, fields))
    return changes


def default_preset_id() -> str:
    marked = UserPreset.get_or_none(UserPreset.is_default == True)  # noqa: E712 (SQL comparison)
    return marked.preset_id if marked is not None else DEFAULT_PRESET_ID


def load_preset(preset_id: str | None) -> Preset:
    ensure_builtin_presets()
    preset_id = preset_id or default_preset_id()
    row = UserPreset.get_or_none(UserPreset.preset_id == preset_id)
    if row is None:
        known = ", ".join(
            r.preset_id
            for r in UserPreset.select(UserPreset.preset_id).order_by(bytewise(database, UserPreset.preset_id))
        )
        raise BadInput(f"preset {preset_id!r} does not exist (known: {known})")
    return check(row_to_preset(row))


def preset_to_dict(preset: Preset) -> dict:
    """A preset's settings as a session keeps them (processing_state.custom_settings)."""
    return {
        "preset_id": preset.preset_id,
        "preset_name": preset.preset_name,
        "description": preset.description,
        "stills_hq": preset.stills_hq,
        "stills_web": preset.stills_web,
        "video": preset.video,
        "thumbnail": preset.thumbnail,
        "advanced": preset.advanced,
        "base_preset": preset.base_preset,
    }


def preset_from_dict(data: dict) -> Preset:
    return check(
        Preset(
            data["preset_id"],
            data["preset_name"],
            data.get("description", ""),
            data["stills_hq"],
            data["stills_web"],
            data["video"],
            data["thumbnail"],
            data.get("advanced") or {},
            data.get("base_preset"),
        )
    )


def save_preset(preset: Preset) -> None:
    """Create or update a user preset (never a built-in)."""
    check(preset)
    with write_transaction():  # read then write: two saves of one new id make one row, not an error
        _save(preset)


def _save(preset: Preset) -> None:
    existing = UserPreset.get_or_none(UserPreset.preset_id == preset.preset_id)
    if existing is not None and (existing.advanced_settings or {}).get("builtin"):
        raise BadInput(f"preset {preset.preset_id}: built-in presets cannot be changed; make a copy")
    advanced = {k: v for k, v in preset.advanced.items() if k != "builtin"}
    fields = dict(
        preset_name=preset.preset_name,
        description=preset.description,
        base_preset=preset.base_preset,
        stills_hq_settings=preset.stills_hq,
        stills_web_settings=preset.stills_web,
        video_settings=preset.video,
        thumbnail_settings=preset.thumbnail,
        advanced_settings=advanced,
    )
    if existing is None:
        UserPreset.create(preset_id=preset.preset_id, **fields)
    else:
        UserPreset.update(modified_at=utc_now(), **fields).where(UserPreset.id == existing.id).execute()


def delete_preset(preset_id: str) -> None:
    with write_transaction():  # read then write: never the preset another process just made the default
        row = UserPreset.get_or_none(UserPreset.preset_id == preset_id)
        if row is None:
            raise BadInput(f"preset {preset_id!r} does not exist")
        if (row.advanced_settings or {}).get("builtin"):
            raise BadInput(f"preset {preset_id}: built-in presets cannot be deleted")
        if preset_id == default_preset_id():
            raise BadInput(f"preset {preset_id} is the default: make another preset the default first")
        row.delete_instance()


def set_default(preset_id: str) -> None:
    from db.settings import set_default_preset

    ensure_builtin_presets()
    set_default_preset(preset_id)


def add_preset(preset: Preset, replace: bool = False) -> bool:
    """Add a user preset (an imported file); True when it replaced one. An existing id is refused
    unless `replace`, and a built-in one always."""
    ensure_builtin_presets()
    existing = UserPreset.get_or_none(UserPreset.preset_id == preset.preset_id)
    if existing is not None and (existing.advanced_settings or {}).get("builtin"):
        raise BadInput(f"preset {preset.preset_id} is built in and is never replaced: import it with --id NEW_ID")
    if existing is not None and not replace:
        raise BadInput(
            f"preset {preset.preset_id} already exists: give --replace to overwrite it, "
            "or --id to import it under another id"
        )
    save_preset(preset)
    return existing is not None


def get_preset_row(preset_id: str) -> UserPreset:
    """The stored preset, or BadInput naming the ids there are."""
    ensure_builtin_presets()
    row = UserPreset.get_or_none(UserPreset.preset_id == preset_id)
    if row is None:
        known = ", ".join(
            r.preset_id
            for r in UserPreset.select(UserPreset.preset_id).order_by(bytewise(database, UserPreset.preset_id))
        )
        raise BadInput(f"preset {preset_id!r} does not exist (known: {known})")
    return row
