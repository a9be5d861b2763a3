"""`vat settings [list|get KEY|set KEY VALUE] [--json]`: the Settings screen, headless. Values are checked
by db.settings.set_setting against their type and rule (db/setting_rules.py), as the screen checks them:
a refusal is one line naming the key and the allowed values, exit 2."""

from __future__ import annotations

import argparse

from rich.table import Table

from core.errors import EXIT_OK, BadInput
from core.text import terminal_safe
from db.settings import SettingInfo
from tui.cli.common import cells, console, open_db, print_json

ACTIONS = ("list", "get", "set")


def settings(args: argparse.Namespace) -> int:
    from db.settings import all_settings, set_setting, setting_info

    action, key, value = args.action, args.key, args.value
    from core.pipeline.preset_store import ensure_builtin_presets

    _check_arguments(action, key, value)
    open_db()
    ensure_builtin_presets()  # default_preset may name a built-in preset not stored yet
    if action == "list":
        infos = [info for group in all_settings().values() for info in group]
        if args.json:
            print_json([_document(info) for info in infos])
        else:
            _print_table(infos)
        return EXIT_OK
    assert key is not None
    if action == "set":
        set_setting(key, value)
    info = setting_info(key)
    if args.json:
        print_json(_document(info))
    elif action == "set":
        print(terminal_safe(f"{info.key} = {shown(info)}"))
    else:
        print(terminal_safe(shown(info)))
    return EXIT_OK


def _check_arguments(action: str, key: str | None, value: str | None) -> None:
    if action == "list" and key is not None:
        raise BadInput(f"vat settings list takes no key (to read one: vat settings get {key})")
    if action in ("get", "set") and key is None:
        raise BadInput(f"vat settings {action} needs a key: vat settings {action} KEY" + (" VALUE" * (action == "set")))
    if action == "set" and value is None:
        raise BadInput(f"vat settings set {key} needs a value: vat settings set {key} VALUE")
    if action == "get" and value is not None:
        raise BadInput(f"vat settings get takes one key, not a value (to change it: vat settings set {key} {value})")


def shown(info: SettingInfo) -> str:
    """A value as it is typed back to `vat settings set` (true/false, 27.5, text)."""
    from db.settings import value_text

    return value_text(info)


def _document(info: SettingInfo) -> dict[str, object]:
    return {
        "key": info.key,
        "value": info.value,
        "type": info.value_type,
        "category": info.category,
        "description": info.description,
        "allowed": info.allowed or None,
        "read_only": info.read_only,
        "modified_at": info.modified_at,
    }


def _print_table(infos: list[SettingInfo]) -> None:
    table = Table(title="settings")
    for column in ("category", "key", "value", "type", "allowed"):
        table.add_column(column)
    for info in infos:
        table.add_row(*cells(info.category, info.key, shown(info), info.value_type, info.allowed))
    console().print(table)
