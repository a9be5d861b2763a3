"""What `vat run` is to archive: one master (--artwork), several (--artwork-from name|parent), or the
rows of a batch file (--batch FILE.csv|FILE.json). Each row is a master with its own artwork, date,
preset, scenes, groups, copyright and tags; the command's options fill what a row leaves out.

A CSV file has a header row naming its columns; a JSON file is a list of objects with the same keys.
Tags and groups hold several values: a JSON list, or one text separated by `;`. A relative master path
is relative to the batch file's folder. Nothing here writes anything: a row that is wrong is refused
(BadInput, exit 2) naming the file, where in it (a CSV file's line, the header being line 1; a JSON
list's item) and what is wrong."""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import BadInput
from core.text import terminal_safe

COLUMNS = ("master", "artwork", "date", "preset", "scenes", "groups", "copyright", "tags")
PICK = "pick"  # --scenes pick: detect now, choose the scenes later


@dataclass
class Row:
    master: Path
    artwork: str
    date: str | None = None
    preset: str | None = None
    scenes: str | None = None
    groups: list[str] = field(default_factory=list)
    copyright: str | None = None
    tags: list[str] = field(default_factory=list)
    where: str = ""  # "FILE: line N: " (CSV) or "FILE: item N: " (JSON), "" for a master on the command line

    @property
    def pick(self) -> bool:
        return (self.scenes or "").strip().lower() == PICK


def artwork_from(master: Path, how: str) -> str:
    """The artwork named after the master's file name (without extension) or its folder's name."""
    name = master.stem if how == "name" else master.expanduser().absolute().parent.name
    if not name.strip():
        raise BadInput(f"{terminal_safe(master)}: --artwork-from {how} gives no name")
    return name


def rows_of(args: argparse.Namespace) -> list[Row]:
    masters = [Path(m) for m in args.master or []]
    if args.batch and masters:
        raise BadInput("vat run: give masters or --batch FILE, not both")
    if args.artwork and args.artwork_from:
        raise BadInput("vat run: --artwork names one master, --artwork-from names each: give one of them")
    if args.batch:
        if args.artwork:
            raise BadInput("vat run --batch: the artwork is each row's (or --artwork-from), not --artwork")
        rows = read_batch(Path(args.batch), args.artwork_from)
    elif not masters:
        raise BadInput("vat run: no master given (vat run MASTER --artwork NAME, or --batch FILE)")
    elif args.artwork:
        if len(masters) > 1:
            raise BadInput(f"vat run: --artwork names one master, {len(masters)} were given: use --artwork-from")
        rows = [Row(masters[0], args.artwork)]
    elif args.artwork_from:
        rows = [Row(m, artwork_from(m, args.artwork_from)) for m in masters]
    else:
        raise BadInput("vat run: the artwork's name is needed: --artwork NAME (or --artwork-from name|parent)")
    several = len(rows) > 1 or bool(args.batch)
    for option, value in (("--rd", args.rd), ("--scenes-from", args.scenes_from), ("--replace", args.replace)):
        if several and value:
            raise BadInput(f"vat run: {option} goes with one master, not a batch")
    for row in rows:  # the command's options fill what a row leaves out
        row.date = row.date or args.date
        row.preset = row.preset or args.preset
        row.scenes = row.scenes if row.scenes is not None else args.scenes
        row.groups = row.groups or list(args.group or [])
        row.copyright = row.copyright if row.copyright is not None else args.copyright
        row.tags = [*row.tags, *(args.tag or [])]
        if row.pick and row.groups:
            raise BadInput(f"{row.where or 'vat run: '}--scenes pick: the groups are chosen with the scenes, later")
    return rows


def read_batch(path: Path, how: str | None) -> list[Row]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"{terminal_safe(path)}: batch file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{terminal_safe(path)}: batch file cannot be read ({exc})") from None
    if path.suffix.lower() == ".json":
        records = _json_records(path, text)
    elif path.suffix.lower() == ".csv":
        records = _csv_records(path, text)
    else:
        raise BadInput(f"{terminal_safe(path)}: a batch file is .csv or .json")
    if not records:
        raise BadInput(f"{terminal_safe(path)}: the batch file has no rows")
    return [_row(path, where, record, how) for where, record in records]


def _json_records(path: Path, text: str) -> list[tuple[str, dict]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{terminal_safe(path)}: not JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, list):
        raise BadInput(f"{terminal_safe(path)}: expected a list of objects, one per master")
    for number, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise BadInput(f"{terminal_safe(path)}: item {number}: expected an object")
    return [(f"item {number}", record) for number, record in enumerate(data, start=1)]


def _csv_records(path: Path, text: str) -> list[tuple[str, dict]]:
    """Each row with the file's line it ends on (the header is line 1)."""
    reader = csv.DictReader(text.splitlines())
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if "master" not in header:
        raise BadInput(f"{terminal_safe(path)}: the first row names the columns and one is master")
    reader.fieldnames = header
    records = []
    for record in reader:
        if None in record:  # more cells than the header has names
            raise BadInput(f"{terminal_safe(path)}: line {reader.line_num}: more cells than columns")
        cells = {k: (v or "").strip() for k, v in record.items() if (v or "").strip()}
        records.append((f"line {reader.line_num}", cells))
    return records


def _row(path: Path, place: str, record: dict, how: str | None) -> Row:
    where = f"{terminal_safe(path)}: {place}: "
    unknown = sorted(set(record) - set(COLUMNS))
    if unknown:
        raise BadInput(
            f"{where}unknown column {', '.join(map(terminal_safe, unknown))} (columns: {', '.join(COLUMNS)})"
        )
    values = {}
    for key in ("master", "artwork", "date", "preset", "scenes", "copyright"):
        value = record.get(key)
        if value is not None and not isinstance(value, str | int | float):
            raise BadInput(f"{where}{key}: expected a text")
        values[key] = str(value).strip() if value is not None and str(value).strip() else None
    if not values["master"]:
        raise BadInput(f"{where}no master")
    master = Path(values["master"]).expanduser()
    if not master.is_absolute():
        master = path.absolute().parent / master
    artwork = values["artwork"] or (artwork_from(master, how) if how else None)
    if not artwork:
        raise BadInput(f"{where}no artwork (give the column, or --artwork-from name|parent)")
    return Row(
        master,
        artwork,
        date=values["date"],
        preset=values["preset"],
        scenes=values["scenes"],
        groups=_several(where, "groups", record.get("groups")),
        copyright=values["copyright"],
        tags=_several(where, "tags", record.get("tags")),
        where=where,
    )


def _several(where: str, key: str, value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise BadInput(f"{where}{key}: expected a list of texts, or one text separated by ';'")
