"""Interlaced masters (issue 8, item 2): stills, thumbnails and clips are deinterlaced with a
frame-count preserving filter, chosen by the stream's field order; a preset's `deinterlace: off`
keeps the clips' fields. Clips stay frame-exact either way."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.media.probe import probe
from core.pipeline.presets import BUILTIN_PRESETS
from tests.conftest import SCENES
from tests.helpers import decode_rgb, nearest_frame, vat
from tests.media import combing, cut_starts


@pytest.fixture(scope="module")
def source(interlaced_video: Path) -> tuple[list[np.ndarray], float]:
    frames = decode_rgb(interlaced_video)
    return frames, float(np.mean([combing(f) for f in frames]))


def _top_field(frames: list[np.ndarray]) -> list[np.ndarray]:
    """The top field's rows: a deinterlaced frame keeps them (the other field is interpolated), so
    they tell which source frame a deinterlaced picture is."""
    return [f[::2] for f in frames]


def _run(master: Path, out: Path, *extra: str) -> Path:
    done = vat(
        "run",
        master,
        "--artwork",
        "Fields",
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
        *extra,
    )
    assert done.returncode == 0, done.stderr
    return out / "26-11-23_Fields"


def _picture(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(np.int16)


def test_the_probe_reads_the_field_order(interlaced_video: Path, cut_video: Path) -> None:
    assert probe(interlaced_video).field_order == "tt" and probe(interlaced_video).interlaced
    assert probe(cut_video).field_order == "progressive" and not probe(cut_video).interlaced


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_pictures_and_clips_of_an_interlaced_master_are_deinterlaced(
    interlaced_video: Path, source: tuple[list[np.ndarray], float], tmp_path: Path
) -> None:
    frames, source_combing = source
    assert source_combing > 3  # the fields of the moving pattern are woven together
    tops = _top_field(frames)
    root = _run(interlaced_video, tmp_path / "out")
    starts = cut_starts(SCENES)
    for n in range(1, 6):
        middle = (starts[n - 1] + starts[n - 1] + SCENES[n - 1] - 1) // 2
        for path in (
            root / "stills" / "hq" / f"Fields_s{n:03d}_hq.png",
            root / "stills" / "web" / f"Fields_s{n:03d}_web.jpg",
            root / "thumbnails" / f"Fields_s{n:03d}_thumb.jpg",
        ):
            picture = _picture(path)
            assert combing(picture) < source_combing / 2, path.name
            assert nearest_frame(picture[::2], tops) == middle, path.name
    bounds = {"s001": (0, SCENES[0] - 1), "g01": (starts[1], starts[2] + SCENES[2] - 1)}
    for tag, (first, last) in bounds.items():
        clip = decode_rgb(root / "clips" / f"Fields_{tag}.mp4")
        assert len(clip) == last - first + 1, tag  # the deinterlacer keeps the frame count
        assert np.mean([combing(f) for f in clip]) < source_combing / 2, tag
        assert nearest_frame(clip[0][::2], tops) == first, tag
        assert nearest_frame(clip[-1][::2], tops) == last, tag
        assert probe(root / "clips" / f"Fields_{tag}.mp4").field_order == "progressive"


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_deinterlace_off_keeps_the_fields_of_clips(
    interlaced_video: Path, source: tuple[list[np.ndarray], float], tmp_path: Path
) -> None:
    from core.pipeline.preset_store import save_preset
    from db.connection import open_database

    frames, source_combing = source
    open_database()
    preset = copy.deepcopy(next(p for p in BUILTIN_PRESETS if p.preset_id == "archive_hq"))
    preset.preset_id, preset.preset_name = "fields_kept", "Fields kept"
    preset.advanced = {k: v for k, v in preset.advanced.items() if k != "builtin"}
    preset.video["deinterlace"] = "off"
    preset.video["x264_preset"] = "veryfast"
    save_preset(preset)
    root = _run(interlaced_video, tmp_path / "out", "--preset", "fields_kept")

    clip_path = root / "clips" / "Fields_s001.mp4"
    clip = decode_rgb(clip_path)
    assert len(clip) == SCENES[0]
    assert np.mean([combing(f) for f in clip]) > source_combing * 0.8  # the fields are still there
    assert probe(clip_path).interlaced  # and coded as fields
    assert nearest_frame(clip[0], frames) == 0 and nearest_frame(clip[-1], frames) == SCENES[0] - 1
    # stills never keep the fields: a combed picture is a damaged one
    assert combing(_picture(root / "stills" / "hq" / "Fields_s001_hq.tiff")) < source_combing / 2


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_rotated_interlaced_master_is_deinterlaced_before_it_is_turned(
    interlaced_video: Path, source: tuple[list[np.ndarray], float], media_dir: Path, tmp_path: Path
) -> None:
    from tests.media import remux

    frames, source_combing = source
    rotated = remux(interlaced_video, media_dir / "interlaced_rotated.mp4", before_input=["-display_rotation", "90"])
    root = _run(rotated, tmp_path / "out")
    clip_path = root / "clips" / "Fields_s001.mp4"
    shown = probe(clip_path)
    assert (shown.width, shown.height, shown.rotation) == (96, 160, 0)  # turned once, not twice
    tops = _top_field(frames)
    # turned back, the stored rows are rows again: the fields were merged along them
    clip = [np.rot90(f, k=-1) for f in decode_rgb(clip_path)]
    assert len(clip) == SCENES[0]
    assert np.mean([combing(f) for f in clip]) < source_combing / 2
    assert nearest_frame(clip[0][::2], tops) == 0 and nearest_frame(clip[-1][::2], tops) == SCENES[0] - 1
    still = np.rot90(_picture(root / "stills" / "hq" / "Fields_s001_hq.png"), k=-1)
    assert still.shape == frames[0].shape and combing(still) < source_combing / 2
