"""Storage roots: named places (a NAS) that every machine mounts at its own path, so that stored paths
survive a move (README: Storage roots).

Stored paths stay absolute where they are (processing_state, file_registry, project_history, packs):
every reader keeps working and the SQL views too. What makes them survive a move is the roots and
root_paths tables: a root has a current path per machine (host name, VAT_HOST overrides it) and keeps
every earlier one (replaced_at set when it moved). A stored path that lies under any path a root ever
had, on any host, resolves to the same relative path under the root's current path on this machine;
the longest such path wins (nested roots), by whole folders (/mnt/arch does not hold /mnt/archive/x),
and of two equal paths a current one before an earlier one.
A root added after sessions were written covers them at once: their paths lie under its path.

resolve() runs per file (vat verify, resume's skip test), so the rows are kept per process and read
again only when the tables changed (their row count, last id or last replacement), looked at no more
than once a second; this process's own changes are seen at once.
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.catalogue.collation import binary
from core.errors import BadInput
from core.text import terminal_safe
from db.connection import database, write_transaction
from db.fields import utc_now
from db.models import FileRegistry, ProcessingState, Root, RootPath

NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
RECHECK_SECONDS = 1.0  # how stale another process's change to the roots may be seen here


def this_host() -> str:
    """The machine's name as roots know it: VAT_HOST when set (tests, a machine that changes names), else
    the host name."""
    return os.environ.get("VAT_HOST") or socket.gethostname()


def _norm(path: str | Path) -> str:
    return os.path.normpath(str(path))


@dataclass(frozen=True)
class _Entry:
    prefix: str  # normalised
    root_id: int
    current: bool
    row_id: int


@dataclass
class _Snapshot:
    """Every path every root ever had, and each root's current path per host."""

    entries: list[_Entry]
    current: dict[tuple[int, str], str]  # (root id, host) -> path
    names: dict[int, str]
    by_prefix: dict[str, _Entry] = field(default_factory=dict)  # of equal paths: current first, newest

    def __post_init__(self) -> None:
        for entry in sorted(self.entries, key=lambda e: (e.current, e.row_id)):
            self.by_prefix[entry.prefix] = entry  # the preferred one comes last and stays

    def _match(self, text: str) -> _Entry | None:
        """The root path that holds `text` (normalised, absolute), the longest: its folders looked up
        from the deepest, a dictionary look-up each (resolve runs per file)."""
        probe = text
        while True:
            entry = self.by_prefix.get(probe)
            if entry is not None:
                return entry
            cut = probe.rfind(os.sep)
            if cut <= 0:
                return self.by_prefix.get(os.sep) if probe != os.sep else None
            probe = probe[:cut]

    def root_of(self, stored: str) -> int | None:
        entry = self._match(_norm(stored)) if self.by_prefix else None
        return entry.root_id if entry is not None else None

    def portable(self, stored: str | Path) -> str | None:
        """'<root name>/<relative path>' of an absolute path under a root (any path it ever had, on any
        host): the same text on every machine that mounts the root; None when no root holds it."""
        text = _norm(stored)
        entry = self._match(text) if self.by_prefix and os.path.isabs(text) else None
        if entry is None:
            return None
        rest = text[len(entry.prefix) :].lstrip(os.sep)
        name = self.names.get(entry.root_id, str(entry.root_id))
        return f"{name}/{rest}" if rest else name

    def resolve(self, stored: str | Path, host: str) -> Path:
        if not self.by_prefix:
            return Path(stored)
        text = _norm(stored)
        if not os.path.isabs(text):
            return Path(stored)
        entry = self._match(text)
        here = self.current.get((entry.root_id, host)) if entry is not None else None
        if entry is None or here is None:
            return Path(stored)  # no root holds it, or this machine does not mount the root: as stored
        rest = text[len(entry.prefix) :].lstrip(os.sep)
        return Path(here, rest) if rest else Path(here)


