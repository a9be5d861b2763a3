"""The one rule for which stream of a file is "the video": the first that is not cover art.

MP4, MKV and MP3 files can carry a picture (attached_pic) as a video stream, sometimes first; every
reader (probe, detection, stills, clips, verification) takes the stream this module names, so a
master with a cover gives stills and clips of its film, never of the cover.
"""

from __future__ import annotations

from pathlib import Path

import av
import av.error
import av.stream
from av.container import InputContainer
from av.video.stream import VideoStream


def is_cover_art(stream: av.stream.Stream) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def video_stream(container: InputContainer) -> VideoStream | None:
    """The container's first real video stream, or None."""
    for stream in container.streams.video:
        if not is_cover_art(stream):
            return stream
    return None


def video_map(path: Path) -> str:
    """ffmpeg's stream specifier ("0:N") for the video of `path`, the only input of a command."""
    try:
        with av.open("file:" + str(Path(path).absolute()), metadata_errors="replace") as container:
            stream = video_stream(container)
            if stream is not None:
                return f"0:{stream.index}"
    except (av.error.FFmpegError, OSError):
        pass  # unreadable: ffmpeg itself names the problem
    return "0:v:0"
