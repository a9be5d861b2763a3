"""Clips are frame-exact on awkward sources: variable frame rate, open GOPs with B-frames, a first
timestamp that is not zero, a rotated master. Checked on decoded pixels, not timestamps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import SCENES
from tests.helpers import decode_rgb, nearest_frame, vat
from tests.media import cut_starts, make_cut_video, make_vfr_video, remux


@pytest.fixture(scope="module")
def awkward_sources(media_dir: Path, cut_video: Path) -> dict[str, Path]:
    sources = {
        "vfr": make_vfr_video(media_dir / "vfr.mp4", SCENES, slow=(20, 70)),
        "open_gop": make_cut_video(
            media_dir / "open_gop.mp4",
            SCENES,
            audio=False,
            extra_args=["-x264-params", "open-gop=1:keyint=12:min-keyint=12:bframes=3"],
        ),
        "mpegts_offset": remux(cut_video, media_dir / "offset.ts", extra=["-f", "mpegts"]),
        "mp4_offset": remux(cut_video, media_dir / "offset.mp4", extra=["-output_ts_offset", "7.3"]),
        "rotated": remux(cut_video, media_dir / "rotated.mp4", before_input=["-display_rotation", "90"]),
    }
    return sources


def rotated_frames(frames: list[np.ndarray]) -> list[np.ndarray]:
    """What a player shows of a master with a 90° display rotation (ffmpeg's autorotate)."""
    return [
        np.asarray(Image.fromarray(f.astype(np.uint8)).transpose(Image.Transpose.ROTATE_90)).astype(np.int16)
        for f in frames
    ]


@pytest.mark.parametrize("kind", ["vfr", "open_gop", "mpegts_offset", "mp4_offset", "rotated"])
@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_clips_and_stills_are_exact(kind: str, awkward_sources: dict[str, Path], tmp_path: Path) -> None:
    source = awkward_sources[kind]
    out = tmp_path / "out"
    done = vat(
        "run",
        source,
        "--artwork",
        "Edge",
        "--date",
        "26-11-23",
        "--out",
        out,
        "--group",
        "2-3",
        "--workers",
        "2",
        "--detector",
        "content",
    )
    assert done.returncode == 0, done.stderr
    root = out / "26-11-23_Edge"
    frames = decode_rgb(source)
    if kind == "rotated":
        frames = rotated_frames(frames)
    starts = cut_starts(SCENES)
    bounds = {f"s{n:03d}": (starts[n - 1], starts[n - 1] + SCENES[n - 1] - 1) for n in (1, 4, 5)}
    bounds["g01"] = (starts[1], starts[2] + SCENES[2] - 1)
    for tag, (first, last) in bounds.items():
        clip = decode_rgb(root / "clips" / f"Edge_{tag}.mp4")
        assert clip[0].shape == frames[0].shape, tag
        assert len(clip) == last - first + 1, tag
        assert nearest_frame(clip[0], frames) == first, tag
        assert nearest_frame(clip[-1], frames) == last, tag
    for n in range(1, 6):
        first, last = starts[n - 1], starts[n - 1] + SCENES[n - 1] - 1
        still = np.asarray(Image.open(root / "stills" / "hq" / f"Edge_s{n:03d}_hq.png").convert("RGB")).astype(np.int16)
        assert nearest_frame(still, frames) == (first + last) // 2, f"still s{n:03d}"