def _read_snapshot() -> _Snapshot:
    # plain rows: (id, root id, host, path, replaced_at)
    rows = list(database.execute_sql("SELECT id, root_id, host, path, replaced_at FROM root_paths").fetchall())
    entries = [_Entry(_norm(path), root_id, replaced is None, row_id) for row_id, root_id, _, path, replaced in rows]
    current = {(root_id, host): _norm(path) for _, root_id, host, path, replaced in rows if replaced is None}
    names = {r.id: r.name for r in Root.select(Root.id, Root.name).namedtuples()}
    return _Snapshot(entries, current, names)


def _stamp() -> tuple:
    cursor = database.execute_sql("SELECT count(*), max(id), max(replaced_at) FROM root_paths")
    return (database.database, *cursor.fetchone())


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple | None = None
        self.snapshot: _Snapshot | None = None
        self.checked = 0.0

    def get(self) -> _Snapshot:
        now = time.monotonic()
        with self.lock:
            snapshot = self.snapshot
            fresh = (
                snapshot is not None
                and now - self.checked < RECHECK_SECONDS
                and self.key
                and self.key[0] == database.database
            )
            if fresh:
                assert snapshot is not None
                return snapshot
            key = _stamp()
            if snapshot is None or key != self.key:
                snapshot = _read_snapshot()
                self.snapshot, self.key = snapshot, key
            self.checked = now
            return snapshot

    def forget(self) -> None:
        with self.lock:
            self.snapshot, self.key = None, None


_cache = _Cache()


def resolve(stored: str | Path) -> Path:
    """Where a stored path is on this machine: under the current path here of the root that covers it
    (any path that root ever had, on any host); the path unchanged when no root covers it or the root
    has no path on this machine."""
    return _cache.get().resolve(stored, this_host())


def resolver() -> _Snapshot:
    """The rows as they are now, for many paths at once (snapshot.resolve(path, this_host()))."""
    return _cache.get()


# --- changing the roots ------------------------------------------------------------------------
@dataclass
class Added:
    name: str
    host: str
    path: str
    previous: str | None  # the root's earlier path on this host (it moved), None when new here
    unchanged: bool = False


def check_name(name: str) -> str:
    if not NAME.fullmatch(name or ""):
        raise BadInput(
            f"root name {terminal_safe(name)!r}: expected a short identifier (letters, digits, _ and -, at most 64)"
        )
    return name


def add(name: str, path: str | Path, host: str | None = None) -> Added:
    """Add a root, or a machine's path of one; the same name again on the same host means the root
    moved there: the old path is kept as an earlier one (paths stored under it still resolve)."""
    check_name(name)
    here = this_host()
    host = host or here
    if not host.strip() or any(ord(c) < 32 for c in host):
        raise BadInput(f"host {terminal_safe(host)!r}: expected a host name")
    if host != here and not os.path.isabs(str(path)):  # another machine's working folder is not known here
        raise BadInput(
            f"{terminal_safe(str(path))}: a path on another machine ({terminal_safe(host)}) must be absolute"
        )
    text = os.path.abspath(os.path.expanduser(str(path)) if host == here else str(path))  # from the working folder
    if host == here and not os.path.isdir(text):
        raise BadInput(f"{terminal_safe(text)}: no such folder on this machine ({here})")
    with write_transaction():
        root = Root.get_or_none(Root.name == name)
        clash = (
            RootPath.select(RootPath, Root)
            .join(Root)
            .where((RootPath.host == host) & (RootPath.path == text) & RootPath.replaced_at.is_null())
            .first()
        )
        if clash is not None and (root is None or clash.root.id != root.id):
            raise BadInput(f"{terminal_safe(text)} is already root {clash.root.name}'s path on {terminal_safe(host)}")
        if root is None:
            root = Root.create(name=name)
        current = RootPath.get_or_none(
            (RootPath.root == root) & (RootPath.host == host) & RootPath.replaced_at.is_null()
        )
        if current is not None and current.path == text:
            return Added(name, host, text, None, unchanged=True)
        if current is not None:
            RootPath.update(replaced_at=utc_now()).where(RootPath.id == current.id).execute()
        RootPath.create(root=root, host=host, path=text)
    _cache.forget()
    return Added(name, host, text, current.path if current is not None else None)


