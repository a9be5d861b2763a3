"""Fixity: whether a session's registered outputs still hold what was registered (README: vat verify).

Each output is found (missing if not), read (unreadable if it is there but cannot be read: EACCES,
EIO), its size and SHA-256 compared with the registry's (modified if either differs) and, deep,
decoded as at write time (corrupt if it does not decode or is not what was recorded). A file found
corrupt stays corrupt for a plain check while its SHA-256 is unchanged: only decoding (--deep) or
writing it again (which clears the verdict) can clear it. The states go back to file_registry in one
transaction per session: check_state, checked_at, check_detail, and verified / file_exists, which
follow the check (so a resume makes a file found bad again, see records.is_done).

A project folder also carries checksums.sha256 (`sha256sum -c` format), so that it can be checked
without the database that made it (check_folder).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.catalogue.roots import resolve, resolver, this_host
from core.media.extensions import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from db.backend import bytewise, executemany
from db.connection import database, write_transaction
from db.fields import utc_now
from db.models import (
    CHECK_CORRUPT,
    CHECK_MISSING,
    CHECK_MODIFIED,
    CHECK_OK,
    CHECK_UNREADABLE,
    FileRegistry,
    OperationLog,
)

if TYPE_CHECKING:
    from core.pipeline.plan import Operation

# The decoders (PyAV, Pillow) and the plan are imported only for --deep: a plain check, like
# sha256sum, should cost its reading and hashing, not seconds of imports (bench/verify_bench.py).

CHECKSUMS_NAME = "checksums.sha256"
OK, MISSING, MODIFIED, CORRUPT, UNREADABLE = CHECK_OK, CHECK_MISSING, CHECK_MODIFIED, CHECK_CORRUPT, CHECK_UNREADABLE
STATES = (OK, MISSING, MODIFIED, CORRUPT, UNREADABLE)
CHUNK = 1 << 20  # 1 MiB reads: large files hash at the speed of sha256sum, small ones in one read


def sha256_file(path: Path | str, buffer: bytearray | None = None) -> str:
    """The file's SHA-256, read into one reused buffer (no allocation per chunk)."""
    digest = hashlib.sha256()
    buffer = buffer if buffer is not None else bytearray(CHUNK)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as fh:
        while True:
            count = fh.readinto(buffer)
            if not count:
                break
            digest.update(view[:count])
    return digest.hexdigest()


@dataclass
class FileCheck:
    path: str
    state: str  # ok, missing, modified, corrupt, unreadable
    detail: str = ""  # one line: what is wrong (empty when ok)

    @property
    def line(self) -> str:
        return f"{self.path}: {self.state}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class Checked:
    """One session's (or one folder's) outputs, checked."""

    root: Path
    session_id: str | None  # None: a folder checked from its checksums.sha256 alone
    files: list[FileCheck] = field(default_factory=list)
    # registered files gone that need not be here (delivery packs written outside the project
    # folder, core/catalogue/pack_check.py): reported, neither checked nor a problem
    delivered: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[FileCheck]:
        return [f for f in self.files if f.state != OK]

    def count(self, state: str) -> int:
        return sum(f.state == state for f in self.files)


# --- one file ----------------------------------------------------------------------------------
def check_file(
    path: Path, size: int | None, sha256: str | None, buffer: bytearray
) -> tuple[str, str, os.stat_result | None]:
    """(state, detail, stat) of one file against its recorded size and hash (size None: not recorded)."""
    try:
        stat = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return MISSING, "not found", None
    except OSError as exc:  # a folder on the way that cannot be searched: the file may well be there
        return UNREADABLE, f"cannot be read: {exc.strerror}", None
    if size is not None and stat.st_size != size:
        return MODIFIED, f"{stat.st_size:,} bytes, recorded {size:,}", stat
    if not sha256:
        return MODIFIED, "no SHA-256 recorded to compare with", stat
    try:
        actual = sha256_file(path, buffer)
    except OSError as exc:  # there, but its content cannot be known (permissions, a failing disk)
        return UNREADABLE, f"cannot be read: {exc.strerror}", stat
    if actual != sha256:
        return MODIFIED, f"SHA-256 {actual[:12]}..., recorded {sha256[:12]}...", stat
    return OK, "", stat


def _kind_of(relative: Path) -> str:
    """How a file listed in checksums.sha256 is decoded: the master copy is only demuxed, as when written."""
    suffix = relative.suffix.lower()
    if relative.name.lower().endswith(".chapters.vtt"):
        return "chapters"  # a master copy's chapters sidecar: it must read as WebVTT chapters
    if suffix in VIDEO_EXTENSIONS and relative.parts[0] == "masters":
        return "master"
    if suffix in IMAGE_EXTENSIONS:
        return "still_hq"
    if suffix in VIDEO_EXTENSIONS:
        return "rd_video"
    return "other"


