"""`vat tag SESSION [--scene N] list|add|remove [TAG...]`: a project's tags, or a scene's, after the
fact (as the new-session form and the picker's `e` set them). A tag is `namespace:value` (artist:,
series:, year:, theme:) or a free word. Exit 0, 2 for an unknown session or scene or a bad tag."""

from __future__ import annotations

import argparse

from core.errors import EXIT_OK, BadInput
from core.text import terminal_safe
from tui.cli.common import open_db, print_json


def tag(args: argparse.Namespace) -> int:
    from core.catalogue.tags import add_tags, parse_tag, remove_tags, tags_of

    for text in args.tags:
        parse_tag(text)  # a bad tag refused before anything is opened
    if args.action != "list" and not args.tags:
        raise BadInput(f"vat tag {args.action}: name at least one tag (e.g. artist:Jane Doe)")
    open_db()
    session_id, start_frame = target(args.session, args.scene)
    where = f"scene {args.scene}" if args.scene is not None else "project"
    if args.action == "add":
        count = add_tags(session_id, args.tags, start_frame)
        print(f"{where}: {count} tag(s) added")
    elif args.action == "remove":
        count = remove_tags(session_id, args.tags, start_frame)
        print(f"{where}: {count} tag(s) removed")
    tags = tags_of(session_id, start_frame)
    if args.json:
        print_json({"session_id": session_id, "scene": args.scene, "tags": tags})
    elif args.action == "list":
        for text in tags:
            print(terminal_safe(text))
    return EXIT_OK


def target(session_id: str, scene: int | None) -> tuple[str, int | None]:
    """(the session's id, the scene's first frame, None for the project); BadInput when unknown."""
    from core.catalogue.tags import scene_start_frame
    from db.queries import get_session

    session = get_session(session_id)
    if session is None:
        raise BadInput(f"{terminal_safe(session_id)}: no such session (see: vat sessions)")
    if scene is None:
        return session.session_id, None
    return session.session_id, scene_start_frame(session, scene)
