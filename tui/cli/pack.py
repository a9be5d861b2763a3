"""`vat pack PROJECT [--units 1,3,g01] [--kinds still_web,clip] [--licence ...] [-o FILE.zip] [--list]
[--forget PACK] [--json]`: make a delivery pack of a project's outputs (core/catalogue/pack.py), list
its packs, or forget one (core/catalogue/pack_forget.py: unregistered, the file left alone).

Exit 0 made (or listed, or forgotten), 1 an output missing or changed (no pack made), 2 bad input (an
unknown project, unit, kind or pack, an -o that exists, is a link or is not a .zip), 3 a folder that
cannot be written."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.catalogue.pack import make_pack, pack_row_dict, packs_of
from core.catalogue.pack_select import session_of
from core.catalogue.roots import resolve
from core.errors import EXIT_OK, BadInput
from core.text import terminal_safe
from db.models import Pack
from tui.cli.common import open_db, print_json
from tui.display import bytes_text


def pack(args: argparse.Namespace) -> int:
    open_db()
    if args.list or args.forget is not None:
        mode = "--list" if args.list else "--forget"
        given = [
            name
            for name, value in (
                ("--units", args.units),
                ("--kinds", args.kinds),
                ("-o", args.output),
                ("--licence", args.licence),
                ("--forget", args.list and args.forget),
            )
            if value is not None and value is not False
        ]
        if given:
            raise BadInput(f"{given[0]} does not go with {mode}")
        return list_packs(args) if args.list else forget(args)
    result = make_pack(
        args.project,
        units=args.units,
        kinds=args.kinds,
        licence=args.licence or "all-rights-reserved",
        output=args.output,
    )
    if args.json:
        print_json(result.to_dict())
        return EXIT_OK
    outputs = sum(m["kind"] not in ("licence", "contact_sheet") for m in result.members)
    sheet = any(m["kind"] == "contact_sheet" for m in result.members)
    print(terminal_safe(f"pack of session {result.session_id} ({result.artwork}): {result.path}"))
    print(
        terminal_safe(
            f"{result.file_count} files ({outputs} outputs, {'contact sheet, ' if sheet else ''}"
            f"{result.licence} licence, manifest), {bytes_text(result.size_bytes)}, read back and verified"
        )
    )
    print(f"sha256 {result.sha256}")
    return EXIT_OK


def list_packs(args: argparse.Namespace) -> int:
    session = session_of(args.project)
    rows = packs_of(session.session_id)
    if args.json:  # each with its number (what --forget takes), its state, and its path where it is now
        from core.catalogue.pack_check import pack_states

        states = pack_states(session.session_id, Path(session.output_path))
        listed = [{"number": n, **_listed(r), "state": state} for n, (r, state) in enumerate(states, start=1)]
        print_json({"session_id": session.session_id, "packs": listed})
        return EXIT_OK
    if not rows:
        print(terminal_safe(f"session {session.session_id} ({session.artwork_name}): no packs"))
        return EXIT_OK
    from tui.cli.listing import Column, print_listing

    columns = (
        Column("Made"),
        Column("Pack", whole=True),
        Column("Files", right=True),
        Column("Size", right=True),
        Column("Licence"),
        Column("Units", drop=2),
        Column("Kinds", drop=1),
    )
    table = [
        (
            f"{row.created_at:%Y-%m-%d %H:%M}" if row.created_at else "-",
            resolve(row.pack_path),  # where it is now (storage roots)
            row.file_count,
            bytes_text(row.size_bytes),
            row.licence or "-",
            ",".join(row.units) if row.units else "all",
            ",".join(row.kinds or []),
        )
        for row in rows
    ]
    title = terminal_safe(f"Packs of {session.artwork_name} ({session.session_id})")
    print_listing(title, columns, table, title_justify="left")
    return EXIT_OK


def forget(args: argparse.Namespace) -> int:
    """Unregister one pack; the file is left where it is (or is not)."""
    from core.catalogue.pack_forget import forget_pack, pack_named
    from core.catalogue.pack_select import stored_path

    session = session_of(args.project)
    number, row = pack_named(session.session_id, args.forget)
    where = stored_path(row.pack_path)
    there = Path(where).exists()
    forget_pack(row)
    if args.json:
        print_json({"forgotten": pack_row_dict(row), "number": number, "file_exists": there})
        return EXIT_OK
    left = "the file is left as it is" if there else "the file was no longer there"
    print(terminal_safe(f"forgot pack {number} of session {session.session_id}: {where} ({left})"))
    return EXIT_OK


def _listed(row: Pack) -> dict:
    """A pack as --list --json gives it: its path where it is now (storage roots)."""
    listed = pack_row_dict(row)
    return {**listed, "path": str(resolve(listed["path"]))}
