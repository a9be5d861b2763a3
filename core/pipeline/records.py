"""What a running session writes to the database: one operation_log row and one file_registry row
per operation (updated in place on a re-run, so a resumed session never duplicates them), and the
session's progress in processing_state.

A re-run keeps what came before: operation_log.attempts counts the runs of an operation and
error_history lists every failure ({"at", "error"}, oldest first; the latest is error_details too),
so a later success does not erase an earlier failure.

Resume trusts an output's content, not its size: each row records the file's SHA-256, size and
modification time (ns). A file whose size and time are unchanged is trusted without reading it (so
checking thousands of outputs takes a stat each); any other is hashed again and made again unless
its SHA-256 is the recorded one. Damage that keeps both size and time (a deliberate `touch -d` back)
is not seen here: re-hashing everything is a full verification's job (`vat verify`, core/pipeline/fixity.py).
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import peewee

from core.catalogue.roots import resolve, resolver, this_host
from core.pipeline.plan import Operation
from db.backend import json_valid, json_value
from db.connection import database, write_transaction
from db.fields import utc_now
from db.models import FileRegistry, OperationLog, ProcessingState

log = logging.getLogger(__name__)


def log_operation(session_id: str, op: Operation, sequence: int, status: str, **fields: Any) -> None:
    row = OperationLog.get_or_none((OperationLog.session == session_id) & (OperationLog.operation_name == op.key))
    values = dict(
        operation_type=op.kind,
        sequence_number=sequence,
        status=status,
        input_file=str(op.source) if op.source else None,
        **fields,
    )
    if row is None:
        OperationLog.create(session=session_id, operation_name=op.key, **values)
    else:
        OperationLog.update(timestamp=utc_now(), **values).where(OperationLog.id == row.id).execute()


def start_operation(session_id: str, op: Operation, sequence: int, started: str, node: str | None = None) -> None:
    """The row as a run of `op` begins: one more attempt, and nothing left from the last run's end.
    `node`: the render node making it ("host:pid"), none for the local pool."""
    values = dict(
        operation_type=op.kind,
        sequence_number=sequence,
        status="processing",
        input_file=str(op.source) if op.source else None,
        progress=0.0,
        start_time=started,
        end_time=None,
        duration_seconds=None,
        settings_used=op.params,
        error_details=None,
        cpu_usage=None,
        gpu_usage=None,
        memory_usage=None,
        warning_messages=None,
        node=node,
    )
    with write_transaction():  # read then write: take the write lock first
        row = OperationLog.get_or_none((OperationLog.session == session_id) & (OperationLog.operation_name == op.key))
        if row is None:
            OperationLog.create(session=session_id, operation_name=op.key, attempts=1, **values)
        else:
            # NULL: a row from before attempts were counted (one run); 0: sent to the farm, not run yet
            attempts = (1 if row.attempts is None else row.attempts) + 1
            OperationLog.update(timestamp=utc_now(), attempts=attempts, **values).where(
                OperationLog.id == row.id
            ).execute()


def fail_operation(session_id: str, op: Operation, sequence: int, message: str, **fields: Any) -> None:
    """The run failed: error_details says why, and error_history keeps it after a later success."""
    now = utc_now()
    with write_transaction():
        row = OperationLog.get_or_none((OperationLog.session == session_id) & (OperationLog.operation_name == op.key))
        history = list(row.error_history or []) if row is not None else []
        history.append({"at": now, "error": message})
        log_operation(
            session_id, op, sequence, "failed", end_time=now, error_details=message, error_history=history, **fields
        )


def give_back_operation(session_id: str, key: str, node: str | None) -> None:
    """The operation's row pending again, where it is still this maker's (processing, by `node`): a row
    another maker has taken since is left to it."""
    maker = OperationLog.node.is_null() if node is None else OperationLog.node == node
    OperationLog.update(status="pending", progress=0.0, timestamp=utc_now()).where(
        (OperationLog.session == session_id)
        & (OperationLog.operation_name == key)
        & (OperationLog.status == "processing")
        & maker
    ).execute()


def fail_unmade(session_id: str, key: str, message: str, node: str | None) -> bool:
    """An operation a render node could not even begin (its plan, its master, the storage out of reach for
    good): its row, if not made meanwhile, says failed and why, so that its coordinator ends naming it
    rather than waiting for it. True when a row was marked."""
    now = utc_now()
    with write_transaction():
        row = OperationLog.get_or_none((OperationLog.session == session_id) & (OperationLog.operation_name == key))
        if row is None or row.status not in ("pending", "processing"):
            return False
        history = [*(row.error_history or []), {"at": now, "error": message}]
        OperationLog.update(
            status="failed", end_time=now, error_details=message, error_history=history, node=node, timestamp=now
        ).where(OperationLog.id == row.id).execute()
    return True


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# a session's rows by their operation key, read once when a run starts (rows_by_key)
Earlier = dict[str, list[tuple[int, str]]]


def rows_by_key(session_id: str) -> Earlier:
    """The session's registered rows (id, path) by operation key, in one pass. A run reads it once at
    its start: a row of an operation at another path than the one it writes now can only be from an
    earlier run, so the look-ups of each finished operation need not scan the session's rows again
    (12,000 of them for 3,000 scenes: 30 ms an output, growing with the session)."""
    keyed: Earlier = {}
    query = FileRegistry.select(FileRegistry.id, FileRegistry.file_path, FileRegistry.compression_settings)
    for row in query.where(FileRegistry.session == session_id):
        key = row.compression_settings.get("key") if isinstance(row.compression_settings, dict) else None
        if key is not None:
            keyed.setdefault(key, []).append((row.id, row.file_path))
    return keyed


def _same_key_rows(session_id: str, op: Operation, earlier: Earlier | None) -> list[FileRegistry]:
    """The rows registered under the operation's key, from the run's snapshot when there is one."""
    if earlier is None:
        return list(FileRegistry.select().where((FileRegistry.session == session_id) & (_registered_key() == op.key)))
    ids = [row_id for row_id, _ in earlier.get(op.key, [])]
    return list(FileRegistry.select().where(FileRegistry.id.in_(ids))) if ids else []


def register_output(
    session_id: str,
    op: Operation,
    stat: os.stat_result,
    info: dict,
    sha256: str,
    elapsed_ms: int,
    earlier: Earlier | None = None,
) -> None:
    """`stat` is the final file's, taken after the rename (the time resume compares against)."""
    width, height = info.get("width"), info.get("height")
    values = dict(
        file_type=op.kind,
        file_category=op.category,
        file_size_bytes=stat.st_size,
        file_format=op.output.suffix.lstrip(".").lower(),
        resolution=f"{width}x{height}" if width else None,
        aspect_ratio=f"{width / height:.4f}" if width and height else None,
        duration_seconds=info.get("duration"),
        frame_number=op.params.get("frame"),
        source_file=str(op.source) if op.source else None,
        # mtime_ns in the JSON, not a column of its own: no migration for one value only resume reads
        compression_settings={
            "key": op.key,
            "params_hash": op.params_hash,
            "sha256": sha256,
            "mtime_ns": stat.st_mtime_ns,
            "scene": op.scene,
            "group": op.group,
            "frames": info.get("frames"),
        },
        processing_time_ms=elapsed_ms,
        has_metadata=bool(op.params.get("copyright")),
        metadata_embedded={key: op.params[key] for key in ("copyright", "title", "credits") if op.params.get(key)}
        if op.params.get("copyright")
        else None,
        file_exists=True,
        verified=True,
        created_at=utc_now(),
        # a file written again has not been checked since: the last check's verdict was another file's
        check_state=None,
        checked_at=None,
        check_detail=None,
    )
    row = registered_row(session_id, op, earlier)
    if row is None:
        FileRegistry.create(session=session_id, file_path=str(op.output), **values)
    else:  # a file made again is registered where it was written (the archive may have moved: roots)
        FileRegistry.update(file_path=str(op.output), **values).where(FileRegistry.id == row.id).execute()


