"""Test media made with the real ffmpeg's lavfi sources: tiny, with known cut frames.

Each scene is a flat background of its own colour with a small moving test pattern on it, so every
frame differs from its neighbours (a clip's first and last frames can be told apart from the
frames beside them) while the only big change is the hard cut between scenes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.media import ffmpeg

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


def encode_graph(graph: str, path: Path, *extra: str) -> Path:
    """Encode a lavfi graph's [v] output with x264 (veryfast, 2 threads) plus `extra` output options."""
    ffmpeg.run(
        [
            "-filter_complex",
            graph,
            "-map",
            "[v]",
            *extra,
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-threads",
            "2",
            ffmpeg.file_arg(path),
        ]
    )
    return path


def cut_starts(scene_frames: list[int]) -> list[int]:
    """0-based first frame of every scene."""
    starts, at = [], 0
    for n in scene_frames:
        starts.append(at)
        at += n
    return starts


def _cut_graph(scene_frames: list[int], fps: int, size: tuple[int, int]) -> str:
    """The scenes of make_cut_video, concatenated to the label [cat]."""
    parts = [scene_filter(i, n, fps, size) for i, n in enumerate(scene_frames)]
    labels = "".join(f"[v{i}]" for i in range(len(scene_frames)))
    return ";".join(parts) + f";{labels}concat=n={len(scene_frames)}:v=1:a=0,format=yuv420p[cat]"


def vfr_times(frames: int, slow: tuple[int, int], fps: int = 25) -> list[float]:
    """Frame times of make_vfr_video: frames slow[0]..slow[1]-1 last two frame periods, not one."""
    first, stop = slow
    return [(n + min(max(n - first, 0), stop - first)) / fps for n in range(frames)]


def make_vfr_video(
    path: Path,
    scene_frames: list[int],
    slow: tuple[int, int],
    *,
    fps: int = 25,
    size: tuple[int, int] = (160, 96),
) -> Path:
    """make_cut_video's scenes (no audio) with variable frame rate: see vfr_times."""
    first, stop = slow
    graph = _cut_graph(scene_frames, fps, size) + (f";[cat]setpts='(N+clip(N-{first},0,{stop - first}))/({fps}*TB)'[v]")
    encode_graph(graph, path, "-fps_mode", "passthrough", "-bf", "2")
    return path


def make_black_gap_video(
    path: Path,
    scene_frames: list[int],
    black_frames: int,
    *,
    fps: int = 25,
    size: tuple[int, int] = (160, 96),
) -> Path:
    """make_cut_video's scenes (no audio) with `black_frames` of pure black between them."""
    w, h = size
    parts, labels = [], ""
    for i, n in enumerate(scene_frames):
        parts.append(scene_filter(i, n, fps, size))
        labels += f"[v{i}]"
        if i < len(scene_frames) - 1:
            black = f"color=c=black:s={w}x{h}:r={fps},trim=end_frame={black_frames},setpts=PTS-STARTPTS"
            parts.append(f"{black}[b{i}]")
            labels += f"[b{i}]"
    count = len(scene_frames) * 2 - 1
    graph = ";".join(parts) + f";{labels}concat=n={count}:v=1:a=0,format=yuv420p[v]"
    encode_graph(graph, path)
    return path


def black_gap_cuts(scene_frames: list[int], black_frames: int) -> list[int]:
    """Where the threshold detector cuts make_black_gap_video: the middle of each black gap."""
    starts, at = [0], 0
    for n in scene_frames[:-1]:
        at += n
        starts.append(at + round(black_frames / 2))  # fade_bias 0: halfway through the black
        at += black_frames
    return starts


def remux(src: Path, dst: Path, *, before_input: list[str] | None = None, extra: list[str] | None = None) -> Path:
    """A stream copy of `src` with options before its input (-display_rotation) or after (-f mpegts)."""
    ffmpeg.run(
        [
            *(before_input or []),
            "-i",
            ffmpeg.file_arg(src),
            "-map",
            "0",
            "-c",
            "copy",
            *(extra or []),
            ffmpeg.file_arg(dst),
        ]
    )
    return dst


def make_chaptered(src: Path, dst: Path, chapters: list[tuple[float, float, str]], title: str) -> Path:
    """`src` remuxed with chapters from an ffmetadata file (MP4 stores them as a text track)."""
    meta = dst.with_suffix(".ffmeta")
    lines = [";FFMETADATA1", f"title={title}"]
    for start, end, name in chapters:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={round(start * 1000)}",
            f"END={round(end * 1000)}",
            f"title={name}",
        ]
    meta.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ffmpeg.run(
        [
            "-i",
            ffmpeg.file_arg(src),
            "-f",
            "ffmetadata",
            "-i",
            ffmpeg.file_arg(meta),
            "-map",
            "0",
            "-map_metadata",
            "1",
            "-map_chapters",
            "1",
            "-c",
            "copy",
            ffmpeg.file_arg(dst),
        ]
    )
    return dst


