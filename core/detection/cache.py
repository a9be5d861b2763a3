"""Per-frame detection statistics cached per master, so that no master is decoded twice for detection.

A detector's work splits in two: a per-frame metric computed from the pixels (the expensive part:
every frame must be decoded) and a cheap decision that turns the metric into cuts with the threshold
and the minimum scene length. The metric is cached here (core.detection.metrics records and replays
it), keyed by what determines it:

    <cache>/detect/<master fingerprint>/<metric>_a<analysis width>_sd<scenedetect version>_v<N>.npz

(N: CACHE_VERSION, or the metric's own in METRIC_VERSIONS) and never by the threshold or the minimum
length, which are applied to the cached scores. Each file holds the metric, one value per frame (NaN
where the detector has none, as for a first frame), and every frame's presentation time: compact
float64 arrays (~16 bytes a frame, 3 MB for two hours at 25 fps). The transitions detector also keeps
every frame's 16x9 thumbnail (432 bytes a frame, 78 MB for two hours), from which it derives its fade,
dissolve and flash tests. Files are written to a temporary name and renamed, so a reader never sees
half of one.

The master fingerprint is a content hash, not a path or a date: a copy of the master elsewhere, or a
second session on it, finds the same statistics. Hashing a whole master would read it all (tens of
gigabytes for a ProRes master) before deciding whether decoding is needed, so the fingerprint is the
SHA-256 of the size and 32 one-MiB samples spread evenly over the file, first and last MiB included
(the whole file when it is smaller): at most 32 MiB read, whatever the size. Two different encodings
of a picture never share a size and all those samples; an edit that keeps the size and touches no
sample (a same-length metadata tag, say) does not change the pictures, so the statistics still hold.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scenedetect

from core import dirs

log = logging.getLogger(__name__)

CACHE_VERSION = (
    2  # bump when what is stored, or how a metric is computed, changes (2: frames as PySceneDetect makes them)
)
# a metric's own version where it changed alone (by its name before any "-" option): hash 3, frames made
# on PySceneDetect's own path (framesource.Shrinker's reference), whose scores the older ones are 3-7% from
METRIC_VERSIONS = {"hash_dist": 3}
SAMPLES = 32
SAMPLE_BYTES = 1 << 20


def master_fingerprint(path: Path) -> str:
    """SHA-256 of the file's size and SAMPLES evenly spread SAMPLE_BYTES blocks (module doc)."""
    digest = hashlib.sha256(b"vat-master-fingerprint-1\0")
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        digest.update(size.to_bytes(8, "little"))
        if size <= SAMPLES * SAMPLE_BYTES:
            while block := f.read(1 << 22):
                digest.update(block)
        else:
            last = size - SAMPLE_BYTES
            for i in range(SAMPLES):
                f.seek(last * i // (SAMPLES - 1))
                digest.update(f.read(SAMPLE_BYTES))
    return digest.hexdigest()


@dataclass(frozen=True)
class Statistics:
    """One detector metric of every frame of a master, and the frames' times."""

    metric: np.ndarray  # float64, one value per frame
    frame_times: np.ndarray  # float64 seconds, as in the stream
    last_duration: float | None  # the last frame's duration, when the stream says
    size: tuple[int, int]  # the analysis size the frames were shrunk to
    thumbs: np.ndarray | None = None  # uint8, frames x H x W x 3: each frame's thumbnail (detector transitions)
    first: int = 0  # the master's frame number of the first frame here (a window of it: --start)
    origin: float | None = None  # the master's first frame time (None: frame_times[0])

    def __post_init__(self) -> None:
        if self.origin is None:
            object.__setattr__(self, "origin", float(self.frame_times[0]) if len(self.frame_times) else 0.0)


def cache_path(fingerprint: str, metric: str, analysis_width: int) -> Path:
    version = METRIC_VERSIONS.get(metric.split("-")[0], CACHE_VERSION)
    name = f"{metric}_a{analysis_width}_sd{scenedetect.__version__}_v{version}.npz"
    return dirs.cache_dir() / "detect" / fingerprint / name


def load(path: Path) -> Statistics | None:
    """The statistics at `path`, or None when there are none (or they are unreadable: decode again)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            metric, times = data["metric"].astype(np.float64), data["frame_times"].astype(np.float64)
            last = float(data["last_duration"])
            size = tuple(int(v) for v in data["size"])
            thumbs = data["thumbs"].astype(np.uint8) if "thumbs" in data.files else None
            first = int(data["first"]) if "first" in data.files else 0
            origin = float(data["origin"]) if "origin" in data.files else None
    except FileNotFoundError:
        return None
    except Exception as exc:  # a cut or empty file raises zipfile's and numpy's own errors too
        log.warning("%s: unreadable detection cache, removed, detecting again (%s)", path, exc)
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    if (
        metric.shape != times.shape
        or metric.ndim != 1
        or not len(times)
        or (thumbs is not None and (thumbs.ndim != 4 or len(thumbs) != len(times)))
    ):
        log.warning("%s: inconsistent detection cache, detecting again", path)
        return None
    return Statistics(metric, times, None if np.isnan(last) else last, (size[0], size[1]), thumbs, first, origin)


def save(path: Path, stats: Statistics) -> None:
    """Write atomically (temporary file, then rename). A failure only costs a future decode."""
    try:
        dirs.ensure(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as f:
                extra: dict[str, Any] = {} if stats.thumbs is None else {"thumbs": np.asarray(stats.thumbs, np.uint8)}
                np.savez(
                    f,
                    **extra,
                    metric=np.asarray(stats.metric, np.float64),
                    frame_times=np.asarray(stats.frame_times, np.float64),
                    last_duration=np.float64(np.nan if stats.last_duration is None else stats.last_duration),
                    size=np.asarray(stats.size, np.int64),
                    first=np.int64(stats.first),
                    origin=np.float64(stats.origin),
                )
                f.flush()
                os.fsync(f.fileno())  # a crash after the rename must not leave an empty file under the name
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        log.warning("%s: could not cache detection statistics (%s)", path, exc)