def registered_row(session_id: str, op: Operation, earlier: Earlier | None = None) -> FileRegistry | None:
    """The row of the operation's output: registered at its path, or at a path that resolves to it
    through the storage roots (written before the archive moved, or on another machine)."""
    row = FileRegistry.get_or_none((FileRegistry.session == session_id) & (FileRegistry.file_path == str(op.output)))
    if row is not None:
        return row
    return next((r for r in _same_key_rows(session_id, op, earlier) if resolve(r.file_path) == op.output), None)


# what is_done and content_unchanged read of a row: resume reads every row of the session (12,000 for
# 3,000 scenes), and a row with every column costs four times as much to make
_CHECKED = (
    FileRegistry.id,
    FileRegistry.file_path,
    FileRegistry.file_size_bytes,
    FileRegistry.verified,
    FileRegistry.compression_settings,
)


def registered_outputs(session_id: str) -> dict[str, FileRegistry]:
    """The session's rows by where their files are on this machine (resolved through the storage roots),
    with the columns is_done reads (_CHECKED)."""
    snapshot, host = resolver(), this_host()
    return {
        str(snapshot.resolve(r.file_path, host)): r
        for r in FileRegistry.select(*_CHECKED).where(FileRegistry.session == session_id)
    }


def is_done(op: Operation, registry: dict[str, FileRegistry]) -> bool:
    """Skip on resume: registered, made with the same parameters, and its content unchanged."""
    row = registry.get(str(op.output))
    if row is None or not row.verified:
        return False
    if (row.compression_settings or {}).get("params_hash") != op.params_hash:
        return False
    return content_unchanged(row, op.output)  # the registry's key: where the row's file is, resolved


