"""ffmpeg arguments for a preset's video settings (clips and R&D videos), x264 or NVENC.

Kept apart so the preset editor can show exactly the arguments a preset produces.
"""

from __future__ import annotations

from typing import Any


def video_codec_args(
    video: dict[str, Any],
    advanced: dict[str, Any],
    encoder: str,
    fps: float,
    threads: int | None = None,
    interlaced: bool = False,
) -> list[str]:
    gop = max(1, round((advanced.get("gop_seconds") or 2.0) * (fps or 25)))
    if encoder == "nvenc":
        args = [
            "-c:v",
            "h264_nvenc",
            "-preset",
            video["nvenc_preset"],
            "-tune",
            "hq",
            "-rc",
            "vbr",
            "-cq",
            str(video["crf"]),
            "-b:v",
            "0",
        ]
    else:
        args = ["-c:v", "libx264", "-preset", video["x264_preset"], "-crf", str(video["crf"])]
        if advanced.get("tune"):
            args += ["-tune", str(advanced["tune"])]
        if threads:
            args += ["-threads", str(threads)]
        if interlaced:  # fields kept: coded as fields, each frame's field order passed on
            args += ["-flags", "+ildct+ilme"]
    if video.get("maxrate"):
        args += ["-maxrate", str(video["maxrate"]), "-bufsize", str(video["bufsize"])]
    args += ["-g", str(gop), "-pix_fmt", "yuv420p", "-profile:v", "high"]
    return args


def audio_args(video: dict[str, Any], has_audio: bool) -> list[str]:
    if video.get("audio") and has_audio:
        return ["-c:a", "aac", "-b:a", str(video.get("audio_bitrate") or "192k")]
    return ["-an"]


def container_args(advanced: dict[str, Any]) -> list[str]:
    return ["-movflags", "+faststart"] if advanced.get("faststart", True) else []


def scale_filter(width: int, height: int) -> str:
    return f"scale={width}:{height}:flags=lanczos,setsar=1"


def preview_args(video: dict[str, Any], advanced: dict[str, Any], encoder: str) -> list[str]:
    """What a preset's clips are encoded with, for showing to the user (25 fps source assumed)."""
    return [*video_codec_args(video, advanced, encoder, 25.0), *audio_args(video, True), *container_args(advanced)]
