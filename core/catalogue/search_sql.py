"""The SQL of the catalogue's search (core/catalogue/search.py), for thousands of projects and 100k
outputs (bench/find.py), on SQLite or PostgreSQL.

Each word and each tag becomes a set of projects (those whose artwork, credits, tags or ids hold
it) and a set of scenes ("session/number" keys: those whose title, note, credits or tags hold it;
a project's stored scene records are opened only where their JSON text holds the word at all),
each computed once per query (an uncorrelated IN): an output is tested against those sets with an
index lookup, and only the outputs of the sets' projects have their scene number read. Its file name
is tested with LIKE on the path first (cheap), the name alone only for the paths that hold the word.
SQLite's LIKE ignores ASCII case; a word with other letters is compared case-folded through FOLD, a registered function.

The engines differ in a few fragments, each given per engine by a Dialect (SQLITE_SQL, POSTGRES_SQL):
PostgreSQL reads the JSON texts through jsonb; it ignores ASCII case as SQLite's LIKE does with
ILIKE under the "C" collation (its locale's ILIKE would fold other letters too); it folds other
words with translate() and replace() of the characters that fold to the word's characters
(core/catalogue/casefold_pg.py: Python's casefold, as FOLD); SQLite's NOCASE is the ASCII lower()
of the "C" collation; GLOB is a regular expression; texts are compared and sorted byte by byte, as
SQLite's BINARY does, whatever the server's locale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from core.catalogue import casefold_pg
from db.backend import POSTGRES

FOLD = "vat_casefold"

_TAG = "(CASE WHEN t.namespace = '' THEN t.value ELSE t.namespace || ':' || t.value END)"
# the file name: what follows the last "/" (rtrim strips the name's characters, leaving the folder)
_NAME = "substr(f.file_path, length(rtrim(f.file_path, replace(f.file_path, '/', ''))) + 1)"


@dataclass(frozen=True)
class Dialect:
    """The fragments that differ between the engines ({c}: a column or expression, {k}: a JSON key)."""

    text: str  # a JSON text's value at key k, as text
    integer: str  # the same as an integer
    scene: str  # an output's scene number, f's as stored
    records: str  # the rows of processing_state p's scene records, as j(value)
    same_frame: str  # record j is the scene that tag t is on
    like: str  # c holds the ? pattern, ASCII case ignored
    # (c, a casefolded word, its LIKE pattern, params): c, case-folded (Python's casefold), holds the pattern
    folded: Callable[[str, str, str, list], str]
    nocase: str  # c equals ?, ASCII case ignored
    nocase_value: Callable[[str], str]  # the value given for nocase's ?
    dated: str  # c is a YY-MM-DD date
    binary: str  # c as compared and sorted byte by byte
    true: str


def _ascii_lower(text: str) -> str:
    """What SQLite's NOCASE and the "C" collation's lower() make of a text: ASCII letters lowered only."""
    return "".join(c.lower() if c.isascii() else c for c in text)


def _sqlite_folded(column: str, pattern: str, params: list) -> str:
    params.append(pattern)
    return f"{FOLD}({column}) LIKE ? ESCAPE '\\'"


SQLITE_SQL = Dialect(
    text="json_extract({c}, '$.{k}')",
    integer="CAST(json_extract({c}, '$.{k}') AS INTEGER)",
    scene="json_extract(f.compression_settings, '$.scene')",
    records="json_each(p.scenes_data) j",
    same_frame="json_extract(j.value, '$.start_frame') = t.scene_start_frame",
    like="{c} LIKE ? ESCAPE '\\'",
    folded=lambda column, word, pattern, params: _sqlite_folded(column, pattern, params),
    nocase="{c} = ? COLLATE NOCASE",
    nocase_value=str,
    dated="{c} GLOB '[0-9][0-9]-[0-9][0-9]-[0-9][0-9]'",
    binary="{c}",
    true="1",
)

POSTGRES_SQL = Dialect(
    text="({c}::jsonb ->> '{k}')",
    integer="({c}::jsonb ->> '{k}')::bigint",
    scene="(f.compression_settings::jsonb ->> 'scene')::bigint",
    records="jsonb_array_elements(p.scenes_data::jsonb) AS j(value)",
    same_frame="j.value -> 'start_frame' = to_jsonb(t.scene_start_frame)",
    like="({c}) COLLATE \"C\" ILIKE ? ESCAPE '\\'",
    folded=casefold_pg.holds,
    nocase='lower(({c}) COLLATE "C") = ?',
    nocase_value=lambda value: _ascii_lower(value),
    dated="{c} ~ '^[0-9][0-9]-[0-9][0-9]-[0-9][0-9]$'",
    binary='({c}) COLLATE "C"',
    true="TRUE",
)


def dialect(backend: str) -> Dialect:
    return POSTGRES_SQL if backend == POSTGRES else SQLITE_SQL


def _scene_key(d: Dialect) -> str:
    return "f.session_id || '/' || " + d.integer.format(c="f.compression_settings", k="scene")


def _record_key(d: Dialect) -> str:
    return "p.session_id || '/' || " + d.integer.format(c="j.value", k="index")


def _since(d: Dialect, first: date | None, params: list) -> str:
    """The project's date (YY-MM-DD) on or after `first`; its creation day where it has no such date."""
    if first is None:
        return d.true
    params += [first.strftime("%y-%m-%d"), first.isoformat()]
    project_date, created = d.binary.format(c="p.project_date"), d.binary.format(c="substr(p.created_at, 1, 10)")
    return f"CASE WHEN {d.dated.format(c='p.project_date')} THEN {project_date} >= ? ELSE {created} >= ? END"


