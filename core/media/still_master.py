"""A still image is not a video: a PNG, JPEG, TIFF... (whatever its extension says) or a stream of
fewer than two frames would make a one-picture "archive", so masters and R&D videos refuse them.

Image demuxers (FFmpeg's `image2` and `*_pipe`) are refused whatever they hold. GIF and APNG are
judged by their frames like any container: an animated GIF is a timed sequence of frames that FFmpeg
decodes, detects scenes in and cuts like any video (screen captures and animation tests come as
GIFs); a one-frame GIF is a still.
"""

from __future__ import annotations

from pathlib import Path

import av

from core.media.video_stream import video_stream

IMAGE_NAMES = {
    "png": "PNG",
    "apng": "PNG",
    "mjpeg": "JPEG",
    "jpegls": "JPEG-LS",
    "jpeg2000": "JPEG 2000",
    "tiff": "TIFF",
    "bmp": "BMP",
    "webp": "WebP",
    "gif": "GIF",
    "jpegxl": "JPEG XL",
    "qoi": "QOI",
}
ANIMATED_IMAGE_DEMUXERS = {"gif", "apng"}


def is_image_demuxer(container_format: str) -> bool:
    return container_format == "image2" or container_format.endswith("_pipe")


def _video_frames_up_to(path: Path, limit: int) -> int | None:
    """How many video packets with data the file holds, counting no further than `limit`."""
    try:
        with av.open("file:" + str(path.absolute()), metadata_errors="replace") as container:
            video = video_stream(container)
            if video is None:
                return None
            count = 0
            for packet in container.demux(video):
                count += 1 if packet.size else 0
                if count >= limit:
                    break
            return count
    except (av.error.FFmpegError, OSError):
        return None  # unreadable: the probe's own checks name that problem


def still_problem(path: Path, container_format: str, codec: str | None, seen: int = 0) -> str | None:
    """Why this file is a still and not a video (one line, no path), or None for a video. `seen`: the
    video packets with data a caller has already read from the file (a probe): from two on, the file
    need not be opened again to count them."""
    kind = IMAGE_NAMES.get(codec or "") or codec or "unknown codec"
    if is_image_demuxer(container_format):
        return f"a still image ({kind}), not a video"
    frames = seen if seen >= 2 else _video_frames_up_to(path, 2)
    if frames is None or frames >= 2:
        return None
    if container_format in ANIMATED_IMAGE_DEMUXERS:
        return f"a still image ({kind}), not a video"
    return f"a single video frame ({kind}), not a video" if frames == 1 else "no video frames, not a video"
