"""What `vat watch` sees in its folder: the video files under it (polled, not notified: change
notifications do not reach across a network share), and which of them have settled, that is kept
the same size and modification time long enough that nothing is copying them any more."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from core.media.extensions import VIDEO_EXTENSIONS

log = logging.getLogger(__name__)

RD_SUFFIX = "_rd"  # `<master stem>_rd`: the master's R&D folder (--rd-from sibling)


@dataclass(frozen=True)
class Seen:
    """A file as one poll saw it."""

    size: int
    mtime: float


def is_candidate(name: str) -> bool:
    """A video file by its extension, not hidden (copy tools write into hidden temporaries first)."""
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in VIDEO_EXTENSIONS


def video_files(folder: Path, *, skip_rd: bool, exclude: Iterable[Path] = ()) -> dict[Path, Seen]:
    """Every video file under `folder`, in its subfolders too (one folder per delivery is common),
    except hidden folders, `*_rd` folders when they are R&D folders (`skip_rd`) and the `exclude`d
    ones (an output folder inside the watched one: its clips are no masters). Folder links are not
    followed (a link back up would loop). An unreadable folder is passed over, not an error."""
    excluded = {os.path.realpath(p) for p in exclude}
    found: dict[Path, Seen] = {}

    def keep_folder(parent: str, name: str) -> bool:
        if name.startswith(".") or (skip_rd and name.endswith(RD_SUFFIX)):
            return False
        return os.path.realpath(os.path.join(parent, name)) not in excluded

    for parent, folders, files in os.walk(folder, onerror=lambda exc: log.debug("watch: %s", exc)):
        folders[:] = sorted(name for name in folders if keep_folder(parent, name))
        for name in files:
            if not is_candidate(name):
                continue
            path = Path(parent, name)
            try:
                stat = path.stat()
            except OSError:
                continue  # gone between the listing and now (moved away, renamed by its copier)
            if path.is_file():
                found[path] = Seen(stat.st_size, stat.st_mtime)
    return found


class Settler:
    """Tells which files are ready: unchanged (size and modification time) on two polls at least
    `settle` seconds apart. A file still being copied changes between polls, so it is never ready,
    even with settle 0 (ready on the second look). A file once handled (`handled`) is ready again only
    when it changes."""

    def __init__(self, settle: float, clock: Callable[[], float] = time.monotonic):
        self.settle = settle
        self.clock = clock
        self._since: dict[Path, tuple[Seen, float]] = {}  # unchanged since this moment
        self._handled: dict[Path, Seen] = {}

    def ready(self, found: dict[Path, Seen]) -> list[tuple[Path, Seen]]:
        now = self.clock()
        ready = []
        for path, seen in found.items():
            if self._handled.get(path) == seen:
                continue
            first = self._since.get(path)
            if first is None or first[0] != seen:
                self._since[path] = (seen, now)  # new or changed: its wait starts again
            elif now - first[1] >= self.settle:
                ready.append((path, seen))
        for gone in [path for path in self._since if path not in found]:
            del self._since[gone]
        for gone in [path for path in self._handled if path not in found]:
            del self._handled[gone]  # a file put back later is looked at again
        return sorted(ready)

    def handled(self, path: Path, seen: Seen) -> None:
        self._handled[path] = seen
        self._since.pop(path, None)
