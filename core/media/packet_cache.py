"""The video packets' times of a master, kept between runs: resume rebuilds its plan from them, and
demuxing every packet of a two-hour master (180,000) takes most of a second each time.

Keyed by the file as it is (path, device, inode, size, modification time in ns), the trust resume
already gives its outputs' size and time: a master replaced or rewritten is another key and is
demuxed again. Stored in the user cache folder; a missing or unreadable entry only costs a demux.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np

from core import dirs

log = logging.getLogger(__name__)
VERSION = 1


def _entry(path: Path) -> Path:
    st = os.stat(path)
    key = f"{VERSION}\0{path.resolve()}\0{st.st_dev}\0{st.st_ino}\0{st.st_size}\0{st.st_mtime_ns}"
    return dirs.cache_dir() / "packets" / f"{hashlib.sha256(key.encode()).hexdigest()}.npz"


def load(path: Path) -> tuple[list[int], list[int], Fraction] | None:
    """(presentation times, keyframes' times, time base) as demuxed before, or None."""
    try:
        entry = _entry(path)
        with np.load(entry, allow_pickle=False) as data:
            pts, keys = data["pts"].tolist(), data["keys"].tolist()
            base = Fraction(int(data["tb"][0]), int(data["tb"][1]))
    except FileNotFoundError:
        return None
    except Exception as exc:  # a cut file raises zipfile's and numpy's own errors too
        log.warning("%s: unreadable packet-times cache, demuxing again (%s)", path, exc)
        return None
    return pts, keys, base


def save(path: Path, pts: list[int], keys: list[int], base: Fraction) -> None:
    """Written atomically (temporary file, then rename); a failure only costs a future demux."""
    try:
        entry = _entry(path)
        dirs.ensure(entry.parent)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(
                    f,
                    pts=np.asarray(pts, np.int64),
                    keys=np.asarray(keys, np.int64),
                    tb=np.asarray([base.numerator, base.denominator], np.int64),
                )
            os.replace(tmp, entry)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    except OSError as exc:
        log.warning("%s: packet times not cached (%s)", path, exc)
