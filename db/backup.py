"""Timestamped copies of the database in backups/ beside it, keeping the last few of each kind (seed §8).

Three kinds, each named and counted on its own so that one never wears another away:
`<stem>_backup_*` (`vat db backup`), `<stem>_migration_*` (taken before a schema upgrade: the way back
from it) and `<stem>_retention_*` (taken before retention deletes: its undo window). Daily retention
would otherwise push the pre-migration copy out of a shared last ten within ten days.

SQLite's online backup API is used rather than a file copy: it takes a consistent snapshot that
includes what is still in the WAL file, even while other connections write. A PostgreSQL catalogue's
backups (db/pg_backup.py) share the names, the counting and the pruning; only their extension differs:
`.sql` (pg_dump) or `.json` (vat's logical export).
"""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from db.errors import EnvironmentProblem

KEEP_BACKUPS = 10  # of each kind

MANUAL = "backup"
MIGRATION = "migration"
RETENTION = "retention"
KINDS = (MANUAL, MIGRATION, RETENTION)

SQLITE_EXT = "db"
EXTENSIONS = (SQLITE_EXT, "sql", "json")  # a SQLite copy, a pg_dump script, a logical export


def backups_dir(db_path: Path) -> Path:
    return Path(db_path).parent / "backups"


def _name_pattern(db_path: Path, kind: str | None) -> re.Pattern:
    kinds = "|".join(KINDS) if kind is None else re.escape(kind)
    extensions = "|".join(EXTENSIONS)
    stem = re.escape(Path(db_path).stem)
    return re.compile(rf"^{stem}_(?:{kinds})_(\d{{8}}_\d{{6}})(?:_(\d+))?\.(?:{extensions})$")


def list_backups(db_path: Path, kind: str | None = None) -> list[Path]:
    """This database's backups of `kind` (None: every kind), oldest first (by the timestamp and
    counter in their names)."""
    folder = backups_dir(db_path)
    if not folder.is_dir():
        return []
    pattern = _name_pattern(db_path, kind)
    found = []
    for entry in folder.iterdir():
        match = pattern.match(entry.name)
        if match and _filled(entry):
            found.append(((match[1], int(match[2] or 1)), entry))
    return [entry for _, entry in sorted(found)]


def _filled(path: Path) -> bool:
    """Not a name reserved by a backup that was killed before its copy was renamed onto it (empty):
    such a file is no backup, and counting it would let pruning delete a real one."""
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def reserve_name(db_path: Path, kind: str, ext: str = SQLITE_EXT) -> Path:
    """Create an empty, not yet used `<stem>_<kind>_YYYYmmdd_HHMMSS[_n].<ext>` (UTC, so names sort in
    time); the counter runs over every extension, so no two backups share a stamp and number."""
    folder = backups_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = f"{datetime.now(timezone.utc):%Y%m%d_%H%M%S}"
    stem = f"{Path(db_path).stem}_{kind}_{stamp}"
    # Count on from the highest number used this second, never refill a gap left by pruning:
    # a refilled name would sort as older than the backups it follows.
    pattern = _name_pattern(db_path, kind)
    used = [int(m[2] or 1) for m in map(pattern.match, (p.name for p in folder.iterdir())) if m and m[1] == stamp]
    n = max(used, default=0) + 1
    while True:
        candidate = folder / (f"{stem}.{ext}" if n == 1 else f"{stem}_{n}.{ext}")
        try:
            candidate.open("x").close()  # exclusive create: two backups in one second never collide
            return candidate
        except FileExistsError:
            n += 1


def backup_database(source: sqlite3.Connection, db_path: Path, keep: int = KEEP_BACKUPS, kind: str = MANUAL) -> Path:
    """Copy the database open on `source` into backups/, then delete all but the newest `keep` of `kind`."""
    check_request(keep, kind)
    target = reserve_or_fail(db_path, kind)
    # copied under a hidden name, then renamed onto the reserved one: a kill never leaves a half copy
    # named like a backup (an empty reservation is no backup: list_backups skips it)
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.touch(mode=0o600)  # the whole catalogue: readable by its owner only
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        raise
    prune_backups(db_path, keep, kind)
    return target


def check_request(keep: int, kind: str) -> None:
    if keep < 1:
        raise ValueError("keep must be at least 1")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")


def reserve_or_fail(db_path: Path, kind: str, ext: str = SQLITE_EXT, shown: str | None = None) -> Path:
    """reserve_name(), an unwritable backups/ said in one line (EnvironmentProblem) naming `shown`
    (the database as it may be shown; default db_path)."""
    try:
        return reserve_name(db_path, kind, ext)
    except OSError as exc:
        raise EnvironmentProblem(
            f"cannot write a backup of {shown or db_path} in {backups_dir(db_path)}: {exc.strerror}"
        ) from exc


def prune_backups(db_path: Path, keep: int = KEEP_BACKUPS, kind: str = MANUAL) -> list[Path]:
    """Delete all but the newest `keep` backups of `kind` (never another kind's); returns the deleted paths."""
    backups = list_backups(db_path, kind)
    removed = backups[: max(len(backups) - keep, 0)]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed
