"""The source master's SHA-256, taken once per session (processing_state.master_sha256, the manifest's
"master_sha256"): what tells that a master is already archived, and what a fixity check of the
master copy compares against. Read in chunks, so a master of any size needs little memory, and
stoppable between chunks."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import Path

from core.errors import Cancelled, MediaError
from db.models import ProcessingState

CHUNK = 4 << 20  # large enough that hashing, not the per-read cost, is what the time goes to
SLOW_BYTES = 2 << 30  # a master this large takes seconds to hash: the run says so first


def sha256_file(
    path: Path,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> str:
    """The file's SHA-256 (hex). on_progress(bytes read, size) after each chunk; Cancelled when asked."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    done = 0
    try:
        size = path.stat().st_size
        with open(path, "rb", buffering=0) as fh:
            while count := fh.readinto(buffer):
                digest.update(view[:count])
                done += count
                if cancel is not None and cancel.is_set():
                    raise Cancelled("hashing the master was stopped")
                if on_progress is not None:
                    on_progress(done, size)
    except OSError as exc:
        raise MediaError(f"{path}: cannot read the master to hash it ({exc.strerror})") from None
    return digest.hexdigest()


def ensure_master_hash(session: ProcessingState, cancel: threading.Event | None = None) -> str:
    """The session's master hash: the recorded one, else hashed now and recorded (never twice)."""
    if session.master_sha256:
        return session.master_sha256
    from core.catalogue.roots import resolve

    digest = sha256_file(resolve(session.master_path), cancel=cancel)  # where it is now (storage roots)
    record_master_hash(session, digest)
    return digest


def record_master_hash(session: ProcessingState, digest: str) -> None:
    ProcessingState.update(master_sha256=digest).where(
        (ProcessingState.id == session.id) & ProcessingState.master_sha256.is_null()
    ).execute()
    session.master_sha256 = digest
