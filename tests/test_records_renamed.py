"""An output renamed by a title edit (core/pipeline/records.py _unregister_renamed): the old name's row
goes and its file is removed, unless the old name is the new file (a title changed only in case, where
names ignore case), and only the rows of that operation are read. Real databases (SQLite and PostgreSQL), real files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import peewee
import pytest

from core.pipeline import records
from core.pipeline.plan import Operation
from db.connection import write_transaction
from db.fields import JsonField
from db.models import FileRegistry
from tests.test_db_support import make_session, raw

SESSION = "26-12-02_work_00000001"


def _op(path: Path, key: str = "still_hq:s001") -> Operation:
    return Operation(key, "still_hq", path, None, {"frame": 1}, scene=1)


def _register(op: Operation) -> None:
    if not op.output.exists():
        op.output.write_bytes(b"png")
    sha = hashlib.sha256(op.output.read_bytes()).hexdigest()
    records.register_output(SESSION, op, op.output.stat(), {}, sha, 1)


def _unregister(op: Operation) -> list[Path]:
    with write_transaction():
        return records._unregister_renamed(SESSION, op)


@pytest.mark.backends
def test_an_old_name_that_is_the_new_file_is_unregistered_but_not_removed(
    db: peewee.SqliteDatabase, tmp_path: Path
) -> None:
    make_session(SESSION, output_path=str(tmp_path))
    new = _op(tmp_path / "s001_foo_hq.png")
    _register(new)
    # the old spelling as a case-insensitive filesystem has it: the same directory entry (a link here)
    old = _op(tmp_path / "s001_Foo_hq.png")
    os.link(new.output, old.output)
    _register(old)
    assert _unregister(new) == []  # removing it would remove the file just made
    assert [r.file_path for r in FileRegistry.select()] == [str(new.output)]


@pytest.mark.backends
def test_an_old_name_of_another_file_is_unregistered_and_given_to_remove(
    db: peewee.SqliteDatabase, tmp_path: Path
) -> None:
    make_session(SESSION, output_path=str(tmp_path))
    old = _op(tmp_path / "s001_Foo_hq.png")
    _register(old)
    other = _op(tmp_path / "s002_hq.png", key="still_hq:s002")
    _register(other)
    new = _op(tmp_path / "s001_foo_hq.png")  # this filesystem tells case apart: two files
    new.output.write_bytes(b"new png")
    assert _unregister(new) == [old.output]
    assert [r.file_path for r in FileRegistry.select()] == [str(other.output)]


def test_names_equal_but_for_case_are_one_file_unless_the_folder_lists_both(tmp_path: Path) -> None:
    new, old = tmp_path / "a_foo.png", tmp_path / "a_Foo.png"
    new.write_bytes(b"new")
    # the write replaced the old spelling's entry (case-insensitive names): the old name is the new file
    assert records.same_file(old, new)
    old.write_bytes(b"old")  # a folder that tells case apart holds both: two files
    assert not records.same_file(old, new)
    assert not records.same_file(tmp_path / "a_bar.png", new)


@pytest.mark.backends
def test_only_the_operations_own_rows_are_read(
    db: peewee.SqliteDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_session(SESSION, output_path=str(tmp_path))
    for n in range(2, 60):
        _register(_op(tmp_path / f"s{n:03d}_hq.png", key=f"still_hq:s{n:03d}"))
    old = _op(tmp_path / "s001_Foo_hq.png")
    _register(old)
    # a row another tool wrote, its settings not JSON (the field would quote them): no key, no failure
    raw(
        db,
        "UPDATE file_registry SET compression_settings = 'not json' WHERE file_path = ?",
        (str(tmp_path / "s002_hq.png"),),
    )
    decoded: list[object] = []
    real = JsonField.python_value

    def counted(self: JsonField, value: object) -> object:
        decoded.append(value)
        return real(self, value)

    # counts the JSON decodes of the rows read (the registry's real rows, the real query)
    monkeypatch.setattr(JsonField, "python_value", counted)
    assert _unregister(_op(tmp_path / "s001_foo_hq.png")) == [old.output]
    assert len(decoded) <= 3  # the renamed row's JSON columns, not every row of the session
