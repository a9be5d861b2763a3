"""`vat watch`: every new master in a folder becomes a queued session, once per content.

Each poll lists the folder's video files (watch_scan); a settled one is hashed and looked up: content
that has a session already (queued by a watcher, archived by an earlier `vat run`, in the queue, or
failed) is not queued again, and the file is skipped saying what that session is now. A new one becomes
a session as `vat run` makes one (core.pipeline.new_session), entered in the queue (source "watch") in
the same transaction as the file's watched_masters row, so a kill at any moment never queues a master
twice. Every file taken is remembered by path, size and modification time (watch_records), so a
restart hashes none of them again while unchanged; a file that failed (not a video, unreadable) is
tried again only once it changes. Its project folder taken by another master (new content under the
same name on the same day), the artwork is named "NAME (2)" (then 3, ...): both are archived, neither
overwritten."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import BadInput, Cancelled, EnvironmentProblem, VatError
from core.pipeline import watch_records as records
from core.pipeline.session_queue import PICK_LATER
from core.pipeline.watch_records import QUEUED, SKIPPED
from core.pipeline.watch_scan import RD_SUFFIX, Seen, Settler, video_files
from db.models import COMPLETED, FAILED, ProcessingState

if TYPE_CHECKING:  # imported when a master is taken: `vat watch --status` and the TUI's check stay quick
    from core.pipeline.session import Checked, SessionOptions

log = logging.getLogger(__name__)

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


# on_event(event, fields): event is watching, taken, queued, skipped, failed, finished or stopped
OnEvent = Callable[[str, dict[str, Any]], None]


def one_line(text: object) -> str:
    return " ".join(str(text).split())


class Watcher:
    def __init__(self, options: WatchOptions, on_event: OnEvent):
        self.options = options
        self.folder = options.folder.expanduser().absolute()
        self.on_event = on_event
        self.settler = Settler(options.settle)
        self.unfinished: dict[str, str] = {}  # sessions queued from this folder, not finished: id -> master

    # --- the loop ----------------------------------------------------------------------------
    def run(self, cancel: threading.Event) -> None:
        """Poll until `cancel` is set. What was being hashed when stopped is looked at again next time."""
        self.on_event("watching", {"dir": str(self.folder), "settle": self.options.settle})
        self.unfinished = records.still_queued(self.folder)
        while not cancel.is_set():
            self.poll_once(cancel)
            self.tell_finished()
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

    def tell_finished(self) -> None:
        """Say which of the sessions queued from this folder have completed or failed since last time."""
        for session in records.finished(list(self.unfinished)):
            path = self.unfinished.pop(session.session_id)
            fields = {"path": path, "session": session.session_id, "status": session.status}
            if session.status == COMPLETED:
                fields["out"] = records.standing(session).removeprefix("completed in ")
            else:
                fields["reason"] = one_line(session.error_message or "see vat history")
            self.on_event("finished", fields)

    # --- one file ----------------------------------------------------------------------------
    def handle(self, path: Path, seen: Seen, cancel: threading.Event) -> int:
        """Take one settled file; 1 when it was queued."""
        if records.recorded(path, seen) is not None:  # done before a restart: not even hashed again
            self.settler.handled(path, seen)
            return 0
        self.on_event("taken", {"path": str(path), "size": seen.size})
        from core.pipeline.master_hash import sha256_file

        try:
            digest = sha256_file(path, cancel=cancel)
        except Cancelled:
            return 0
        except VatError as exc:
            self.fail(path, seen, None, exc.message)
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
        except ContentTaken:  # made meanwhile by another process (a second watcher, `vat run`)
            self.seen_before(path, seen, digest)
            return 0
        except VatError as exc:
            # the machine's fault (an output folder it cannot write, no ffmpeg), not the file's: the
            # next start of the watcher tries it again, not only a change of the file
            self.fail(path, seen, digest, exc.message, for_good=not isinstance(exc, EnvironmentProblem))
            return 0
        self.settler.handled(path, seen)
        return 1

    def seen_before(self, path: Path, seen: Seen, digest: str) -> bool:
        """Content that has a session already: the file recorded and said skipped, not queued."""
        other = records.content_session(digest)
        if other is None:
            return False
        now = records.standing(other)
        mine = records.row_of(path)
        if mine is not None and mine.state == QUEUED and mine.session_id == other.session_id:
            # this very file, touched (its time changed, not its content): still that session's master
            records.record(path, seen, self.folder, digest, QUEUED, other.session_id, None)
            reason = f"unchanged content, session {other.session_id}: {now}"
        else:
            same = "unchanged content" if other.master_path == str(path) else f"same content as {other.master_path}"
            reason = f"{same}, session {other.session_id}: {now}"
            records.record(path, seen, self.folder, digest, SKIPPED, other.session_id, reason)
        self.settler.handled(path, seen)
        log.info("watch: %s skipped: %s", path, reason)
        self.on_event("skipped", {"path": str(path), "reason": reason, "session": other.session_id})
        return True

    def create(self, path: Path, seen: Seen, digest: str) -> str:
        """The session, made as `vat run` makes one, queued with its watched_masters row."""
        from core.pipeline import session as sessions
        from core.pipeline import session_queue
        from core.pipeline.new_session import create_claimed

        options = self.session_options(path)
        checked = sessions.check_options(options)
        checked.master_sha256 = digest

        def record(session: ProcessingState) -> None:
            # looked at again in the session's own write transaction: two processes that hashed the
            # same content at once make one session, not two
            if records.content_session(digest, exclude=session.session_id) is not None:
                raise ContentTaken
            if self.options.scenes == "pick":  # the queue detects it, then leaves it "to pick"
                meta = {**(session.process_metadata or {}), PICK_LATER: True}
                ProcessingState.update(process_metadata=meta).where(ProcessingState.id == session.id).execute()
                session.process_metadata = meta
            session_queue.enqueue(session.session_id, source="watch")
            records.record(path, seen, self.folder, digest, QUEUED, session.session_id, None)

        taken_by = None  # why the artwork got a number: what holds the folder its own name gives
        for number in range(1, MAX_NAMES + 1):
            named = checked if number == 1 else renamed(checked, f"{options.artwork} ({number})")
            root = sessions.project_root(named)
            holder = folder_holder(root)
            if holder is None:
                session_id = sessions.new_session_id(named)
                try:
                    session = create_claimed(named, session_id, record=record)
                    break
                except BadInput:
                    holder = folder_holder(root)
                    if holder is None:  # not taken: refused for another reason
                        raise
            taken_by = taken_by or f"{root.name} holds {holder}"
        else:
            raise BadInput(
                f"{path}: the project folders of {options.artwork} and {options.artwork} (2) to ({MAX_NAMES}) "
                "are all taken; rename the file"
            )
        log.info("watch: %s queued as session %s", path, session_id)
        self.unfinished[session_id] = str(path)
        self.on_event(
            "queued",
            {
                "path": str(path),
                "session": session_id,
                "artwork": named.options.artwork,
                "renamed": taken_by,
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

    def fail(self, path: Path, seen: Seen, digest: str | None, reason: str, for_good: bool = True) -> None:
        """Recorded failed with the reason; `for_good`: as this very file (path, size, modification
        time), so that it is not tried again, even after a restart, until it changes."""
        reason = one_line(reason)
        records.record(path, seen if for_good else None, self.folder, digest, FAILED, None, reason)
        self.settler.handled(path, seen)
        log.warning("watch: %s failed: %s", path, reason)
        self.on_event("failed", {"path": str(path), "reason": reason})


class ContentTaken(Exception):
    """The content got its session from another process between the look-up and the write."""


MAX_NAMES = 99  # "NAME (2)" to "NAME (99)": past that, something is wrong with the folder, not the names


def renamed(checked: Checked, artwork: str) -> Checked:
    from core.pipeline.naming import artwork_slug

    options = dataclasses.replace(checked.options, artwork=artwork)
    return dataclasses.replace(checked, options=options, slug=artwork_slug(artwork))


def folder_holder(root: Path) -> str | None:
    """What keeps a new session out of this project folder: another session's work (or one being made
    there now), or files no session of this database made; None when it is free."""
    from core.pipeline.lock import ProjectLock
    from core.pipeline.project_folder import earlier_sessions, holds_files

    earlier = earlier_sessions(root, "")
    if earlier:
        return f"session {earlier[0].session_id} ({earlier[0].status}) of another master"
    if ProjectLock(root, "").is_held_elsewhere():
        return "a session being made now"
    if holds_files(root):
        return "files of no session"
    return None


def start_runner() -> int | None:
    """Have the queue processed: a detached `vat queue run` unless runners already hold every slot."""
    from core.pipeline.queue_runner import start_detached_runner

    return start_detached_runner()
