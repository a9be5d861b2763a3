"""What a running session writes to the database: one operation_log row and one file_registry row
per operation (updated in place on a re-run, so a resumed session never duplicates them), and the
session's progress in processing_state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.plan import Operation
from db.connection import database
from db.fields import utc_now
from db.models import FileRegistry, OperationLog, ProcessingState


def log_operation(session_id: str, op: Operation, sequence: int, status: str, **fields: Any) -> None:
    row = OperationLog.get_or_none((OperationLog.session == session_id) & (OperationLog.operation_name == op.key))
    values = dict(operation_type=op.kind, sequence_number=sequence, status=status,
                  input_file=str(op.source) if op.source else None, **fields)
    if row is None:
        OperationLog.create(session=session_id, operation_name=op.key, **values)
    else:
        OperationLog.update(timestamp=utc_now(), **values).where(OperationLog.id == row.id).execute()


def register_output(session_id: str, op: Operation, size: int, info: dict, sha256: str, elapsed_ms: int) -> None:
    width, height = info.get("width"), info.get("height")
    values = dict(
        file_type=op.kind, file_category=op.category, file_size_bytes=size,
        file_format=op.output.suffix.lstrip(".").lower(),
        resolution=f"{width}x{height}" if width else None,
        aspect_ratio=f"{width / height:.4f}" if width and height else None,
        duration_seconds=info.get("duration"), frame_number=op.params.get("frame"),
        source_file=str(op.source) if op.source else None,
        compression_settings={"key": op.key, "params_hash": op.params_hash, "sha256": sha256,
                              "scene": op.scene, "group": op.group, "frames": info.get("frames")},
        processing_time_ms=elapsed_ms, has_metadata=bool(op.params.get("copyright")),
        metadata_embedded={"copyright": op.params.get("copyright"), "title": op.params.get("title")}
        if op.params.get("copyright") else None,
        file_exists=True, verified=True, created_at=utc_now(),
    )
    row = FileRegistry.get_or_none((FileRegistry.session == session_id) & (FileRegistry.file_path == str(op.output)))
    if row is None:
        FileRegistry.create(session=session_id, file_path=str(op.output), **values)
    else:
        FileRegistry.update(**values).where(FileRegistry.id == row.id).execute()


def registered_outputs(session_id: str) -> dict[str, FileRegistry]:
    return {r.file_path: r for r in FileRegistry.select().where(FileRegistry.session == session_id)}


def is_done(op: Operation, registry: dict[str, FileRegistry]) -> bool:
    """Skip on resume: registered, present with the registered size, made with the same parameters."""
    row = registry.get(str(op.output))
    if row is None or not row.verified:
        return False
    settings = row.compression_settings or {}
    try:
        size = Path(op.output).stat().st_size
    except OSError:
        return False
    return size == row.file_size_bytes and settings.get("params_hash") == op.params_hash


def update_session(session_id: str, **fields: Any) -> None:
    ProcessingState.update(**fields).where(ProcessingState.session_id == session_id).execute()


def finish_operation(session_id: str, op: Operation, sequence: int, size: int, info: dict, sha256: str,
                     started: str, elapsed: float, progress: dict) -> None:
    """Register the output, log the operation and move the session on, in one transaction."""
    with database.atomic("IMMEDIATE"):
        register_output(session_id, op, size, info, sha256, int(elapsed * 1000))
        log_operation(session_id, op, sequence, "completed", progress=1.0, start_time=started,
                      end_time=utc_now(), duration_seconds=round(elapsed, 3), output_files=[str(op.output)],
                      file_sizes={op.output.name: size}, settings_used=op.params, error_details=None)
        update_session(session_id, **progress)
