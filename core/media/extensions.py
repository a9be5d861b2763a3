"""The one list of file extensions vat treats as video or image: the R&D scan, the file picker and
the path suggestion all read it, so a file one of them offers is one the others accept."""

from __future__ import annotations

# containers FFmpeg demuxes that cameras, editors and broadcast hand over (MPEG-TS as .ts, .mts, .m2ts)
VIDEO_EXTENSIONS = frozenset(
    {
        ".mp4",
        ".mov",
        ".m4v",
        ".mkv",
        ".avi",
        ".webm",
        ".mxf",
        ".mpg",
        ".mpeg",
        ".ts",
        ".mts",
        ".m2ts",
        ".dv",
        ".wmv",
        ".flv",
        ".ogv",
    }
)
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".gif"})
