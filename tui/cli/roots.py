"""`vat roots add NAME PATH [--host H] | list [--json] | remove NAME | check [--json]`: named storage roots,
mounted at a path per machine, through which stored paths resolve after an archive moves
(core/catalogue/roots.py). `check` exits 1 when a root is unreachable or unreadable here, or is not
mounted here while sessions lie under it."""

from __future__ import annotations

import argparse
from datetime import datetime

from core.catalogue import roots as storage
from core.errors import EXIT_FAILED, EXIT_OK
from core.text import terminal_safe
from tui.cli.common import open_db, print_json
from tui.cli.listing import Column, print_listing


def roots(args: argparse.Namespace) -> int:
    open_db()
    action = args.action or "list"
    if action == "add":
        added = storage.add(args.name, args.path, args.host)
        if added.unchanged:
            print(terminal_safe(f"root {added.name} is already at {added.path} on {added.host}"))
        elif added.previous:
            print(terminal_safe(f"root {added.name} moved on {added.host}: {added.previous} -> {added.path}"))
        else:
            print(terminal_safe(f"root {added.name} on {added.host}: {added.path}"))
        return EXIT_OK
    if action == "remove":
        count = storage.remove(args.name)
        print(terminal_safe(f"root {args.name} removed ({count} path(s) forgotten; stored paths are unchanged)"))
        return EXIT_OK
    if action == "check":
        return _check(args.json)
    return _list(args.json)


def _list(as_json: bool) -> int:
    found = storage.list_roots()
    host = storage.this_host()
    if as_json:
        print_json(
            {
                "host": host,
                "roots": [
                    {
                        "name": r.name,
                        "path_here": r.path_on(host),
                        "paths": [
                            {
                                "host": p.host,
                                "path": p.path,
                                "current": p.current,
                                "added_at": p.added_at,
                                "replaced_at": p.replaced_at,
                            }
                            for p in r.paths
                        ],
                    }
                    for r in found
                ],
            }
        )
        return EXIT_OK
    if not found:
        print("no roots (add one: vat roots add NAME PATH)")
        return EXIT_OK
    columns = (Column("root", whole=True), Column("host"), Column("path", whole=True), Column("since"), Column("until"))
    table = [
        (
            r.name if index == 0 else "",
            p.host,
            p.path,
            _when(p.added_at),
            "current" if p.current else _when(p.replaced_at),
        )
        for r in found
        for index, p in enumerate(r.paths)
    ]
    print_listing(f"roots (this machine: {terminal_safe(host)}; times UTC)", columns, table)
    return EXIT_OK


def _when(value: object) -> str:
    """A time as the database keeps it (UTC), to the second."""
    return f"{value:%Y-%m-%d %H:%M:%S}" if isinstance(value, datetime) else str(value or "-")


def _check(as_json: bool) -> int:
    checks = storage.check()
    failed = any(c.failed for c in checks)
    if as_json:
        print_json(
            {
                "host": storage.this_host(),
                "roots": [
                    {
                        "name": c.name,
                        "path": c.path,
                        "reachable": c.reachable,
                        "readable": c.readable,
                        "writable": c.writable,
                        "problem": c.problem or None,
                        "sessions": c.sessions,
                        "files": c.files,
                        "failed": c.failed,
                    }
                    for c in checks
                ],
                "exit_code": EXIT_FAILED if failed else EXIT_OK,
            }
        )
        return EXIT_FAILED if failed else EXIT_OK
    if not checks:
        print("no roots (add one: vat roots add NAME PATH)")
    for c in checks:
        if c.path is None:
            under = f": {len(c.sessions)} session(s), {c.files} file(s) under it" if c.sessions or c.files else ""
            print(terminal_safe(f"{c.name}: {c.problem}{under}"))
            for session_id in c.sessions:
                print(terminal_safe(f"  {session_id}"))
        elif c.problem:
            print(terminal_safe(f"{c.name}: {c.path}: {c.problem}"))
        else:
            print(terminal_safe(f"{c.name}: {c.path}: ok (readable, writable)"))
    if checks:
        print(f"{sum(c.failed for c in checks)} of {len(checks)} root(s) with a problem on this machine")
    return EXIT_FAILED if failed else EXIT_OK