def _like(d: Dialect, column: str, word: str, params: list) -> str:
    """`column` holds `word`, case ignored: LIKE does so for ASCII letters; other letters are folded."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if word.isascii():
        params.append(f"%{escaped}%")
        return d.like.format(c=column)
    return d.folded(column, word.casefold(), f"%{escaped.casefold()}%", params)


def _tag_match(d: Dialect, namespace: str, value: str, params: list) -> str:
    """A tag row `t` is this one; a bare value matches it in any namespace."""
    if namespace:
        params.append(namespace)
    params.append(d.nocase_value(value))
    match = d.nocase.format(c="t.value")
    return f"t.namespace = ? AND {match}" if namespace else match


def _projects_holding(d: Dialect, word: str, params: list) -> str:
    """The projects whose own texts hold `word`: artwork, credits, project tags, external ids."""
    artwork, credit = _like(d, "artwork_name", word, params), _like(d, "credits", word, params)
    tag, scheme_value = _like(d, _TAG, word, params), _like(d, "e.scheme || ':' || e.value", word, params)
    return (
        f"SELECT session_id FROM processing_state WHERE {artwork} OR {credit}"
        f" UNION SELECT t.session_id FROM tags t WHERE t.scene_start_frame IS NULL AND {tag}"
        f" UNION SELECT e.session_id FROM external_ids e WHERE {scheme_value}"
    )


def _scenes_holding(d: Dialect, word: str, params: list, column: str) -> str:
    """The scenes whose texts or tags hold `word`, as `column`: session_id, or "key" (session/number).
    A project's stored scene records are searched only where their JSON holds the word at all (a word
    JSON writes differently, with a quote or backslash, skips that shortcut)."""
    out = "p.session_id" if column == "session_id" else _record_key(d)
    shortcut = d.true if any(c in word for c in '"\\') else _like(d, "p.scenes_data", word, params)
    texts = " OR ".join(
        _like(d, d.text.format(c="j.value", k=key), word, params)
        for key in ("title", "detected_title", "note", "credits")
    )
    tag = _like(d, _TAG, word, params)
    return (
        f"SELECT {out} FROM processing_state p, {d.records} WHERE {shortcut} AND ({texts})"
        f" UNION SELECT {out} FROM tags t JOIN processing_state p ON p.session_id = t.session_id, "
        f"{d.records} WHERE t.scene_start_frame IS NOT NULL AND {tag} AND {d.same_frame}"
    )


def _scenes_tagged(d: Dialect, namespace: str, value: str, params: list, column: str) -> str:
    out = "t.session_id" if column == "session_id" else _record_key(d)
    match = _tag_match(d, namespace, value, params)
    return (
        f"SELECT {out} FROM tags t JOIN processing_state p ON p.session_id = t.session_id, {d.records}"
        f" WHERE t.scene_start_frame IS NOT NULL AND {match} AND {d.same_frame}"
    )


def _output_word(d: Dialect, word: str, params: list) -> str:
    """An output holds `word`: in its project's texts, its scene's, or its file name (the path's LIKE
    first, cheap; the name's only where the path holds it)."""
    in_project = _projects_holding(d, word, params)
    in_scenes = _scenes_holding(d, word, params, "session_id")
    in_scene = _scenes_holding(d, word, params, "key")
    in_path, in_name = _like(d, "f.file_path", word, params), _like(d, _NAME, word, params)
    return (
        f"(f.session_id IN ({in_project})"
        f" OR (f.session_id IN ({in_scenes}) AND {_scene_key(d)} IN ({in_scene}))"
        f" OR ({in_path} AND {in_name}))"
    )


def _output_tag(d: Dialect, namespace: str, value: str, params: list) -> str:
    """An output carries the tag: on its project, or on its scene."""
    on_project = _tag_match(d, namespace, value, params)
    on_scenes = _scenes_tagged(d, namespace, value, params, "session_id")
    on_scene = _scenes_tagged(d, namespace, value, params, "key")
    return (
        f"(f.session_id IN (SELECT t.session_id FROM tags t WHERE t.scene_start_frame IS NULL AND {on_project})"
        f" OR (f.session_id IN ({on_scenes}) AND {_scene_key(d)} IN ({on_scene})))"
    )


def outputs_sql(
    words: list[str], tags: list[tuple[str, str]], kind: str | None, first: date | None, d: Dialect = SQLITE_SQL
) -> tuple:
    """The matching outputs with their project's columns: (sql, parameters)."""
    params: list = []
    where = []
    if kind:
        where.append("f.file_type = ?")
        params.append(kind)
    where += [_output_word(d, word, params) for word in words]
    where += [_output_tag(d, namespace, value, params) for namespace, value in tags]
    where.append(_since(d, first, params))
    sql = f"""
SELECT p.session_id, p.artwork_name, p.project_date, p.output_path, p.status,
    f.file_path, f.file_type, f.file_size_bytes, {d.scene} AS scene
FROM file_registry f JOIN processing_state p ON p.session_id = f.session_id
WHERE {" AND ".join(where)}
ORDER BY {d.binary.format(c="p.session_id")}, {d.binary.format(c="f.file_path")}
"""
    return sql, params


def projects_sql(words: list[str], tags: list[tuple[str, str]], first: date | None, d: Dialect = SQLITE_SQL) -> tuple:
    """The projects whose own texts, or any of their scenes', hold every word, with every tag on the
    project or one of its scenes: (sql, parameters)."""
    params: list = []
    where = []
    for word in words:
        in_project = _projects_holding(d, word, params)
        in_scene = _scenes_holding(d, word, params, "session_id")
        where.append(f"(p.session_id IN ({in_project}) OR p.session_id IN ({in_scene}))")
    for namespace, value in tags:
        match = _tag_match(d, namespace, value, params)
        where.append(f"p.session_id IN (SELECT t.session_id FROM tags t WHERE {match})")
    where.append(_since(d, first, params))
    sql = f"""
SELECT p.session_id, p.artwork_name, p.project_date, p.output_path, p.status
FROM processing_state p
WHERE {" AND ".join(where)}
"""
    return sql, params
