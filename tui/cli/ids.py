"""`vat ids SESSION list|add|remove [ID...]`: a project's external ids (inventory numbers), as
`scheme:value` (inventory:INV-2024-001; a bare value is an inventory number). Exit 0, 2 for an
unknown session or a bad id."""

from __future__ import annotations

import argparse

from core.errors import EXIT_OK, BadInput
from core.text import terminal_safe
from tui.cli.common import open_db, print_json


def ids(args: argparse.Namespace) -> int:
    from core.catalogue.external_ids import add_ids, ids_of, parse_external_id, remove_ids
    from tui.cli.tag import target

    for text in args.ids:
        parse_external_id(text)
    if args.action != "list" and not args.ids:
        raise BadInput(f"vat ids {args.action}: name at least one id (e.g. inventory:INV-2024-001)")
    open_db()
    session_id, _ = target(args.session, None)
    if args.action == "add":
        print(f"{add_ids(session_id, args.ids)} id(s) added")
    elif args.action == "remove":
        print(f"{remove_ids(session_id, args.ids)} id(s) removed")
    found = ids_of(session_id)
    if args.json:
        print_json({"session_id": session_id, "external_ids": found})
    elif args.action == "list":
        for text in found:
            print(terminal_safe(text))
    return EXIT_OK