def remove(name: str) -> int:
    """Forget a root and all its paths (the stored paths stay as they are); returns the paths forgotten."""
    root = Root.get_or_none(Root.name == name)
    if root is None:
        raise BadInput(f"no root {terminal_safe(name)!r} (see: vat roots list)")
    with write_transaction():
        count = RootPath.delete().where(RootPath.root == root).execute()
        Root.delete().where(Root.id == root.id).execute()
    _cache.forget()
    return count


# --- reading them ------------------------------------------------------------------------------
@dataclass
class RootPathInfo:
    host: str
    path: str
    added_at: object
    replaced_at: object  # None: the current path on that host

    @property
    def current(self) -> bool:
        return self.replaced_at is None


@dataclass
class RootInfo:
    name: str
    paths: list[RootPathInfo] = field(default_factory=list)

    def path_on(self, host: str) -> str | None:
        return next((p.path for p in self.paths if p.current and p.host == host), None)


def list_roots() -> list[RootInfo]:
    """Every root with every path it has had, by host, current before earlier, newest first."""
    roots = {r.id: RootInfo(r.name) for r in Root.select().order_by(binary(Root.name))}
    rows = (
        RootPath.select(RootPath, Root)
        .join(Root)
        .order_by(binary(RootPath.host), RootPath.replaced_at.is_null(False), RootPath.id.desc())
    )
    for row in rows:
        roots[row.root.id].paths.append(RootPathInfo(row.host, row.path, row.added_at, row.replaced_at))
    return list(roots.values())


@dataclass
class RootCheck:
    name: str
    path: str | None  # its current path on this machine; None: not mounted here
    reachable: bool = False
    readable: bool = False
    writable: bool = False
    problem: str = ""  # one line: what is wrong (empty when fine)
    sessions: list[str] = field(default_factory=list)  # under a root with no path here
    files: int = 0

    @property
    def failed(self) -> bool:
        """Unreachable or unreadable here, or not mapped here while sessions lie under it."""
        if self.path is None:
            return bool(self.sessions or self.files)
        return not (self.reachable and self.readable)


def _probe(check: RootCheck) -> None:
    assert check.path is not None
    try:
        os.listdir(check.path)
    except FileNotFoundError:
        check.problem = "not found (not mounted?)"
        return
    except NotADirectoryError:
        check.problem = "not a folder"
        return
    except OSError as exc:
        check.reachable = os.path.isdir(check.path)
        check.problem = f"cannot be read ({exc.strerror})"
        return
    check.reachable = check.readable = True
    try:
        with tempfile.NamedTemporaryFile(dir=check.path, prefix=".vat-write-test-"):
            pass
        check.writable = True
    except OSError as exc:
        check.problem = f"read-only ({exc.strerror}): resume and repair cannot write there"


def check(host: str | None = None) -> list[RootCheck]:
    """Each root's current path on this machine: reachable, readable, writable; for a root with no
    path here, the sessions (by output folder) and registered outputs that lie under it."""
    host = host or this_host()
    snapshot = resolver()
    checks = []
    by_root: dict[int, RootCheck] = {}
    for root_id, name in sorted(snapshot.names.items(), key=lambda item: item[1]):
        item = RootCheck(name, snapshot.current.get((root_id, host)))
        if item.path is not None:
            _probe(item)
        else:
            item.problem = f"no path on this machine ({host}): vat roots add {name} PATH"
            by_root[root_id] = item
        checks.append(item)
    if by_root:
        for session in ProcessingState.select(ProcessingState.session_id, ProcessingState.output_path):
            owner = snapshot.root_of(_norm(session.output_path)) if session.output_path else None
            if owner in by_root:
                by_root[owner].sessions.append(session.session_id)
        for row in FileRegistry.select(FileRegistry.file_path).namedtuples():
            owner = snapshot.root_of(_norm(row.file_path))
            if owner in by_root:
                by_root[owner].files += 1
    return checks
