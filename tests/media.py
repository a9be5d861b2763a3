"""Test media made with the real ffmpeg's lavfi sources: tiny, with known cut frames.

Each scene is a flat background of its own colour with a small moving test pattern on it, so every
frame differs from its neighbours (a clip's first and last frames can be told apart from the
frames beside them) while the only big change is the hard cut between scenes.
"""

from __future__ import annotations

from pathlib import Path

from core import ffmpeg

COLOURS = ["0x1f4e9c", "0xd9482b", "0x2f9e44", "0xf0c419", "0x7b2fa8", "0x19b5c9", "0xe8e8e8", "0x222222"]


def scene_filter(index: int, frames: int, fps: int, size: tuple[int, int]) -> str:
    w, h = size
    colour = COLOURS[index % len(COLOURS)]
    return (
        f"color=c={colour}:s={w}x{h}:r={fps},trim=end_frame={frames}[bg{index}];"
        f"testsrc2=s={max(16, w // 4)}x{max(16, h // 4)}:r={fps},trim=end_frame={frames}[fg{index}];"
        f"[bg{index}][fg{index}]overlay=x='mod(n*3,W-w)':y='mod(n*2,H-h)',setpts=PTS-STARTPTS[v{index}]"
    )


def make_cut_video(
    path: Path,
    scene_frames: list[int],
    *,
    fps: int = 25,
    size: tuple[int, int] = (160, 96),
    audio: bool = True,
    extra_args: list[str] | None = None,
) -> Path:
    """A video whose scenes have the given frame counts, cut hard between them."""
    parts = [scene_filter(i, n, fps, size) for i, n in enumerate(scene_frames)]
    labels = "".join(f"[v{i}]" for i in range(len(scene_frames)))
    graph = ";".join(parts) + f";{labels}concat=n={len(scene_frames)}:v=1:a=0,format=yuv420p[v]"
    total = sum(scene_frames) / fps
    args = ["-filter_complex", graph]
    if audio:
        args += ["-f", "lavfi", "-t", f"{total:.6f}", "-i", "sine=frequency=440:sample_rate=48000"]
    args += ["-map", "[v]"]
    if audio:
        args += ["-map", "0:a", "-c:a", "aac", "-b:a", "64k"]
    args += ["-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-bf", "2", "-threads", "2"]
    args += list(extra_args or [])
    args += [ffmpeg.file_arg(path)]
    ffmpeg.run(args)
    return path


def cut_starts(scene_frames: list[int]) -> list[int]:
    """0-based first frame of every scene."""
    starts, at = [], 0
    for n in scene_frames:
        starts.append(at)
        at += n
    return starts
