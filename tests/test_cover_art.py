"""A master whose first video stream is cover art (issue 9, one video-stream chooser): detection,
stills, clips and the archive checks all read the film, never the cover picture."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from core.media.probe import probe
from core.media.video_stream import video_map
from tests.helpers import decode_rgb, vat
from tests.media import make_cover_art_video

SCENES = [30, 40, 30]
MAGENTA = np.array([255, 0, 255])


def _is_cover(rgb: np.ndarray) -> bool:
    return bool(np.abs(rgb.reshape(-1, 3).mean(axis=0) - MAGENTA).max() < 40)


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_cover_art_master_gives_stills_and_clips_of_the_film(tmp_path: Path) -> None:
    master = make_cover_art_video(tmp_path / "covered.mp4", SCENES)
    with av.open(str(master)) as container:
        first = container.streams.video[0]
        assert first.disposition & av.stream.Disposition.attached_pic  # the trap is set
    info = probe(master)
    assert (info.width, info.height, info.frame_count) == (160, 96, sum(SCENES))
    assert video_map(master) == "0:1"

    done = vat(
        "run",
        master,
        "--artwork",
        "Covered",
        "--date",
        "26-12-01",
        "--out",
        tmp_path / "out",
        "--workers",
        "2",
        "--detector",
        "content",
    )
    assert done.returncode == 0, done.stderr
    root = tmp_path / "out" / "26-12-01_Covered"

    stills = sorted(root.glob("stills/*/*"))
    assert stills
    for path in stills:
        with Image.open(path) as im:
            assert not _is_cover(np.asarray(im.convert("RGB"))), f"{path.name} is the cover picture"
    clips = sorted(root.glob("clips/*.mp4"))
    assert len(clips) == len(SCENES)  # detection found the film's cuts
    for clip, frames in zip(clips, SCENES, strict=True):
        decoded = decode_rgb(clip)
        assert len(decoded) == frames, clip.name
        assert not _is_cover(decoded[0]), f"{clip.name} shows the cover picture"
