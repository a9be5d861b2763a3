"""`vat find [TEXT] [--tag T]... [--kind KIND] [--since DATE] [--json]`: search every project and
output (core/catalogue/search.py). A table of the projects, each followed by its matching outputs
(named within the project folder), or one JSON document. Exit 0, also with "no match"; 2 for a bad
--kind, --since or --tag."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.errors import EXIT_OK
from tui.cli.common import open_db, print_json
from tui.formatting import counted

WIDTH = 80  # piped: a fixed width that reads in any terminal or mail


def find(args: argparse.Namespace) -> int:
    from core.catalogue.search import Query, check_kind, search, since_day

    if args.kind:  # refused before the database is opened: a typo costs nothing
        check_kind(args.kind)
    if args.since:
        since_day(args.since)
    open_db()
    found = search(Query(" ".join(args.text), tuple(args.tag or ()), args.kind, args.since))
    if args.json:
        print_json({"query": _query(args), "projects": [p.as_json() for p in found]})
        return EXIT_OK
    if not found:
        print("no match")
        return EXIT_OK
    _print_table(found)
    return EXIT_OK


def _query(args: argparse.Namespace) -> dict:
    return {"text": " ".join(args.text), "tags": list(args.tag or []), "kind": args.kind, "since": args.since}


def _print_table(found: list) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from core.catalogue.search import stored_path
    from core.text import terminal_safe
    from tui.display import bytes_text

    terminal = Console()
    out = terminal if terminal.is_terminal else Console(width=WIDTH)
    outputs = sum(len(p.outputs) for p in found)
    table = Table(title=f"{counted(len(found), 'project')}, {counted(outputs, 'output')}", expand=True, show_edge=False)
    table.add_column("project / output", overflow="fold", ratio=1)
    table.add_column("kind", no_wrap=True)
    table.add_column("scene", justify="right", no_wrap=True)
    table.add_column("size", justify="right", no_wrap=True)
    for project in found:
        folder = stored_path(project.output_folder)
        lines = [f"  session {project.session_id}", f"  folder {folder}"]
        if project.tags:
            lines.append(f"  tags {', '.join(project.tags)}")
        if project.ids:
            lines.append(f"  ids {', '.join(project.ids)}")
        table.add_row(Text(terminal_safe(f"{project.project_date}  {project.artwork}"), style="bold"), "", "", "")
        for i, line in enumerate(lines):
            table.add_row(
                Text(terminal_safe(line)), "", "", "", end_section=not project.outputs and i == len(lines) - 1
            )
        for i, output in enumerate(project.outputs):
            shown = _within(stored_path(output.path), folder)
            table.add_row(
                Text("  " + terminal_safe(shown)),
                output.kind,
                "" if output.scene is None else str(output.scene),
                bytes_text(output.size),
                end_section=i == len(project.outputs) - 1,
            )
    out.print(table)


def _within(path: Path, folder: Path) -> str:
    """An output named from its project folder (shorter), or whole where it lies elsewhere."""
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)
