"""The R&D folder: which files vat can process (images, videos) and which it skips, and why."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from core.errors import BadInput, VatError

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".gif"}
VIDEO_EXTENSIONS = {".mp4", ".mov", ".m4v", ".mkv", ".avi", ".webm", ".mxf", ".mpg", ".mpeg", ".mts", ".m2ts"}


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


def scan(folder: Path) -> tuple[list[RdFile], list[Skipped]]:
    """Every file under `folder` (recursive, sorted): usable ones, and the rest with a reason."""
    from core.probe import probe

    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput(f"{folder}: R&D folder does not exist or is not a folder")
    found: list[RdFile] = []
    skipped: list[Skipped] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(folder)
            ext = path.suffix.lower()
            try:
                stat = path.stat()
            except OSError as exc:
                skipped.append(Skipped(rel, f"unreadable: {exc.strerror}"))
                continue
            if name.startswith("."):
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
                w, h = (info.height, info.width) if info.rotation % 180 == 90 else (info.width, info.height)
                found.append(RdFile(path, rel, "video", stat.st_size, stat.st_mtime_ns, w, h, info.fps,
                                    info.frame_count, info.duration, info.audio_codec is not None))
            else:
                skipped.append(Skipped(rel, f"unsupported type {ext or '(no extension)'}"))
    return found, skipped