def decode_problem(op: Operation, resolution: str | None = None) -> str | None:
    """Decode the file as verification did when it was written (core/media/verify.py); None if it holds."""
    from core.media.verify import VerificationError, verify

    if op.output.suffix.lower() == ".json":
        try:
            json.loads(op.output.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            return f"not valid JSON ({exc})"
        return None
    try:
        info = verify(op, op.output)
    except VerificationError as exc:
        return exc.message.split(": verification failed: ", 1)[-1]
    except Exception as exc:  # a broken file may break a decoder in any way: it is corrupt, not a crash
        return f"does not decode ({type(exc).__name__}: {exc})"
    shown = f"{info['width']}x{info['height']}" if info.get("width") else None
    if resolution and shown and shown != resolution:  # the displayed size, as registered
        return f"size {shown}, recorded {resolution}"
    return None


def _operation_of(row: Any, path: Path, params: dict) -> Operation:
    """The checks of write time, from what the registry and the operation log recorded: the decoding,
    frame count, duration and embedded copyright (not the clip's end frames: those need the master)."""
    from core.pipeline.plan import Expected, Operation

    settings = row.compression_settings or {}
    frames = settings.get("frames")
    exact = row.file_type == "clip"
    return Operation(
        settings.get("key") or row.file_path,
        row.file_type,
        path,
        None,
        params,
        Expected(frames=frames, duration=row.duration_seconds, frames_exact=exact),
    )


# --- a session ---------------------------------------------------------------------------------
def check_session(session_id: str, root: Path, deep: bool = False) -> Checked:
    """Check every registered output of the session and record the states (one transaction). Each is
    looked for where it is on this machine (resolved through the storage roots), and named so."""
    # only the columns a check reads, as light rows: whole model instances cost more than hashing small files
    rows = list(
        FileRegistry.select(
            FileRegistry.id,
            FileRegistry.file_path,
            FileRegistry.file_type,
            FileRegistry.file_size_bytes,
            FileRegistry.compression_settings,
            FileRegistry.resolution,
            FileRegistry.duration_seconds,
            FileRegistry.check_state,
            FileRegistry.check_detail,
        )
        .where(FileRegistry.session == session_id)
        .order_by(bytewise(database, FileRegistry.file_path))
        .namedtuples()
    )
    params: dict[str, dict] = {}
    if deep:
        params = {
            r.operation_name: r.settings_used or {}
            for r in OperationLog.select(OperationLog.operation_name, OperationLog.settings_used).where(
                OperationLog.session == session_id
            )
        }
    result = Checked(root, session_id)
    buffer = bytearray(CHUNK)
    updates: list[tuple[int, str, str, dict | None]] = []
    snapshot, host = resolver(), this_host()
    for row in rows:
        settings = row.compression_settings or {}
        path = snapshot.resolve(row.file_path, host)  # where it is on this machine (storage roots)
        state, detail, stat = check_file(path, row.file_size_bytes, settings.get("sha256"), buffer)
        if state == OK and deep:
            op = _operation_of(row, path, params.get(settings.get("key") or "", {}))
            problem = decode_problem(op, row.resolution)
            if problem:
                state, detail = CORRUPT, problem
        elif state == OK and row.check_state == CORRUPT:
            # the bytes that failed to decode are still these: hashing cannot clear what decoding found
            state, detail = CORRUPT, row.check_detail or "found corrupt by vat verify --deep"
        new_settings = None
        if state == OK and stat is not None and settings.get("mtime_ns") != stat.st_mtime_ns:
            new_settings = {**settings, "mtime_ns": stat.st_mtime_ns}  # same content: resume's stat trusts it again
        result.files.append(FileCheck(str(path), state, detail))
        updates.append((row.id, state, detail, new_settings))
    record_states(updates)
    return result


def record_states(updates: Iterable[tuple[int, str, str, dict | None]]) -> None:
    """One transaction, one prepared statement for all rows: building a peewee query per row would cost
    more than hashing a small file. file_exists is false only for a file found missing (an unreadable
    one is there)."""
    now = FileRegistry.checked_at.db_value(utc_now())
    table = FileRegistry._meta.table_name
    columns = "check_state = ?, checked_at = ?, check_detail = ?, verified = ?, file_exists = ?"
    plain, touched = [], []
    for row_id, state, detail, new_settings in updates:
        values = (state, now, detail or None, state == OK, state != MISSING)
        if new_settings is None:
            plain.append((*values, row_id))
        else:
            touched.append((*values, FileRegistry.compression_settings.db_value(new_settings), row_id))
    with write_transaction():
        executemany(database, f"UPDATE {table} SET {columns} WHERE id = ?", plain)  # noqa: S608
        executemany(database, f"UPDATE {table} SET {columns}, compression_settings = ? WHERE id = ?", touched)  # noqa: S608


# --- checksums.sha256 --------------------------------------------------------------------------
def checksum_lines(session_id: str, root: Path) -> list[str]:
    """`<hex>  <path relative to the folder>` for each registered output in the folder, sorted by path."""
    entries = []
    for row in FileRegistry.select(FileRegistry.file_path, FileRegistry.compression_settings).where(
        FileRegistry.session == session_id
    ):
        digest = (row.compression_settings or {}).get("sha256")
        path = resolve(row.file_path)  # the root is this machine's: so are the paths (storage roots)
        if digest and path.is_relative_to(root):
            entries.append((path.relative_to(root).as_posix(), digest))
    return [checksum_line(digest, relative) for relative, digest in sorted(entries)]


def checksum_line(digest: str, name: str) -> str:
    """One line as sha256sum writes it: a name holding a backslash, newline or carriage return is
    escaped (\\, \n, \r) and its line starts with a backslash."""
    if not any(c in name for c in "\\\n\r"):
        return f"{digest}  {name}"
    escaped = name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
    return f"\\{digest}  {escaped}"


_ESCAPES = {"\\": "\\", "n": "\n", "r": "\r"}


def unescape_name(name: str) -> str | None:
    """The name of an escaped line (one that starts with a backslash), as `sha256sum -c` reads it;
    None when it holds another escape or ends in a lone backslash (sha256sum rejects those too)."""
    out, chars = [], iter(name)
    for c in chars:
        if c != "\\":
            out.append(c)
            continue
        following = _ESCAPES.get(next(chars, ""))
        if following is None:
            return None
        out.append(following)
    return "".join(out)


def write_checksums(session_id: str, root: Path) -> Path | None:
    """Write (or, with nothing registered, remove) the folder's checksums.sha256, atomically: a temporary
    file beside it renamed over it, so that the folder never holds a partial one."""
    from core.pipeline.execute import temporary_path  # hidden, and removed by remove_stray_temporaries

    final = root / CHECKSUMS_NAME
    lines = checksum_lines(session_id, root)
    if not lines:
        final.unlink(missing_ok=True)
        return None
    tmp = temporary_path(final)
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(lines) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


class ChecksumsError(ValueError):
    pass


def read_checksums(root: Path) -> list[tuple[str, str]]:
    """(hex, relative path) of each line of the folder's checksums.sha256 (text or binary mode lines,
    and escaped ones: a leading backslash, then \\\\, \\n or \\r in the name, as sha256sum writes them)."""
    path = root / CHECKSUMS_NAME
    entries = []
    # only \n ends a line (read_text would end one at a bare \r too); a line's \r\n end is taken off
    text = path.read_bytes().decode("utf-8")
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        escaped = line.startswith("\\")
        digest, sep, name = line[escaped:].partition(" ")
        if not sep or len(digest) != 64 or name[:1] not in (" ", "*"):
            raise ChecksumsError(f"{path}: line {number} is not in sha256sum's format (a SHA-256, two spaces, a path)")
        name = name[1:]
        if escaped:
            unescaped = unescape_name(name)
            if unescaped is None:
                raise ChecksumsError(
                    f"{path}: line {number} has an escape sha256sum does not write (only \\\\, \\n and \\r)"
                )
            name = unescaped
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise ChecksumsError(f"{path}: line {number} names a file outside the folder: {name}")
        entries.append((digest.lower(), name))
    return entries


def check_folder(root: Path, deep: bool = False) -> Checked:
    """A project folder checked from its checksums.sha256 alone (the database does not know it)."""
    result = Checked(root, None)
    buffer = bytearray(CHUNK)
    for digest, name in read_checksums(root):
        path = root / name
        state, detail, _ = check_file(path, None, digest, buffer)
        if state == OK and deep:
            kind = _kind_of(Path(name))
            if kind != "other" or path.suffix.lower() == ".json":
                from core.pipeline.plan import Operation

                problem = decode_problem(Operation(name, kind, path, None, {}))
                if problem:
                    state, detail = CORRUPT, problem
        result.files.append(FileCheck(str(path), state, detail))
    return result
