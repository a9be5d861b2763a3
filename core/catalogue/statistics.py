"""Statistics of every completed project, beyond the project_statistics view's 30 days: per month,
per preset, per project tag, outputs by kind, and the compression achieved.

Projects are the history's rows, the archived ones included (vat db cleanup moves rows older than
90 days to project_history_archive: a year's statistics must still count them), each once, filtered
by when they completed. Every figure is summed by the database (GROUP BY), never row by row here.

Sizes are exact bytes: a project's outputs are its registered files' sizes (file_registry, as the
outputs by kind are), its master the size recorded when its session was created; the history's
megabytes (rounded to the kB) stand in only where those rows are gone.

Compression is the masters' size over the outputs' size. Overall, it weighs the masters against the
deliverables as project_history.compression_ratio does (core/catalogue/kinds.py: NOT_DELIVERABLES),
summed over the projects, not averaged: a big master counts for its bytes. Per kind, it is given
for the kinds made from the master (clips, stills, thumbnails): the masters of the projects that
made that kind over that kind's bytes; R&D outputs come from other files and get none.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from core.catalogue.kinds import NOT_DELIVERABLES
from db.connection import execute, is_postgres

BY = ("month", "preset", "tag", "kind")
FROM_MASTER = ("clip", "still_hq", "still_web", "thumbnail")

TAG = "CASE WHEN t.namespace = '' THEN t.value ELSE t.namespace || ':' || t.value END"

_RECORDS = ", ".join(f":record{n}" for n in range(len(NOT_DELIVERABLES)))  # NOT_DELIVERABLES' marks


def _statement(postgres: bool) -> str:
    """Every table in one statement, file_registry read once: `per` its outputs per session and kind,
    `p` the history, live and archived, each session once (a live row wins), completed since :since,
    with its exact byte counts (see the module's note). Rows: (table, key, then the table's figures):
    total (projects, outputs, bytes, seconds, successful), month / preset / tag (the same but
    successful), kind (count, bytes, the masters' bytes of the projects that made it) and overall
    (deliverable bytes, master bytes, of the projects with both, as each kind's ratio is computed).

    PostgreSQL's fragments: SUM of a BIGINT is NUMERIC there (cast back: the figures are integers, and
    a UNION's columns must agree), INTEGER is 32 bits (bytes pass 2^31: BIGINT), a boolean is summed
    through CASE, and the JSON is read through jsonb."""

    def whole(expr: str) -> str:
        return f"CAST({expr} AS BIGINT)" if postgres else expr

    integer = "BIGINT" if postgres else "INTEGER"
    master_size = (
        "CAST(s.process_metadata::jsonb ->> 'master_size' AS NUMERIC)"
        if postgres
        else "json_extract(s.process_metadata, '$.master_size')"
    )
    successful = "CASE WHEN p.completed_successfully THEN 1 ELSE 0 END" if postgres else "p.completed_successfully"
    figures = f"""
    COUNT(*), {whole("COALESCE(SUM(p.total_files_created), 0)")}, {whole("COALESCE(SUM(p.output_bytes), 0)")},
    COALESCE(SUM(p.total_processing_time_seconds), 0)
"""
    return f"""
    WITH per AS MATERIALIZED (
            SELECT session_id, file_type, COUNT(*) AS n, {whole("COALESCE(SUM(file_size_bytes), 0)")} AS b
            FROM file_registry GROUP BY session_id, file_type),
         h AS (
            SELECT session_id, completed_at, preset_used, total_files_created, total_output_size_mb,
                   total_processing_time_seconds, master_size_mb, completed_successfully
            FROM project_history WHERE completed_at >= :since
            UNION ALL
            SELECT session_id, completed_at, preset_used, total_files_created, total_output_size_mb,
                   total_processing_time_seconds, master_size_mb, completed_successfully
            FROM project_history_archive
            WHERE completed_at >= :since AND session_id NOT IN (SELECT session_id FROM project_history)),
         p AS MATERIALIZED (
            SELECT h.session_id, h.completed_at, h.preset_used, h.total_files_created,
                   h.total_processing_time_seconds, h.completed_successfully,
                   COALESCE(f.bytes, CAST(ROUND(h.total_output_size_mb * 1000000) AS {integer})) AS output_bytes,
                   COALESCE(CAST({master_size} AS {integer}),
                            CAST(ROUND(h.master_size_mb * 1000000) AS {integer})) AS master_bytes
            FROM h
            LEFT JOIN (SELECT session_id, {whole("SUM(b)")} AS bytes FROM per GROUP BY session_id) AS f
                   ON f.session_id = h.session_id
            LEFT JOIN processing_state AS s ON s.session_id = h.session_id),
         joined AS (SELECT per.*, p.master_bytes AS m FROM per JOIN p ON p.session_id = per.session_id)
    SELECT 'total', NULL, {figures}, {whole(f"COALESCE(SUM({successful}), 0)")} FROM p
    UNION ALL
    SELECT 'month', substr(p.completed_at, 1, 7), {figures}, NULL FROM p GROUP BY 2
    UNION ALL
    SELECT 'preset', p.preset_used, {figures}, NULL FROM p GROUP BY 2
    UNION ALL
    SELECT 'tag', {TAG}, {figures}, NULL
    FROM p JOIN tags AS t ON t.session_id = p.session_id AND t.scene_start_frame IS NULL GROUP BY 2
    UNION ALL
    SELECT 'kind', file_type, {whole("SUM(n)")}, {whole("SUM(b)")}, {whole("SUM(m)")}, NULL, NULL
    FROM joined GROUP BY file_type
    UNION ALL
    SELECT 'overall', NULL, {whole("COALESCE(SUM(d), 0)")}, {whole("COALESCE(SUM(m), 0)")}, NULL, NULL, NULL
    FROM (SELECT session_id, m, SUM(b) AS d FROM joined WHERE file_type NOT IN ({_RECORDS}) GROUP BY session_id, m) AS o
    WHERE m > 0 AND d > 0
"""  # noqa: S608


_STATEMENTS = {False: _statement(False), True: _statement(True)}


@dataclass(frozen=True)
class Row:
    """One line of a table: a month (2025-03), a preset, a tag (artist:Jane) — its projects' sums."""

    key: str
    projects: int
    outputs: int
    bytes: int
    seconds: float


@dataclass(frozen=True)
class KindRow:
    """Outputs of one kind: how many, their bytes, and the compression where the kind is the master's."""

    kind: str
    count: int
    bytes: int
    master_bytes: int | None  # the masters of the projects with outputs of this kind (FROM_MASTER only)

    @property
    def ratio(self) -> float | None:
        return round(self.master_bytes / self.bytes, 4) if self.master_bytes and self.bytes else None


@dataclass
class Statistics:
    since: str | None  # YYYY-MM-DD, None: every project
    projects: int
    successful: int
    outputs: int
    bytes: int
    seconds: float
    master_bytes: int
    deliverable_bytes: int
    by_month: list[Row]
    by_preset: list[Row]
    by_tag: list[Row]
    by_kind: list[KindRow]

    @property
    def ratio(self) -> float | None:
        """Overall: every master's bytes over every deliverable's."""
        return (
            round(self.master_bytes / self.deliverable_bytes, 4)
            if self.master_bytes and self.deliverable_bytes
            else None
        )

    def to_dict(self) -> dict:
        kinds = [{**asdict(k), "ratio": k.ratio} for k in self.by_kind]
        return {
            "since": self.since,
            "totals": {
                "projects": self.projects,
                "successful": self.successful,
                "outputs": self.outputs,
                "bytes": self.bytes,
                "seconds": self.seconds,
            },
            "compression": {
                "master_bytes": self.master_bytes,
                "deliverable_bytes": self.deliverable_bytes,
                "ratio": self.ratio,
            },
            "by_month": [asdict(r) for r in self.by_month],
            "by_preset": [asdict(r) for r in self.by_preset],
            "by_tag": [asdict(r) for r in self.by_tag],
            "by_kind": kinds,
        }


def statistics(since: date | None = None) -> Statistics:
    """Every table, over the projects completed on or after `since` (every project when None)."""
    params = {"since": since.isoformat() if since else "", **{f"record{n}": k for n, k in enumerate(NOT_DELIVERABLES)}}
    totals: tuple = (0, 0, 0, 0.0, 0)
    overall: tuple = (0, 0)
    tables: dict[str, list[Row]] = {"month": [], "preset": [], "tag": []}
    kinds: list[KindRow] = []
    for table, key, *figures in execute(_STATEMENTS[is_postgres()], params).fetchall():
        if table == "total":
            totals = tuple(figures)
        elif table == "overall":
            overall = tuple(figures[:2])
        elif table == "kind":
            count, size, masters = figures[:3]
            kinds.append(KindRow(key, count, size, masters if key in FROM_MASTER else None))
        else:
            n, outputs, size, seconds = figures[:4]
            tables[table].append(Row(key if key is not None else "-", n, outputs, size, round(seconds, 2)))
    for rows in tables.values():
        rows.sort(key=lambda r: r.key)
    tables["tag"].sort(key=lambda r: -r.projects)  # the most projects first (stable: then by key)
    kinds.sort(key=lambda k: k.kind)
    projects, outputs, size, seconds, successful = totals
    deliverable_bytes, master_bytes = overall
    return Statistics(
        since=since.isoformat() if since else None,
        projects=projects,
        successful=successful,
        outputs=outputs,
        bytes=size,
        seconds=round(seconds, 2),
        master_bytes=master_bytes,
        deliverable_bytes=deliverable_bytes,
        by_month=tables["month"],
        by_preset=tables["preset"],
        by_tag=tables["tag"],
        by_kind=kinds,
    )
