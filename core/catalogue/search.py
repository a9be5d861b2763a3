"""`vat find` and the Catalogue screen: one search across every project and output.

TEXT: every word must occur (case ignored) in what a project or output is known by: the artwork
name, the project's credits, tags and external ids, its scenes' titles, notes, credits and tags, and
the output's file name. An output matches when every word is in its project's texts, its own scene's
texts or its file name; a project matches when it has a matching output, or (no --kind given) when
every word is in its own texts or any of its scenes' (a project not yet processed is found too).

Filters: --tag (each must be on the project, or on the output's scene; a bare value matches that
value in any namespace), --kind (file_registry.file_type), --since (the project's date, YY-MM-DD;
its creation day where the date is not one).

It is SQL throughout, for a collection of thousands of projects and 100k outputs (bench/find.py):
the project and scene texts are gathered once per query (materialised), each word is one LIKE per
text (SQLite's LIKE ignores ASCII case; a word with other letters is compared case-folded through a
small registered function), and the outputs are read with their project and scene joined once.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from core.catalogue.external_ids import ids_of
from core.catalogue.tags import parse_tag, tags_of
from core.errors import BadInput
from core.text import terminal_safe
from db.connection import database

KINDS = ("still_hq", "still_web", "clip", "master", "thumbnail", "rd_image", "rd_video")
STILL_KINDS = ("still_web", "still_hq", "thumbnail", "rd_image")  # what the Catalogue screen pictures
FOLD = "vat_casefold"


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
    """Where a path stored in the catalogue is on this machine: the one place the search shows or opens
    a file through, so that storage roots (a moved archive, another machine's mount) apply to it."""
    return Path(stored)


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
    projects: dict[str, FoundProject] = {}
    for row in _rows(_outputs_sql(query.words, tags, query.kind, first)):
        project = projects.get(row["session_id"]) or projects.setdefault(row["session_id"], _project(row))
        project.outputs.append(FoundOutput(row["file_path"], row["file_type"], row["scene"], row["file_size_bytes"]))
    if query.kind is None:
        for row in _rows(_projects_sql(query.words, tags, first)):
            projects.setdefault(row["session_id"], _project(row))
    found = sorted(projects.values(), key=lambda p: (_date_key(p.project_date), p.session_id), reverse=True)
    if limit is not None:
        found = found[:limit]
    for project in found:
        project.tags, project.ids = tags_of(project.session_id), ids_of(project.session_id)
    return found


def _date_key(project_date: str) -> str:
    return project_date if re.fullmatch(r"\d\d-\d\d-\d\d", project_date or "") else ""


def _project(row: dict) -> FoundProject:
    return FoundProject(
        row["session_id"], row["artwork_name"], row["project_date"], row["output_path"], row["status"] or ""
    )


def _rows(sql_params: tuple[str, list]) -> list[dict]:
    sql, params = sql_params
    cursor = database.execute_sql(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _casefold(text: object) -> str | None:
    return None if text is None else str(text).casefold()


# peewee registers it on every connection it opens (and on one already open)
database.register_function(_casefold, FOLD, 1, True)


# The texts a project and its scenes are known by. Scenes are read only from the projects that have
# scene texts or scene tags (a cheap LIKE on the stored JSON first: most projects have none).
_TAG = "CASE WHEN t.namespace = '' THEN t.value ELSE t.namespace || ':' || t.value END"
_TEXTS = f"""
WITH sel AS MATERIALIZED (
    SELECT p.session_id, p.artwork_name, p.project_date, p.output_path, p.status, p.credits, p.scenes_data
    FROM processing_state p WHERE {{since}}
),
ptext AS MATERIALIZED (
    SELECT s.session_id, s.artwork_name || ' ' || COALESCE(s.credits, '')
        || ' ' || COALESCE((SELECT group_concat({_TAG}, ' ') FROM tags t
                            WHERE t.session_id = s.session_id AND t.scene_start_frame IS NULL), '')
        || ' ' || COALESCE((SELECT group_concat(e.scheme || ':' || e.value, ' ') FROM external_ids e
                            WHERE e.session_id = s.session_id), '') AS hay
    FROM sel s
),
stext AS MATERIALIZED (
    SELECT s.session_id, CAST(json_extract(j.value, '$.index') AS INTEGER) AS number,
        json_extract(j.value, '$.start_frame') AS start_frame,
        COALESCE(json_extract(j.value, '$.title'), '')
        || ' ' || COALESCE(json_extract(j.value, '$.detected_title'), '')
        || ' ' || COALESCE(json_extract(j.value, '$.note'), '')
        || ' ' || COALESCE(json_extract(j.value, '$.credits'), '')
        || ' ' || COALESCE((SELECT group_concat({_TAG}, ' ') FROM tags t WHERE t.session_id = s.session_id
                            AND t.scene_start_frame = json_extract(j.value, '$.start_frame')), '') AS hay
    FROM sel s, json_each(s.scenes_data) j
    WHERE s.scenes_data LIKE '%title"%' OR s.scenes_data LIKE '%"note"%' OR s.scenes_data LIKE '%"credits"%'
        OR EXISTS (SELECT 1 FROM tags t WHERE t.session_id = s.session_id AND t.scene_start_frame IS NOT NULL)
)
"""
# the file name: what follows the last "/" (rtrim strips the name's characters, leaving the folder)
_NAME = "substr(f.file_path, length(rtrim(f.file_path, replace(f.file_path, '/', ''))) + 1)"


def _since(first: date | None, params: list) -> str:
    if first is None:
        return "1"
    params += [first.strftime("%y-%m-%d"), first.isoformat()]
    return (
        "CASE WHEN p.project_date GLOB '[0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN p.project_date >= ? "
        "ELSE substr(p.created_at, 1, 10) >= ? END"
    )


def _like(column: str, word: str, params: list) -> str:
    """`column` holds `word`, case ignored: LIKE does so for ASCII letters; other letters are folded."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if word.isascii():
        params.append(f"%{escaped}%")
        return f"{column} LIKE ? ESCAPE '\\'"
    params.append(f"%{escaped.casefold()}%")
    return f"{FOLD}({column}) LIKE ? ESCAPE '\\'"


def _tag_match(namespace: str, value: str, params: list) -> str:
    if namespace:
        params += [namespace, value]
        return "t.namespace = ? AND t.value = ? COLLATE NOCASE"
    params.append(value)
    return "t.value = ? COLLATE NOCASE"


def _outputs_sql(words: list[str], tags: list[tuple[str, str]], kind: str | None, first: date | None) -> tuple:
    params: list = []
    sql = _TEXTS.format(since=_since(first, params))
    where = []
    if kind:
        where.append("f.file_type = ?")
        params.append(kind)
    for word in words:
        where.append(
            f"({_like('pt.hay', word, params)} OR {_like('st.hay', word, params)} OR {_like(_NAME, word, params)})"
        )
    for namespace, value in tags:
        where.append(
            "EXISTS (SELECT 1 FROM tags t WHERE t.session_id = f.session_id AND (t.scene_start_frame IS NULL "
            f"OR t.scene_start_frame = st.start_frame) AND {_tag_match(namespace, value, params)})"
        )
    sql += f"""
SELECT s.session_id, s.artwork_name, s.project_date, s.output_path, s.status,
    f.file_path, f.file_type, f.file_size_bytes, json_extract(f.compression_settings, '$.scene') AS scene
FROM sel s
JOIN ptext pt ON pt.session_id = s.session_id
JOIN file_registry f ON f.session_id = s.session_id
LEFT JOIN stext st ON st.session_id = f.session_id AND st.number = json_extract(f.compression_settings, '$.scene')
WHERE {" AND ".join(where) or "1"}
ORDER BY s.session_id, f.file_path
"""
    return sql, params


def _projects_sql(words: list[str], tags: list[tuple[str, str]], first: date | None) -> tuple:
    params: list = []
    sql = _TEXTS.format(since=_since(first, params))
    where = []
    for word in words:
        in_project = _like("pt.hay", word, params)  # before the scene's: the parameters go in order
        in_scene = _like("st.hay", word, params)
        where.append(
            f"({in_project} OR EXISTS (SELECT 1 FROM stext st WHERE st.session_id = s.session_id AND {in_scene}))"
        )
    for namespace, value in tags:
        match = _tag_match(namespace, value, params)
        where.append(f"EXISTS (SELECT 1 FROM tags t WHERE t.session_id = s.session_id AND {match})")
    sql += f"""
SELECT s.session_id, s.artwork_name, s.project_date, s.output_path, s.status
FROM sel s JOIN ptext pt ON pt.session_id = s.session_id
WHERE {" AND ".join(where) or "1"}
"""
    return sql, params
