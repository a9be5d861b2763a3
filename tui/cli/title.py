"""`vat title SESSION SCENE [--title TEXT] [--note TEXT] [--credits TEXT]`: a scene's title, note and
credits from the command line (the picker's `e`); without an option, prints them. An empty text removes the user's (the
detected title shows again). Exit 0, 2 for an unknown session or scene or a title refused (a line
break or control character, a file name it would spoil)."""

from __future__ import annotations

import argparse

from core.errors import EXIT_OK, BadInput
from core.text import terminal_safe
from tui.cli.common import open_db


def title(args: argparse.Namespace) -> int:
    from core.pipeline.scene_texts import TEXTS_CHANGED, credits_of, set_texts, texts_of
    from core.pipeline.session_scenes import scene_titles
    from db.queries import get_session

    open_db()
    session = get_session(args.session)
    if session is None:
        raise BadInput(f"{args.session}: no such session (see: vat sessions)")
    if not session.scenes_data:
        raise BadInput(f"session {session.session_id}: no scenes detected yet")
    current_title, current_note = texts_of(session, args.scene)
    if args.title is None and args.note is None and args.credits is None:
        print(f"title: {terminal_safe(scene_titles(session).get(args.scene, ''))}")
        print(f"note: {terminal_safe(current_note)}")
        print(f"credits: {terminal_safe(credits_of(session, args.scene))}")
        return EXIT_OK
    new_title = current_title if args.title is None else args.title
    new_note = current_note if args.note is None else args.note
    if set_texts(session, args.scene, new_title, new_note, args.credits) and (session.process_metadata or {}).get(
        TEXTS_CHANGED
    ):
        print(
            terminal_safe(
                f"scene {args.scene} saved; its outputs carry the old text until: vat --resume {session.session_id}"
            )
        )
    else:
        print(f"scene {args.scene} saved")
    return EXIT_OK
