"""Statistics of every completed project, beyond the project_statistics view's 30 days: per month,
per preset, per project tag, outputs by kind, and the compression achieved.

Projects are the history's rows, the archived ones included (vat db cleanup moves rows older than
90 days to project_history_archive: a year's statistics must still count them), each once, filtered
by when they completed. Every figure is summed by the database (GROUP BY), never row by row here.

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
from db.connection import database

BY = ("month", "preset", "tag", "kind")
FROM_MASTER = ("clip", "still_hq", "still_web", "thumbnail")

# The history, live and archived, each session once (a live row wins), completed since :since.
_PROJECTS = """
    SELECT session_id, completed_at, preset_used, total_files_created, total_output_size_mb,
           total_processing_time_seconds, master_size_mb, completed_successfully
    FROM project_history WHERE completed_at >= ?
    UNION ALL
    SELECT session_id, completed_at, preset_used, total_files_created, total_output_size_mb,
           total_processing_time_seconds, master_size_mb, completed_successfully
    FROM project_history_archive
    WHERE completed_at >= ? AND session_id NOT IN (SELECT session_id FROM project_history)
"""

# the figures every grouping gives, over a `p` of _PROJECTS
_FIGURES = """
    COUNT(*) AS projects,
    COALESCE(SUM(p.total_files_created), 0) AS outputs,
    CAST(ROUND(COALESCE(SUM(p.total_output_size_mb), 0) * 1000000) AS INTEGER) AS bytes,
    COALESCE(SUM(p.total_processing_time_seconds), 0) AS seconds
"""


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


def _rows(sql: str, params: tuple) -> list[tuple]:
    return list(database.execute_sql(sql, params).fetchall())


def _grouped(key: str, params: tuple, join: str = "", order: str = "key") -> list[Row]:
    sql = f"SELECT {key} AS key, {_FIGURES} FROM ({_PROJECTS}) AS p {join} GROUP BY 1 ORDER BY {order}"  # noqa: S608
    return [Row(k if k is not None else "-", n, o, b, round(s, 2)) for k, n, o, b, s in _rows(sql, params)]


def by_kind(params: tuple) -> tuple[list[KindRow], int, int]:
    """Per kind: its outputs' count and bytes, and the masters of the projects that made it; and,
    overall, (deliverable bytes, master bytes) of the projects with both (as each row's ratio is
    computed). One statement, file_registry read once (grouped per session and kind, materialized),
    the overall figures as its last row (kind NULL: file_type never is)."""
    marks = ",".join("?" * len(NOT_DELIVERABLES))
    sql = f"""
        WITH per AS MATERIALIZED (
                SELECT session_id, file_type, COUNT(*) AS n, COALESCE(SUM(file_size_bytes), 0) AS b
                FROM file_registry GROUP BY session_id, file_type),
             p AS MATERIALIZED ({_PROJECTS}),
             joined AS (SELECT per.*, p.master_size_mb AS m FROM per JOIN p ON p.session_id = per.session_id)
        SELECT file_type, SUM(n), SUM(b), CAST(ROUND(SUM(m) * 1000000) AS INTEGER)
        FROM joined GROUP BY file_type
        UNION ALL
        SELECT NULL, NULL, COALESCE(SUM(d), 0), CAST(ROUND(COALESCE(SUM(m), 0) * 1000000) AS INTEGER)
        FROM (SELECT session_id, m, SUM(b) AS d FROM joined WHERE file_type NOT IN ({marks}) GROUP BY session_id)
        WHERE m > 0 AND d > 0
    """  # noqa: S608
    rows = _rows(sql, (*params, *NOT_DELIVERABLES))
    kinds = list(
        KindRow(kind, count, size, masters if kind in FROM_MASTER else None)
        for kind, count, size, masters in rows
        if kind is not None
    )
    kinds.sort(key=lambda k: k.kind)
    _, _, deliverable_bytes, master_bytes = next(row for row in rows if row[0] is None)
    return kinds, deliverable_bytes, master_bytes


def statistics(since: date | None = None) -> Statistics:
    """Every table, over the projects completed on or after `since` (every project when None)."""
    start = since.isoformat() if since else ""
    params = (start, start)  # _PROJECTS' two halves
    totals_sql = f"""
        SELECT {_FIGURES}, COALESCE(SUM(p.completed_successfully), 0),
               CAST(ROUND(COALESCE(SUM(p.master_size_mb), 0) * 1000000) AS INTEGER)
        FROM ({_PROJECTS}) AS p
    """  # noqa: S608
    projects, outputs, size, seconds, successful, _ = _rows(totals_sql, params)[0]
    kinds, deliverable_bytes, master_bytes = by_kind(params)
    tag = "CASE WHEN t.namespace = '' THEN t.value ELSE t.namespace || ':' || t.value END"
    return Statistics(
        since=since.isoformat() if since else None,
        projects=projects,
        successful=successful,
        outputs=outputs,
        bytes=size,
        seconds=round(seconds, 2),
        master_bytes=master_bytes,
        deliverable_bytes=deliverable_bytes,
        by_month=_grouped("substr(p.completed_at, 1, 7)", params),
        by_preset=_grouped("p.preset_used", params),
        by_tag=_grouped(
            tag,
            params,
            "JOIN tags AS t ON t.session_id = p.session_id AND t.scene_start_frame IS NULL",
            "projects DESC, key",
        ),
        by_kind=kinds,
    )
