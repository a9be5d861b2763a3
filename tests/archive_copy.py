"""A test's own copy of a module's processed session: its folder copied, its database's paths moved to
the copy, that database made the test's ($VAT_DB). One real `vat run` per module, many tests on it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

# Every stored path that names a file of the archive (or its master, or R&D folder).
PATH_COLUMNS = (
    ("file_registry", "file_path"),
    ("file_registry", "source_file"),
    ("processing_state", "master_path"),
    ("processing_state", "output_path"),
    ("processing_state", "rd_folder_path"),
    ("processing_state", "process_metadata"),
    ("project_history", "output_path"),
    ("operation_log", "input_file"),
    ("root_paths", "path"),
)


def relocate(db_file: Path, old: str, new: str) -> None:
    """The copy's database names the copy's files (plain SQL on the real file: paths are text)."""
    with sqlite3.connect(db_file) as con:
        for table, column in PATH_COLUMNS:
            con.execute(f"UPDATE {table} SET {column} = replace({column}, ?, ?)", (old, new))  # noqa: S608
    con.close()


def archive_copy(archived: Path, tmp_path: Path, db_path: Path) -> Path:
    """A copy of the base folder ARCHIVED (its database state.db) in TMP_PATH, known to the test's
    database DB_PATH ($VAT_DB); returns the copy."""
    copy = tmp_path / "copy"
    shutil.copytree(archived, copy, ignore=shutil.ignore_patterns("state.db.locks"))
    relocate(copy / "state.db", str(archived), str(copy))
    shutil.move(copy / "state.db", db_path)
    return copy
