"""`vat presets [list|show ID|export ID|import FILE|delete ID|default ID]`: the compression presets,
built-in ones included, and presets as files (core.pipeline.preset_file)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.table import Table

from core.errors import EXIT_OK, BadInput
from core.text import terminal_safe
from tui.cli.common import cells, console, open_db, print_json


def presets(args: argparse.Namespace) -> int:
    from core.pipeline.preset_store import ensure_builtin_presets

    open_db()
    ensure_builtin_presets()
    action = getattr(args, "action", None) or "list"
    return _ACTIONS[action](args)


def _list(args: argparse.Namespace) -> int:
    from db.queries import get_user_presets

    rows = [
        {
            "id": row.preset_id,
            "name": row.preset_name,
            "default": bool(row.is_default),
            "builtin": bool((row.advanced_settings or {}).get("builtin")),
            "usage_count": row.usage_count or 0,
            "last_used_at": row.last_used_at,
            "description": row.description or "",
        }
        for row in get_user_presets()
    ]
    if args.json:
        print_json(rows)
        return EXIT_OK
    table = Table(title="presets")
    for column in ("id", "name", "default", "built-in", "used", "last used", "description"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            *cells(
                row["id"],
                row["name"],
                "*" if row["default"] else "",
                "yes" if row["builtin"] else "",
                row["usage_count"],
                f"{row['last_used_at']:%Y-%m-%d}" if row["last_used_at"] else "",
                row["description"],
            )
        )
    console().print(table)
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from core.pipeline.preset_file import SECTIONS, to_document
    from core.pipeline.preset_store import get_preset_row, row_to_preset

    row = get_preset_row(args.preset)
    preset = row_to_preset(row)
    about = {
        "default": bool(row.is_default),
        "builtin": preset.builtin,
        "usage_count": row.usage_count or 0,
        "last_used_at": row.last_used_at,
        "created_at": row.created_at,
        "modified_at": row.modified_at,
    }
    document = to_document(preset)
    if args.json:
        print_json({**document, **about})
        return EXIT_OK
    lines = [
        f"{preset.preset_id}: {preset.preset_name}" + (" (default)" if about["default"] else ""),
        preset.description,
        f"built in: {'yes' if preset.builtin else 'no'}; used {about['usage_count']} time(s)"
        + (f", last {about['last_used_at']:%Y-%m-%d}" if about["last_used_at"] else ""),
    ]
    if preset.base_preset:
        lines.append(f"based on: {preset.base_preset}")
    for section in SECTIONS:
        lines.append(f"{section}:")
        lines += [f"  {key}: {json.dumps(value)}" for key, value in document[section].items()]
    for line in lines:
        print(terminal_safe(line))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from core.pipeline.preset_file import to_document
    from core.pipeline.preset_store import get_preset_row, row_to_preset

    print_json(to_document(row_to_preset(get_preset_row(args.preset))))
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from core.pipeline.preset_file import read_preset_file
    from core.pipeline.preset_store import add_preset

    preset = read_preset_file(Path(args.file), args.id)
    try:
        replaced = add_preset(preset, replace=args.replace)
    except BadInput as exc:
        raise BadInput(f"{args.file}: {exc.message}") from None
    print(terminal_safe(f"preset {preset.preset_id} {'replaced' if replaced else 'imported'} from {args.file}"))
    return EXIT_OK


def _delete(args: argparse.Namespace) -> int:
    from core.pipeline.preset_store import delete_preset, get_preset_row
    from tui.preset_usage import unfinished_sessions_using

    get_preset_row(args.preset)  # an unknown id names the known ones
    users = unfinished_sessions_using(args.preset)
    if users:  # as the TUI: resuming one reloads its preset by id
        raise BadInput(
            f"preset {args.preset} is used by unfinished sessions ({', '.join(users)}): finish or delete them first"
        )
    delete_preset(args.preset)
    print(terminal_safe(f"preset {args.preset} deleted"))
    return EXIT_OK


def _default(args: argparse.Namespace) -> int:
    from core.pipeline.preset_store import get_preset_row, set_default

    get_preset_row(args.preset)
    set_default(args.preset)
    print(terminal_safe(f"preset {args.preset} is now the default"))
    return EXIT_OK


_ACTIONS = {
    "list": _list,
    "show": _show,
    "export": _export,
    "import": _import,
    "delete": _delete,
    "default": _default,
}
