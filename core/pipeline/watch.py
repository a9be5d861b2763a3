"""`vat watch`: every new master in a folder becomes a queued session, once per content hash.

Each poll lists the folder's video files (watch_scan); a settled one is hashed and looked up in
watched_masters: content seen before (queued by a watcher, found archived by an earlier `vat run`,
or already in the queue) is not queued again, and the row says why. A new one becomes a session as
`vat run` makes one (core.pipeline.new_session), entered in the queue (source "watch") in the same
transaction as its watched_masters row, so a kill at any moment never queues a master twice. A file
that fails (not a video, unreadable, its project folder taken) is recorded failed with the reason
and tried again only once it changes (size, modification time or content)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import Cancelled, EnvironmentProblem, VatError
from core.pipeline import archived
from core.pipeline.session_queue import PICK_LATER
from core.pipeline.watch_scan import RD_SUFFIX, Seen, Settler, video_files
from db.connection import database
from db.models import QUEUE_PENDING, QUEUE_RUNNING, ProcessingState, QueueEntry, WatchedMaster

if TYPE_CHECKING:  # imported when a master is taken: `vat watch --status` and the TUI's check stay quick
    from core.pipeline.session import SessionOptions

log = logging.getLogger(__name__)

QUEUED, FAILED, ARCHIVED = "queued", "failed", "archived"  # watched_masters.state
POLL_SECONDS = 2.0


@dataclass
class WatchOptions:
    folder: Path
    out: Path | None = None
    preset_id: str | None = None
    scenes: str = "all"  # all: processed unattended; pick: detected, then waits for its scenes to be picked
    artwork_from: str = "name"  # name: the file's stem; parent: its folder's name
    settle: float = 10.0
    rd_from: str = ""  # sibling: `<stem>_rd` beside the master is its R&D folder
    poll: float = POLL_SECONDS
    start_runner: bool = True  # False: only queue (a runner started elsewhere processes them)


# on_event(event, fields): event is watching, taken, queued, skipped, failed or stopped
OnEvent = Callable[[str, dict[str, Any]], None]


def one_line(text: object) -> str:
    return " ".join(str(text).split())


class Watcher:
    def __init__(self, options: WatchOptions, on_event: OnEvent):
        self.options = options
        self.folder = options.folder.expanduser().absolute()
        self.on_event = on_event
        self.settler = Settler(options.settle)

    # --- the loop ----------------------------------------------------------------------------
    def run(self, cancel: threading.Event) -> None:
        """Poll until `cancel` is set. What was being hashed when stopped is looked at again next time."""
        self.on_event("watching", {"dir": str(self.folder), "settle": self.options.settle})
        while not cancel.is_set():
            self.poll_once(cancel)
            cancel.wait(self.options.poll)
        self.on_event("stopped", {"dir": str(self.folder)})

    def poll_once(self, cancel: threading.Event) -> int:
        """One look at the folder: the settled files handled; how many were queued."""
        if not self.folder.is_dir():  # a share unmounted for a while: wait for it, do not stop
            log.warning("watch: %s is not reachable; polling on", self.folder)
            return 0
        exclude = [self.options.out] if self.options.out else []
        found = video_files(self.folder, skip_rd=self.options.rd_from == "sibling", exclude=exclude)
        queued = 0
        for path, seen in self.settler.ready(found):
            if cancel.is_set():
                break
            queued += self.handle(path, seen, cancel)
        if queued and self.options.start_runner:
            start_runner()
        return queued

    # --- one file ----------------------------------------------------------------------------
    def handle(self, path: Path, seen: Seen, cancel: threading.Event) -> int:
        """Take one settled file; 1 when it was queued."""
        if _recorded(path, seen) is not None:  # done before a restart: not even hashed again
            self.settler.handled(path, seen)
            return 0
        self.on_event("taken", {"path": str(path), "size": seen.size})
        from core.pipeline.master_hash import sha256_file

        try:
            digest = sha256_file(path, cancel=cancel)
        except Cancelled:
            return 0
        except VatError as exc:
            self.fail(path, seen, f"unreadable:{path}", exc.message)
            return 0
        try:
            now = path.stat()
        except OSError:
            return 0  # gone while hashed
        if Seen(now.st_size, now.st_mtime) != seen:
            log.info("watch: %s changed while hashed; it settles again", path)
            return 0
        if self.seen_before(path, seen, digest):
            return 0
        try:
            self.create(path, seen, digest)
        except VatError as exc:
            # the machine's fault (an output folder it cannot write, no ffmpeg), not the file's: the
            # next start of the watcher tries it again, not only a change of the file
            self.fail(path, seen, digest, exc.message, for_good=not isinstance(exc, EnvironmentProblem))
            return 0
        self.settler.handled(path, seen)
        return 1

    def seen_before(self, path: Path, seen: Seen, digest: str) -> bool:
        """Content queued, archived or in the queue already: recorded and said (skipped), not queued."""
        row = WatchedMaster.get_or_none(WatchedMaster.master_sha256 == digest)
        reason = None
        if row is not None and row.state != FAILED:
            if row.master_path == str(path):  # the same file touched: remembered as it is now
                _record(digest, path, seen, self.folder, row.state, row.session_id, row.reason)
                reason = f"unchanged content, already {row.state}"
            else:
                reason = f"same content as {row.master_path}, already {row.state}"
            reason += f" (session {row.session_id})" if row.session_id else ""
        elif earlier := archived.archived_as(digest):
            reason = f"already archived: {archived.describe(earlier[-1])}"
            _record(digest, path, seen, self.folder, ARCHIVED, earlier[-1].session_id, reason)
        elif waiting := _in_queue(digest):
            reason = f"already in the queue as session {waiting}"
            _record(digest, path, seen, self.folder, QUEUED, waiting, reason)
        if reason is None:
            return False
        self.settler.handled(path, seen)
        log.info("watch: %s skipped: %s", path, reason)
        self.on_event("skipped", {"path": str(path), "reason": reason})
        return True

    def create(self, path: Path, seen: Seen, digest: str) -> str:
        """The session, made as `vat run` makes one, queued with its watched_masters row."""
        from core.pipeline import session as sessions
        from core.pipeline import session_queue
        from core.pipeline.new_session import create_claimed

        options = self.session_options(path)
        checked = sessions.check_options(options)
        checked.master_sha256 = digest
        session_id = sessions.new_session_id(checked)

        def record(session: ProcessingState) -> None:
            if self.options.scenes == "pick":  # the queue detects it, then leaves it "to pick"
                meta = {**(session.process_metadata or {}), PICK_LATER: True}
                ProcessingState.update(process_metadata=meta).where(ProcessingState.id == session.id).execute()
                session.process_metadata = meta
            session_queue.enqueue(session.session_id, source="watch")
            _record(digest, path, seen, self.folder, QUEUED, session.session_id, None)

        session = create_claimed(checked, session_id, record=record)
        log.info("watch: %s queued as session %s", path, session_id)
        self.on_event(
            "queued",
            {
                "path": str(path),
                "session": session_id,
                "artwork": options.artwork,
                "out": session.output_path,
                "rd": session.rd_folder_path,
                "preset": session.preset_id,
                "scenes": self.options.scenes,
            },
        )
        return session_id

    def session_options(self, path: Path) -> SessionOptions:
        from core.pipeline.session import SessionOptions

        o = self.options
        rd = path.with_name(path.stem + RD_SUFFIX) if o.rd_from == "sibling" else None
        return SessionOptions(
            master=path,
            artwork=path.parent.name if o.artwork_from == "parent" else path.stem,
            rd_folder=rd if rd is not None and rd.is_dir() else None,
            preset_id=o.preset_id or None,
            out=o.out,
            # all: the selection is decided now (every scene), as `vat run` does; pick: none is (and
            # PICK_LATER says so), so the queue detects it and leaves it "to pick"
            unattended=o.scenes != "pick",
        )

    def fail(self, path: Path, seen: Seen, key: str, reason: str, for_good: bool = True) -> None:
        """Recorded failed with the reason; `for_good`: as this very file (path, size, modification
        time), so that it is not tried again, even after a restart, until it changes."""
        reason = one_line(reason)
        _record(key, path, seen if for_good else None, self.folder, FAILED, None, reason)
        self.settler.handled(path, seen)
        log.warning("watch: %s failed: %s", path, reason)
        self.on_event("failed", {"path": str(path), "reason": reason})


def _recorded(path: Path, seen: Seen) -> WatchedMaster | None:
    """The row of this very file as it is now (same path, size and modification time), if any."""
    return (
        WatchedMaster.select()
        .where(
            (WatchedMaster.master_path == str(path))
            & (WatchedMaster.size_bytes == seen.size)
            & (WatchedMaster.mtime == seen.mtime)
        )
        .first()
    )


def _record(
    key: str, path: Path, seen: Seen | None, folder: Path, state: str, session_id: str | None, reason: str | None
) -> None:
    """One row per content hash (`key`): created, or updated to what happened this time."""
    values = {
        "watch_dir": str(folder),
        "master_path": str(path),
        "size_bytes": seen.size if seen else None,
        "mtime": seen.mtime if seen else None,
        "session": session_id,
        "state": state,
        "reason": reason,
    }
    with database.atomic("IMMEDIATE"):
        updated = WatchedMaster.update(**values).where(WatchedMaster.master_sha256 == key).execute()
        if not updated:
            WatchedMaster.create(master_sha256=key, **values)


def _in_queue(digest: str) -> str | None:
    """A session of this master waiting or running in the queue (put there by a batch, say)."""
    entry = (
        QueueEntry.select(QueueEntry.session)
        .join(ProcessingState, on=(QueueEntry.session == ProcessingState.session_id))
        .where((ProcessingState.master_sha256 == digest) & (QueueEntry.state.in_([*QUEUE_PENDING, QUEUE_RUNNING])))
        .first()
    )
    return entry.session_id if entry is not None else None


def start_runner() -> int | None:
    """Have the queue processed: a detached `vat queue run` unless runners already hold every slot."""
    from core.pipeline.queue_runner import start_detached_runner

    return start_detached_runner()
