"""The catalogue's arguments: `vat find`, `vat tag`, `vat ids`, `vat pack` and `vat stats` (core/catalogue/;
tui/cli/parser.py builds the commands)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def pack_arguments(pack: argparse.ArgumentParser) -> None:
    """`vat pack PROJECT`: which outputs, the licence, where the ZIP goes, or --list."""
    from core.catalogue.kinds import DEFAULT_PACK_KINDS, KINDS

    pack.add_argument("project", metavar="PROJECT", help="a session's id (see: vat sessions) or its project folder")
    pack.add_argument(
        "--units",
        metavar="LIST",
        help="scenes and groups as the output names have them: 1,3 or s001,s003, g01 for a group "
        "(default: every unit; the master copy and R&D outputs belong to none and follow --kinds alone)",
    )
    pack.add_argument(
        "--kinds",
        metavar="LIST",
        help=f"output kinds, some of {','.join(KINDS)} (default: {','.join(DEFAULT_PACK_KINDS)})",
    )
    pack.add_argument(
        "--licence",
        metavar="CC-BY-4.0|all-rights-reserved|FILE",
        help="LICENSE.txt: the full CC BY 4.0 licence, an all-rights-reserved notice naming the artwork, "
        "the session's copyright holder and the year, or a text file's content (default: all-rights-reserved)",
    )
    pack.add_argument(
        "-o",
        "--output",
        metavar="FILE.zip",
        help="where the ZIP goes: a new .zip file, never a link (default: PROJECT/packs/<artwork>_<date>_pack.zip, "
        "_pack_2.zip beside an earlier one). vat verify checks the packs in the project folder; one written "
        "outside it is a delivery: checked while it is there, reported as delivered elsewhere once gone",
    )
    pack.add_argument("--list", action="store_true", help="list the project's packs instead of making one")
    pack.add_argument(
        "--forget",
        metavar="PACK",
        help="unregister a pack sent away or deleted (its number in --list, 1 = the oldest, its path or file "
        "name), so that vat verify no longer looks for it; the file is left alone",
    )


def catalogue_commands(command: Callable[..., argparse.ArgumentParser], as_json: argparse.ArgumentParser) -> None:
    """vat find, vat tag, vat ids: the catalogue across every project (core/catalogue/)."""
    from core.catalogue.kinds import KINDS

    find = command(
        "find",
        "search every project and output: artwork, titles, notes, credits, tags, ids, file names",
        as_json,
        epilog="Every word of TEXT must occur (case ignored). --tag may be repeated (all must match); a tag "
        "on a scene matches that scene's outputs; a bare value matches it in any namespace. Prints 'no match' "
        "when nothing matches. Exit 0, 2 for a bad --kind, --since or --tag.",
    )
    find.add_argument("text", nargs="*", metavar="TEXT", help="words to find (none: every project)")
    find.add_argument("--tag", action="append", metavar="TAG", help="namespace:value or a value (repeat: all)")
    find.add_argument(
        "--kind",
        metavar="KIND",
        help=f"only outputs of this kind: {', '.join(KINDS)}",
    )
    find.add_argument("--since", metavar="DATE", help="projects dated on or after DATE (YYYY-MM-DD or YY-MM-DD)")

    tag = command(
        "tag",
        "list, add or remove the tags of a project or of one of its scenes",
        as_json,
        epilog="A tag is namespace:value (artist:, series:, year:, theme:) or a free word; `vat tag SESSION "
        "list` prints them, one a line. Exit 0, 2 for an unknown session or scene or a bad tag.",
    )
    tag.add_argument("session", metavar="SESSION", help="a session's id (see: vat sessions)")
    tag.add_argument("action", choices=["list", "add", "remove"], help="list, add or remove")
    tag.add_argument("tags", nargs="*", metavar="TAG", help="the tags to add or remove")
    tag.add_argument("--scene", type=int, metavar="N", help="the tags of scene N (1-based), not the project's")

    ids = command(
        "ids",
        "list, add or remove a project's external ids (inventory numbers)",
        as_json,
        epilog="An id is scheme:value (inventory:INV-2024-001); a bare value is an inventory number. Exit 0, "
        "2 for an unknown session or a bad id.",
    )
    ids.add_argument("session", metavar="SESSION", help="a session's id (see: vat sessions)")
    ids.add_argument("action", choices=["list", "add", "remove"], help="list, add or remove")
    ids.add_argument("ids", nargs="*", metavar="ID", help="the ids to add or remove")


def stats_arguments(stats: argparse.ArgumentParser) -> None:
    """`vat stats`: since when, and which table."""
    stats.add_argument("--since", metavar="DATE", help="only projects completed on or after DATE (YYYY-MM-DD)")
    stats.add_argument("--by", choices=["month", "preset", "tag", "kind"], help="one table (default: all four)")
