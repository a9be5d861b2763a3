"""`vat export SESSION [--format edl|otio|fcpxml|fcp7] [-o FILE]`: the session's selection as editorial
files (core/editorial). Exit 0 written, 2 an unknown session, one without a detection or a bad -o (one
that cannot be written too), 3 the project's editorial/ folder cannot be written."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.errors import EXIT_OK, BadInput
from core.text import terminal_safe
from tui.cli.common import open_db


def export(args: argparse.Namespace) -> int:
    from core.editorial.export import export_session, format_of
    from core.editorial.formats import FORMATS
    from db.queries import get_session

    open_db()
    session = get_session(args.session)
    if session is None:
        raise BadInput(f"{args.session}: no such session (see: vat sessions)")
    output = Path(args.output).expanduser().absolute() if args.output else None
    if output is not None and output.is_dir():
        raise BadInput(f"{output}: is a folder; -o takes a file name")
    formats = [args.format] if args.format else ([format_of(output)] if output else list(FORMATS))
    for path in export_session(session, formats, output):
        print(terminal_safe(str(path)))
    return EXIT_OK