def make_audio_only(path: Path, seconds: float = 1.0) -> Path:
    """An AAC tone and nothing else."""
    tone = f"sine=frequency=440:duration={seconds}"
    ffmpeg.run(["-f", "lavfi", "-i", tone, "-c:a", "aac", ffmpeg.file_arg(path)])
    return path


def truncate_copy(src: Path, dst: Path, fraction: float = 0.5) -> Path:
    """The first `fraction` of `src`'s bytes, as a download or copy cut short leaves it."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def make_anamorphic_video(
    path: Path,
    scene_frames: list[int],
    *,
    sar: str = "16/11",
    fps: int = 25,
    size: tuple[int, int] = (176, 144),
) -> Path:
    """make_cut_video's scenes (no audio) stored with non-square pixels: 176x144 at SAR 16:11 is
    shown 256x144, as a 704x576 PAL 16:9 master is shown 1024x576."""
    graph = _cut_graph(scene_frames, fps, size) + f";[cat]setsar={sar}[v]"
    encode_graph(graph, path, "-g", "50", "-bf", "2")
    return path


def make_interlaced_video(
    path: Path,
    scene_frames: list[int],
    *,
    fps: int = 25,
    size: tuple[int, int] = (160, 96),
) -> Path:
    """make_cut_video's scenes (no audio) as true interlaced video, top field first: each frame
    holds two fields taken 1/50 s apart, so the moving pattern combs, coded as fields (libx264 with
    +ildct+ilme marks the stream's field order "tt"). Every frame still differs from its neighbours."""
    graph = _cut_graph([2 * n for n in scene_frames], 2 * fps, size) + (
        ";[cat]tinterlace=mode=interleave_top,setfield=tff[v]"
    )
    encode_graph(graph, path, "-flags", "+ildct+ilme", "-g", "50", "-bf", "2")
    return path


def combing(frame: np.ndarray) -> float:
    """How much a frame's rows disagree with the mean of the rows either side of them (RGB array):
    high where two fields of a moving picture are woven together, low once deinterlaced."""
    import numpy as np

    rows = np.asarray(frame, dtype=np.float64)
    return float(np.abs(rows[1:-1] - (rows[:-2] + rows[2:]) / 2).mean())


def make_cover_art_video(
    path: Path, scene_frames: list[int], *, fps: int = 25, size: tuple[int, int] = (160, 96)
) -> Path:
    """An MP4 cut video whose FIRST video stream is a cover picture (attached_pic, a magenta PNG).

    ffmpeg writes the cover (udta/meta/ilst/covr) after the tracks; taggers may put udta first,
    which box order allows, and then the demuxer lists the cover before the film. The moov boxes
    are reordered here (moov follows mdat, so no chunk offset moves)."""
    film = make_cut_video(path.with_name(path.stem + "-film.mp4"), scene_frames, fps=fps, size=size)
    cover = path.with_name(path.stem + "-cover.png")
    ffmpeg.run(
        ["-f", "lavfi", "-i", f"color=c=0xff00ff:s={size[0]}x{size[1]}", "-frames:v", "1", ffmpeg.file_arg(cover)]
    )
    ffmpeg.run(
        [
            "-i",
            ffmpeg.file_arg(cover),
            "-i",
            ffmpeg.file_arg(film),
            "-map",
            "0:v",
            "-map",
            "1:v",
            "-map",
            "1:a",
            "-c",
            "copy",
            "-disposition:v:0",
            "attached_pic",
            "-disposition:v:1",
            "default",
            "-f",
            "mp4",
            ffmpeg.file_arg(path),
        ]
    )
    film.unlink()
    cover.unlink()
    path.write_bytes(_udta_first(path.read_bytes()))
    return path


def _boxes(data: bytes) -> list[bytes]:
    out, at = [], 0
    while at < len(data):
        size = int.from_bytes(data[at : at + 4], "big")
        out.append(data[at : at + size])
        at += size
    return out


def _udta_first(data: bytes) -> bytes:
    top = _boxes(data)
    for i, box in enumerate(top):
        if box[4:8] == b"moov":
            children = _boxes(box[8:])
            udta = [c for c in children if c[4:8] == b"udta"]
            rest = [c for c in children if c[4:8] != b"udta"]
            assert udta, "no udta box: the cover was not written"
            top[i] = box[:8] + rest[0] + udta[0] + b"".join(rest[1:])  # mvhd, udta, the tracks
    return b"".join(top)
