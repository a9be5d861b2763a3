"""The SQL of the catalogue's search (core/catalogue/search.py), for thousands of projects and 100k
outputs (bench/find.py).

Each word and each tag becomes a set of projects (those whose artwork, credits, tags or ids hold
it) and a set of scenes ("session/number" keys: those whose title, note, credits or tags hold it;
a project's stored scene records are opened only where their JSON text holds the word at all),
each computed once per query (an uncorrelated IN): an output is tested against those sets with an
index lookup, and only the outputs of the sets' projects have their scene number read. Its file name
is tested with LIKE on the path first (cheap), the name alone only for the paths that hold the word.
SQLite's LIKE ignores ASCII case; a word with other letters is compared case-folded through FOLD, a registered function.
"""

from __future__ import annotations

from datetime import date

FOLD = "vat_casefold"

_TAG = "(CASE WHEN t.namespace = '' THEN t.value ELSE t.namespace || ':' || t.value END)"
_SCENE_KEY = "f.session_id || '/' || CAST(json_extract(f.compression_settings, '$.scene') AS INTEGER)"
_RECORD_KEY = "p.session_id || '/' || CAST(json_extract(j.value, '$.index') AS INTEGER)"
# the file name: what follows the last "/" (rtrim strips the name's characters, leaving the folder)
_NAME = "substr(f.file_path, length(rtrim(f.file_path, replace(f.file_path, '/', ''))) + 1)"


def _since(first: date | None, params: list) -> str:
    """The project's date (YY-MM-DD) on or after `first`; its creation day where it has no such date."""
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
    """A tag row `t` is this one; a bare value matches it in any namespace."""
    if namespace:
        params += [namespace, value]
        return "t.namespace = ? AND t.value = ? COLLATE NOCASE"
    params.append(value)
    return "t.value = ? COLLATE NOCASE"


def _projects_holding(word: str, params: list) -> str:
    """The projects whose own texts hold `word`: artwork, credits, project tags, external ids."""
    artwork, credit = _like("artwork_name", word, params), _like("credits", word, params)
    tag, scheme_value = _like(_TAG, word, params), _like("e.scheme || ':' || e.value", word, params)
    return (
        f"SELECT session_id FROM processing_state WHERE {artwork} OR {credit}"
        f" UNION SELECT t.session_id FROM tags t WHERE t.scene_start_frame IS NULL AND {tag}"
        f" UNION SELECT e.session_id FROM external_ids e WHERE {scheme_value}"
    )


def _scenes_holding(word: str, params: list, column: str) -> str:
    """The scenes whose texts or tags hold `word`, as `column`: session_id, or "key" (session/number).
    A project's stored scene records are searched only where their JSON holds the word at all (a word
    JSON writes differently, with a quote or backslash, skips that shortcut)."""
    out = "p.session_id" if column == "session_id" else _RECORD_KEY
    shortcut = "1" if any(c in word for c in '"\\') else _like("p.scenes_data", word, params)
    texts = " OR ".join(
        _like(f"json_extract(j.value, '$.{key}')", word, params)
        for key in ("title", "detected_title", "note", "credits")
    )
    tag = _like(_TAG, word, params)
    return (
        f"SELECT {out} FROM processing_state p, json_each(p.scenes_data) j WHERE {shortcut} AND ({texts})"
        f" UNION SELECT {out} FROM tags t JOIN processing_state p ON p.session_id = t.session_id, "
        f"json_each(p.scenes_data) j WHERE t.scene_start_frame IS NOT NULL AND {tag}"
        " AND json_extract(j.value, '$.start_frame') = t.scene_start_frame"
    )


def _scenes_tagged(namespace: str, value: str, params: list, column: str) -> str:
    out = "t.session_id" if column == "session_id" else _RECORD_KEY
    match = _tag_match(namespace, value, params)
    return (
        f"SELECT {out} FROM tags t JOIN processing_state p ON p.session_id = t.session_id, json_each(p.scenes_data) j"
        f" WHERE t.scene_start_frame IS NOT NULL AND {match}"
        " AND json_extract(j.value, '$.start_frame') = t.scene_start_frame"
    )


def _output_word(word: str, params: list) -> str:
    """An output holds `word`: in its project's texts, its scene's, or its file name (the path's LIKE
    first, cheap; the name's only where the path holds it)."""
    in_project = _projects_holding(word, params)
    in_scenes = _scenes_holding(word, params, "session_id")
    in_scene = _scenes_holding(word, params, "key")
    in_path, in_name = _like("f.file_path", word, params), _like(_NAME, word, params)
    return (
        f"(f.session_id IN ({in_project})"
        f" OR (f.session_id IN ({in_scenes}) AND {_SCENE_KEY} IN ({in_scene}))"
        f" OR ({in_path} AND {in_name}))"
    )


def _output_tag(namespace: str, value: str, params: list) -> str:
    """An output carries the tag: on its project, or on its scene."""
    on_project = _tag_match(namespace, value, params)
    on_scenes = _scenes_tagged(namespace, value, params, "session_id")
    on_scene = _scenes_tagged(namespace, value, params, "key")
    return (
        f"(f.session_id IN (SELECT t.session_id FROM tags t WHERE t.scene_start_frame IS NULL AND {on_project})"
        f" OR (f.session_id IN ({on_scenes}) AND {_SCENE_KEY} IN ({on_scene})))"
    )


def outputs_sql(words: list[str], tags: list[tuple[str, str]], kind: str | None, first: date | None) -> tuple:
    """The matching outputs with their project's columns: (sql, parameters)."""
    params: list = []
    where = []
    if kind:
        where.append("f.file_type = ?")
        params.append(kind)
    where += [_output_word(word, params) for word in words]
    where += [_output_tag(namespace, value, params) for namespace, value in tags]
    where.append(_since(first, params))
    sql = f"""
SELECT p.session_id, p.artwork_name, p.project_date, p.output_path, p.status,
    f.file_path, f.file_type, f.file_size_bytes, json_extract(f.compression_settings, '$.scene') AS scene
FROM file_registry f JOIN processing_state p ON p.session_id = f.session_id
WHERE {" AND ".join(where)}
ORDER BY p.session_id, f.file_path
"""
    return sql, params


def projects_sql(words: list[str], tags: list[tuple[str, str]], first: date | None) -> tuple:
    """The projects whose own texts, or any of their scenes', hold every word, with every tag on the
    project or one of its scenes: (sql, parameters)."""
    params: list = []
    where = []
    for word in words:
        in_project = _projects_holding(word, params)
        in_scene = _scenes_holding(word, params, "session_id")
        where.append(f"(p.session_id IN ({in_project}) OR p.session_id IN ({in_scene}))")
    for namespace, value in tags:
        match = _tag_match(namespace, value, params)
        where.append(f"p.session_id IN (SELECT t.session_id FROM tags t WHERE {match})")
    where.append(_since(first, params))
    sql = f"""
SELECT p.session_id, p.artwork_name, p.project_date, p.output_path, p.status
FROM processing_state p
WHERE {" AND ".join(where)}
"""
    return sql, params
