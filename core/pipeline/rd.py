"""The R&D folder: which files vat can process (images, videos) and which it skips, and why."""

from __future__ import annotations

import os
import stat as stat_mode
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from core.errors import BadInput, VatError
from core.media.extensions import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS


@dataclass(frozen=True)
class RdFile:
    path: Path
    relative: Path
    kind: str  # image or video
    size: int
    mtime_ns: int
    width: int
    height: int
    fps: float | None = None
    frames: int | None = None
    duration: float | None = None
    has_audio: bool = False


@dataclass(frozen=True)
class Skipped:
    relative: Path
    reason: str


def _file_type(mode: int) -> str:
    for test, what in (
        (stat_mode.S_ISFIFO, "a FIFO"),
        (stat_mode.S_ISSOCK, "a socket"),
        (stat_mode.S_ISCHR, "a character device"),
        (stat_mode.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return what
    return "not a plain file"


def scan(folder: Path) -> tuple[list[RdFile], list[Skipped]]:
    """Every file under `folder` (recursive, sorted): usable ones, and the rest with a reason."""
    from core.media.probe import probe

    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput(f"{folder}: R&D folder does not exist or is not a folder")
    found: list[RdFile] = []
    skipped: list[Skipped] = []
    real_folder = folder.resolve()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames.sort()
        for name in dirnames:
            if (Path(dirpath) / name).is_symlink():  # os.walk does not enter it: say so
                skipped.append(
                    Skipped((Path(dirpath) / name).relative_to(folder), "symbolic link to a folder (not followed)")
                )
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(folder)
            ext = path.suffix.lower()
            try:
                stat = path.stat()  # stat never opens: a FIFO cannot block here
            except OSError as exc:
                skipped.append(Skipped(rel, f"unreadable: {exc.strerror}"))
                continue
            if path.is_symlink() and not path.resolve().is_relative_to(real_folder):
                # a link inside the folder is the user's own arrangement; one out of it is not R&D
                skipped.append(Skipped(rel, f"symbolic link pointing outside the R&D folder ({path.resolve()})"))
            elif not stat_mode.S_ISREG(stat.st_mode):
                # a FIFO, socket or device would block or never end when read: never opened
                skipped.append(Skipped(rel, f"not a regular file ({_file_type(stat.st_mode)})"))
            elif name.startswith("."):
                skipped.append(Skipped(rel, "hidden file"))
            elif ext in IMAGE_EXTENSIONS:
                try:
                    with Image.open(path) as im:
                        width, height = im.size
                except (UnidentifiedImageError, OSError) as exc:
                    skipped.append(Skipped(rel, f"not a readable image: {exc}"))
                    continue
                found.append(RdFile(path, rel, "image", stat.st_size, stat.st_mtime_ns, width, height))
            elif ext in VIDEO_EXTENSIONS:
                try:
                    info = probe(path, require_video=True)
                except VatError as exc:
                    skipped.append(Skipped(rel, str(exc)))
                    continue
                shown = info.display_size  # pixel aspect and rotation applied, as the master's clips
                if shown is None:
                    skipped.append(Skipped(rel, "no picture size"))
                    continue
                w, h = shown
                found.append(
                    RdFile(
                        path,
                        rel,
                        "video",
                        stat.st_size,
                        stat.st_mtime_ns,
                        w,
                        h,
                        info.fps,
                        info.frame_count,
                        info.duration,
                        info.audio_codec is not None,
                    )
                )
            else:
                skipped.append(Skipped(rel, f"unsupported type {ext or '(no extension)'}"))
    return found, skipped
