"""`vat find` and the Catalogue screen: one search across every project and output.

TEXT: every word must occur (case ignored) in what a project or output is known by: the artwork
name, the project's credits, tags and external ids, its scenes' titles, notes, credits and tags, and
the output's file name. An output matches when every word is in its project's texts, its own scene's
texts or its file name; a project matches when it has a matching output, or (no --kind given) when
every word is in its own texts or any of its scenes' (a project not yet processed is found too).

Filters: --tag (each must be on the project, or on the output's scene; a bare value matches that
value in any namespace), --kind (file_registry.file_type), --since (the project's date, YY-MM-DD;
its creation day where the date is not one).

It is SQL throughout (core/catalogue/search_sql.py), for a collection of thousands of projects and
100k outputs (bench/find.py).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from core.catalogue.collation import binary
from core.catalogue.external_ids import id_text
from core.catalogue.kinds import KINDS
from core.catalogue.roots import resolve
from core.catalogue.search_sql import FOLD, dialect, outputs_sql, projects_sql
from core.catalogue.tags import parse_tag, tag_text
from core.errors import BadInput
from core.text import terminal_safe
from db.backend import POSTGRES, SQLITE
from db.connection import execute, is_postgres, sqlite_database
from db.models import ExternalId, Tag

STILL_KINDS = ("still_web", "still_hq", "thumbnail", "rd_image")  # what the Catalogue screen pictures


@dataclass(frozen=True)
class Query:
    text: str = ""
    tags: tuple[str, ...] = ()
    kind: str | None = None
    since: str | None = None  # YY-MM-DD or YYYY-MM-DD

    @property
    def words(self) -> list[str]:
        return [w for w in self.text.split() if w]


@dataclass
class FoundOutput:
    path: str  # as stored; shown and opened through stored_path()
    kind: str
    scene: int | None
    size: int | None


@dataclass
class FoundProject:
    session_id: str
    artwork: str
    project_date: str
    output_folder: str
    status: str
    tags: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    outputs: list[FoundOutput] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "artwork": self.artwork,
            "project_date": self.project_date,
            "output_folder": str(stored_path(self.output_folder)),
            "status": self.status,
            "tags": self.tags,
            "external_ids": self.ids,
            "outputs": [
                {"path": str(stored_path(o.path)), "kind": o.kind, "scene": o.scene, "size_bytes": o.size}
                for o in self.outputs
            ],
        }


def stored_path(stored: str) -> Path:
    """Where a path stored in the catalogue is on this machine now, through the storage roots (a moved
    archive, another machine's mount: core/catalogue/roots.py): the one place the search shows or
    opens a file through."""
    return resolve(stored)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise BadInput(f"--kind {terminal_safe(kind)!r}: expected one of {', '.join(KINDS)}")
    return kind


def since_day(text: str) -> date:
    """`2026-03-01` or `26-03-01` -> the day; BadInput otherwise."""
    cleaned = text.strip()
    if re.fullmatch(r"\d\d-\d\d-\d\d", cleaned):
        cleaned = "20" + cleaned
    try:
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", cleaned):
            raise ValueError
        return date.fromisoformat(cleaned)
    except ValueError:
        raise BadInput(f"--since {terminal_safe(text)!r}: expected a day, YYYY-MM-DD or YY-MM-DD") from None


def parse_query(line: str) -> Query:
    """The Catalogue screen's search field: words, with `tag:T`, `kind:K` and `since:D` tokens taken
    as filters (`tag:artist:Jane` is the tag artist:Jane; quotes keep spaces: `tag:"artist:Jane Doe"`).
    BadInput for a bad kind or day."""
    words, tags, kind, since = [], [], None, None
    try:
        tokens = shlex.split(line)
    except ValueError:  # an open quote while typing: words as they are
        tokens = line.split()
    for token in tokens:
        name, sep, value = token.partition(":")
        if sep and value and name.lower() == "tag":
            tags.append(value)
        elif sep and value and name.lower() == "kind":
            kind = check_kind(value)
        elif sep and value and name.lower() == "since":
            since_day(value)
            since = value
        else:
            words.append(token)
    return Query(" ".join(words), tuple(tags), kind, since)


def search(query: Query, limit: int | None = None) -> list[FoundProject]:
    """The matching projects, the most recent project date first, each with its matching outputs (in
    path order). `limit`: at most that many projects."""
    if query.kind is not None:
        check_kind(query.kind)
    tags = [parse_tag(t) for t in query.tags]
    first = since_day(query.since) if query.since else None
    sql = dialect(POSTGRES if is_postgres() else SQLITE)
    projects: dict[str, FoundProject] = {}
    for row in _rows(outputs_sql(query.words, tags, query.kind, first, sql)):
        project = projects.get(row["session_id"]) or projects.setdefault(row["session_id"], _project(row))
        project.outputs.append(FoundOutput(row["file_path"], row["file_type"], row["scene"], row["file_size_bytes"]))
    if query.kind is None:
        for row in _rows(projects_sql(query.words, tags, first, sql)):
            projects.setdefault(row["session_id"], _project(row))
    found = sorted(projects.values(), key=lambda p: (_date_key(p.project_date), p.session_id), reverse=True)
    if limit is not None:
        found = found[:limit]
    _labels(found)
    return found


def _labels(found: list[FoundProject]) -> None:
    """The projects' own tags and ids, read in one query each (not two per project)."""
    by_id = {p.session_id: p for p in found}
    ids = list(by_id)
    for start in range(0, len(ids), 500):  # SQLite's limit on the parameters of one statement
        chunk = ids[start : start + 500]
        tags = (
            Tag.select()
            .where(Tag.session.in_(chunk) & Tag.scene_start_frame.is_null())
            .order_by(Tag.namespace == "", binary(Tag.namespace), binary(Tag.value))
        )
        for tag in tags:
            by_id[tag.session_id].tags.append(tag_text(tag.namespace, tag.value))
        for row in (
            ExternalId.select()
            .where(ExternalId.session.in_(chunk))
            .order_by(binary(ExternalId.scheme), binary(ExternalId.value))
        ):
            by_id[row.session_id].ids.append(id_text(row.scheme, row.value))


def _date_key(project_date: str) -> str:
    return project_date if re.fullmatch(r"\d\d-\d\d-\d\d", project_date or "") else ""


def _project(row: dict) -> FoundProject:
    return FoundProject(
        row["session_id"], row["artwork_name"], row["project_date"], row["output_path"], row["status"] or ""
    )


def _rows(sql_params: tuple[str, list]) -> list[dict]:
    sql, params = sql_params
    cursor = execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _casefold(text: object) -> str | None:
    return None if text is None else str(text).casefold()


# peewee registers it on every connection it opens (and on one already open)
sqlite_database.register_function(_casefold, FOLD, 1, True)
