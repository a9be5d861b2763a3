"""`vat stats [--since DATE] [--by month|preset|tag|kind] [--json]`: the statistics of every completed
project (core/catalogue/statistics.py) as tables that fit 80 columns, or one JSON document."""

from __future__ import annotations

import argparse
from datetime import date

from core.catalogue.statistics import Row, Statistics, statistics
from core.errors import EXIT_OK, BadInput
from core.text import terminal_safe
from tui.cli.common import open_db, print_json
from tui.display import bytes_text, ratio_text, seconds_text

WIDTH = 80
TITLES = {"month": "Month", "preset": "Preset", "tag": "Tag", "kind": "Kind"}


def parse_since(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(
            f"--since {terminal_safe(text)!r}: expected a date as YYYY-MM-DD, for example 2025-01-31"
        ) from None


def _cut(text: str, width: int) -> str:
    text = terminal_safe(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def table_lines(name: str, rows: list[Row]) -> list[str]:
    """A month / preset / tag table: key, projects, outputs, size, processing time (at most 80 columns)."""
    key_width = 34
    head = f"{TITLES[name]:<{key_width}} {'Projects':>9} {'Outputs':>9} {'Size':>11} {'Time':>12}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{_cut(r.key, key_width):<{key_width}} {r.projects:>9} {r.outputs:>9} "
            f"{bytes_text(r.bytes):>11} {seconds_text(r.seconds):>12}"
        )
    return lines if rows else [*lines, "(none)"]


def kind_lines(stats: Statistics) -> list[str]:
    """Outputs by kind with the compression per kind, and the overall compression under it."""
    head = f"{'Kind':<20} {'Outputs':>10} {'Size':>12} {'Masters':>12} {'Compression':>12}"
    lines = [head, "-" * len(head)]
    for k in stats.by_kind:
        masters = bytes_text(k.master_bytes) if k.master_bytes else "-"
        lines.append(
            f"{_cut(k.kind, 20):<20} {k.count:>10} {bytes_text(k.bytes):>12} {masters:>12} {ratio_text(k.ratio):>12}"
        )
    if not stats.by_kind:
        lines.append("(none)")
    lines.append(
        f"Overall: masters {bytes_text(stats.master_bytes)} over deliverables "
        f"{bytes_text(stats.deliverable_bytes)}: {ratio_text(stats.ratio)}"
    )
    return lines


def report_lines(stats: Statistics, by: str | None = None) -> list[str]:
    when = f"since {stats.since}" if stats.since else "all time"
    lines = [
        f"{stats.projects} project(s) completed ({when}), {stats.successful} successful",
        f"{stats.outputs} outputs, {bytes_text(stats.bytes)}, processing {seconds_text(stats.seconds)}",
    ]
    tables = {"month": stats.by_month, "preset": stats.by_preset, "tag": stats.by_tag}
    for name in (by,) if by else ("month", "preset", "tag", "kind"):
        lines.append("")
        lines.append(f"By {name}" + (" (project tags)" if name == "tag" else ""))
        lines += kind_lines(stats) if name == "kind" else table_lines(name, tables[name])
    return lines


def stats(args: argparse.Namespace) -> int:
    since = parse_since(args.since)
    open_db()
    result = statistics(since)
    if args.json:
        document = result.to_dict()
        if args.by:
            document = {
                key: value for key, value in document.items() if not key.startswith("by_") or key == f"by_{args.by}"
            }
        print_json(document)
        return EXIT_OK
    for line in report_lines(result, args.by):
        print(line)
    return EXIT_OK
