"""Logging to a rotating file in the user log folder; -v adds debug lines on stderr."""

from __future__ import annotations

import logging
import logging.handlers

from core import dirs
from core.text import terminal_safe

LOG_FILE_NAME = "vat.log"


class _SafeFormatter(logging.Formatter):
    """Log lines quote file and artwork names: their control characters are escaped (read on a
    terminal, with -v or `tail`); a traceback's own line breaks stay."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().formatMessage(record))


def setup_logging(verbose: bool = False) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    fmt = _SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        folder = dirs.ensure(dirs.log_dir())
        handler = logging.handlers.RotatingFileHandler(folder / LOG_FILE_NAME, maxBytes=2_000_000, backupCount=5)
        handler.setFormatter(fmt)
        root.addHandler(handler)
    except OSError:
        pass  # an unwritable log folder must not stop the work; `vat doctor` reports it
    if verbose:
        err = logging.StreamHandler()
        err.setFormatter(fmt)
        root.addHandler(err)
