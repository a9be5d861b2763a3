"""Logging: every vat process (the TUI, its detached workers, headless commands) appends to one
rotating vat.log in the user log folder; -v adds debug records, on stderr too unless the TUI runs.

Several processes write vat.log at once, and Python's RotatingFileHandler is not safe for that (two
processes rotating the same file lose or mix records). Rather than one file per process (which
would scatter one session's story over many files and pile up), SharedRotatingFileHandler takes an
flock around each write and the rotation, and reopens the file another process has rotated away.
vat is POSIX-only already (fcntl, SIGHUP, process groups).
"""

from __future__ import annotations

import fcntl
import logging
import logging.handlers
import os
import sys
from pathlib import Path

from core import dirs
from core.text import terminal_safe

LOG_FILE_NAME = "vat.log"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"

_installed: list[logging.Handler] = []  # what setup_logging added to the root logger
_verbosity = 0  # setup_logging's -v count: the log_level setting applies only without -v
_said_unwritable = False


class _SafeFormatter(logging.Formatter):
    """Log lines quote file and artwork names: their control characters are escaped (read on a
    terminal, with -v or `tail`); line breaks stay (a traceback, an ffmpeg command and its stderr)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return "\n".join(terminal_safe(line) for line in super().formatMessage(record).split("\n"))


class RedactPasswords(logging.Filter):
    """The password of every URL in a record (VAT_DB, VAT_BROKER, whatever logged them: vat, peewee,
    celery) replaced by *** before any handler writes it: its message, its traceback, its stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        from db.backend import redact  # here: peewee is not imported by the commands that log nothing

        try:
            message = record.getMessage()
        except Exception:  # a malformed record: the handler's own error handling says so
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class SharedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler that several processes may share: an exclusive flock on a lock file
    beside the log serialises writes and rotation between processes (the handler's own lock already
    does so between threads)."""

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES, backup_count: int = BACKUP_COUNT):
        super().__init__(path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8")
        self._lock_file = open(f"{path}.lock", "a")  # noqa: SIM115 (held for the handler's life)

    def _rotated_away(self) -> bool:
        """True when another process renamed the file this stream writes to."""
        try:
            if self.stream is None:  # closed, or not opened yet (delay=True)
                return False
            return os.fstat(self.stream.fileno()).st_ino != os.stat(self.baseFilename).st_ino
        except FileNotFoundError:
            return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        except (OSError, ValueError):
            self.handleError(record)
            return
        try:
            if self.stream is not None and self._rotated_away():
                self.stream.close()
                self.stream = None  # reopened (at the new vat.log) by the emit below
            super().emit(record)  # checks the size and rotates under the same lock
        finally:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # a full disk, a folder gone: said once, not a traceback per record
            _say_unwritable(Path(self.baseFilename).parent, error.strerror or str(error))
        else:
            super().handleError(record)

    def close(self) -> None:
        super().close()
        self._lock_file.close()


class TerminalHandler(logging.StreamHandler):
    """The -v handler on stderr: the TUI detaches it while it owns the terminal (pause_terminal)."""


def _say_unwritable(folder: Path, why: str) -> None:
    global _said_unwritable
    if not _said_unwritable:
        _said_unwritable = True
        print(f"vat: cannot write the log in {folder}: {why}; going on without a log file", file=sys.stderr)


def setup_logging(verbosity: int = 0) -> None:
    """Root logger: INFO, or DEBUG with -v; peewee's SQL statements (DEBUG) only with -vv.

    Calling it again replaces what an earlier call installed (tests call the CLI in-process). The
    log_level setting lives in the database, opened later: use_level_setting applies it then."""
    global _verbosity
    stop_logging()
    _verbosity = verbosity
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbosity else logging.INFO)
    logging.getLogger("peewee").setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO)
    fmt = _SafeFormatter(FORMAT)
    folder = dirs.log_dir()
    try:
        dirs.ensure(folder)
        handlers: list[logging.Handler] = [SharedRotatingFileHandler(folder / LOG_FILE_NAME)]
    except OSError as exc:
        _say_unwritable(folder, exc.strerror or str(exc))  # the work goes on; `vat doctor` says it too
        handlers = []
    if verbosity:
        handlers.append(TerminalHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(fmt)
        handler.addFilter(RedactPasswords())  # on the handlers: a logger's filter misses its children's records
        root.addHandler(handler)
        _installed.append(handler)


def use_level_setting() -> None:
    """The log_level setting is the log's level unless -v asked for debug records (called once the
    database is open). On the handlers too: a library logger with a level of its own (peewee) would
    otherwise still reach the file."""
    if _verbosity:
        return
    from db.settings import get_setting

    level = logging.getLevelName(str(get_setting("log_level")).upper())
    if not isinstance(level, int):  # a value from before the rule: the default
        level = logging.INFO
    logging.getLogger().setLevel(level)
    for handler in _installed:
        handler.setLevel(level)


def stop_logging() -> None:
    global _verbosity
    _verbosity = 0
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()


def pause_terminal() -> list[logging.Handler]:
    """Detach the handlers that write to the terminal (the TUI draws there); give them back to
    resume_terminal afterwards."""
    root = logging.getLogger()
    paused: list[logging.Handler] = [h for h in root.handlers if isinstance(h, TerminalHandler)]
    for handler in paused:
        root.removeHandler(handler)
    return paused


def resume_terminal(paused: list[logging.Handler]) -> None:
    root = logging.getLogger()
    for handler in paused:
        if handler not in root.handlers:
            root.addHandler(handler)
