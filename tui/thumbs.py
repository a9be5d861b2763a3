"""Scene thumbnails: small frames of the master, kept in memory and (setting cache_thumbnails) on disk.

No Textual here: the picker's thread worker calls `load` (slow: may decode), the UI thread only
ever calls `cached` (a dictionary look-up), so a key press never waits for a thumbnail.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from fractions import Fraction
from pathlib import Path

from PIL import Image

from core import dirs
from core.media.picture import display_dimensions

# PyAV (core.media.frames, core.media.probe) is imported by the methods that decode, in the worker
# thread: imported here, it cost the UI thread about 0.1 s as the picker opened

WIDTH = 96  # pixels: enough for the side panel at 120 columns (one pixel per cell)
MEMORY_LIMIT = 2000  # thumbnails kept in memory (96x54 RGB: about 15 kB each)


def cache_folder(master: Path) -> Path:
    """Per master file: a change of path, size or modification time is another master."""
    stat = master.stat()
    # "shown": thumbnails at the display aspect (earlier ones ignored the pixel aspect)
    key = hashlib.sha1(f"{master.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{WIDTH}|shown".encode()).hexdigest()[:20]
    return dirs.cache_dir() / "thumbs" / key


class ThumbnailStore:
    def __init__(self, master: Path | str, rotation: int = 0, on_disk: bool = True):
        self.master = Path(master)
        self.rotation = rotation
        self.folder = cache_folder(self.master) if on_disk else None
        self._memory: OrderedDict[int, Image.Image] = OrderedDict()
        self._lock = threading.Lock()
        self._times: list[float] | None = None
        self._sar: Fraction | None = None

    def cached(self, frame: int) -> Image.Image | None:
        """The thumbnail if it is in memory (never touches the disk: safe on the UI thread)."""
        with self._lock:
            return self._memory.get(frame)

    def load(self, frame: int) -> Image.Image:
        """From memory, else disk, else decoded from the master (worker threads only)."""
        image = self.cached(frame)
        if image is not None:
            return image
        path = self.folder / f"{frame}.png" if self.folder else None
        if path is not None and path.is_file():
            try:
                with Image.open(path) as stored:
                    image = stored.convert("RGB")
            except OSError:
                image = None  # a damaged cache file: decode again
        if image is None:
            image = self.decode(frame, WIDTH)
            if path is not None:
                dirs.ensure(path.parent)
                tmp = path.with_suffix(".tmp")
                image.save(tmp, format="PNG")
                tmp.replace(path)  # atomic: another vat reading the cache never sees half a file
        self._remember(frame, image)
        return image

    def decode(self, frame: int, width: int) -> Image.Image:
        """Frame `frame` (0-based) of the master, upright, `width` pixels wide, at the display
        aspect (the pixel aspect applied, as for stills and clips)."""
        from core.media.frames import frame_at, rotate_for_display

        times = self.frame_times()
        pts = times[max(0, min(frame, len(times) - 1))]
        stored = frame_at(self.master, pts)
        shown_w, shown_h = display_dimensions(stored.width, stored.height, self.sample_aspect(), self.rotation)
        image = rotate_for_display(stored, self.rotation)
        height = max(2, round(width * shown_h / shown_w))
        return image.resize((width, height), Image.Resampling.BILINEAR)

    def sample_aspect(self) -> Fraction:
        if self._sar is None:
            from core.media.probe import probe

            self._sar = probe(self.master).sample_aspect  # once per picker, in the worker thread
        return self._sar

    def frame_times(self) -> list[float]:
        if self._times is None:
            from core.media.probe import frame_times

            self._times = frame_times(self.master)  # demux only: fast, once per picker
        return self._times

    def _remember(self, frame: int, image: Image.Image) -> None:
        with self._lock:
            self._memory[frame] = image
            self._memory.move_to_end(frame)
            while len(self._memory) > MEMORY_LIMIT:
                self._memory.popitem(last=False)


class Wanted:
    """The frames the picker wants thumbnails for, most wanted first; replaced on every cursor move
    or scroll, so the worker always works on what is on screen now, never on a stale backlog."""

    def __init__(self) -> None:
        self._frames: list[int] = []
        self._condition = threading.Condition()
        self._closed = False

    def set(self, frames: list[int]) -> None:
        with self._condition:
            self._frames = list(dict.fromkeys(frames))
            self._condition.notify()

    def next(self, timeout: float) -> int | None:
        with self._condition:
            if not self._frames and not self._closed:
                self._condition.wait(timeout)
            return self._frames.pop(0) if self._frames and not self._closed else None

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()