def content_unchanged(row: FileRegistry, path: Path | None = None) -> bool:
    """Whether the registered file still holds what was registered (see the module's note).

    A file that was only touched (same SHA-256, new time) is kept and its new time recorded, so the
    next check is a stat again; a row from before times were recorded is hashed once, likewise.
    """
    settings = row.compression_settings or {}
    path = resolve(row.file_path) if path is None else path  # `path`: resolved already by the caller
    try:
        stat = os.stat(path)
    except OSError:
        return False
    if stat.st_size != row.file_size_bytes or not settings.get("sha256"):
        return False  # another size is other content; no recorded hash, nothing to trust
    if stat.st_mtime_ns == settings.get("mtime_ns"):
        return True
    try:
        if sha256_of(path) != settings["sha256"]:
            return False
    except OSError:
        return False
    settings = {**settings, "mtime_ns": stat.st_mtime_ns}
    FileRegistry.update(compression_settings=settings).where(FileRegistry.id == row.id).execute()
    row.compression_settings = settings
    return True


def changed_outputs(session_id: str) -> list[str]:
    """The registered outputs of a session that are missing or no longer hold what was registered
    (also those that `vat verify` found so: it unsets verified, and is_done makes them again)."""
    return [
        path
        for path, row in sorted(registered_outputs(session_id).items())
        if not row.verified or not content_unchanged(row, Path(path))
    ]


def update_session(session_id: str, **fields: Any) -> None:
    ProcessingState.update(**fields).where(ProcessingState.session_id == session_id).execute()


def _unregister_renamed(session_id: str, op: Operation, earlier: Earlier | None = None) -> list[Path]:
    """The same operation's earlier output under another name (a title in the preset's file-name
    template changed): its row goes, and the caller removes the file, which this one replaces. The
    rows are picked by their operation key (from the run's snapshot, else in SQL): a finished operation
    touches only its own, not every row of the session (this runs inside each operation's write
    transaction)."""
    rows = [row for row in _same_key_rows(session_id, op, earlier) if row.file_path != str(op.output)]
    for row in rows:
        row.delete_instance()
    # a title that only changed case names the same file where names ignore case (macOS, Windows):
    # the row of the old spelling goes all the same, the file (the one just made) stays
    old = [resolve(row.file_path) for row in rows]  # where they are on this machine (roots)
    return [path for path in old if not same_file(path, op.output)]


def _registered_key() -> peewee.Node:
    """A registry row's operation key, read in SQL (a row whose settings are not JSON, written by
    another tool, has none rather than failing the query)."""
    settings = FileRegistry.compression_settings
    return peewee.Case(None, [(json_valid(database, settings), json_value(database, settings, "key"))], None)


def same_file(old: Path, new: Path) -> bool:
    """Whether the old name is the new file: the same directory entry (a name that differs only in case
    where names ignore it: macOS, Windows), or a name equal but for case that the folder no longer lists
    as an entry of its own (the write replaced it), where removing it would remove the new file."""
    try:
        if os.path.samefile(old, new):
            return True
    except OSError:
        pass
    if str(old).casefold() != str(new).casefold():
        return False
    try:
        return old.name not in os.listdir(old.parent)
    except OSError:
        return True  # not listed: nothing of its own to remove


def _remove_file(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("%s: the output's earlier name is not removed (%s)", path, exc.strerror or exc)


def finish_operation(
    session_id: str,
    op: Operation,
    sequence: int,
    stat: os.stat_result,
    info: dict,
    sha256: str,
    started: str,
    elapsed: float,
    progress: dict,
    usage: dict | None = None,
    earlier: Earlier | None = None,
) -> None:
    """Register the output, log the operation and move the session on, in one transaction.

    `usage` holds the resource columns (core/pipeline/measure.py); `earlier`, the run's rows_by_key."""
    size = stat.st_size
    with write_transaction():
        register_output(session_id, op, stat, info, sha256, int(elapsed * 1000), earlier)
        log_operation(
            session_id,
            op,
            sequence,
            "completed",
            progress=1.0,
            start_time=started,
            end_time=utc_now(),
            duration_seconds=round(elapsed, 3),
            output_files=[str(op.output)],
            file_sizes={op.output.name: size},
            settings_used=op.params,
            error_details=None,
            **(usage or {}),
        )
        if progress:  # a render node's: the coordinator follows the session's progress (core/farm)
            update_session(session_id, **progress)
        renamed = _unregister_renamed(session_id, op, earlier)
    for old in renamed:  # after the commit: a crash between leaves a stray file, never a row without one
        _remove_file(old)
