"""Anamorphic and rotated masters give pictures at the display aspect (issue 8, item 1): stills,
web stills and thumbnails with square pixels at the full height, clips with square pixels (or the
source's pixel aspect with keep_pixel_aspect), and the manifest and file_registry list every output,
the master included, at the size it is shown."""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.media.probe import probe
from core.pipeline.presets import BUILTIN_PRESETS
from tests.conftest import SCENES
from tests.helpers import decode_rgb, nearest_frame, vat
from tests.media import cut_starts, remux


def _run(master: Path, out: Path, *extra: str) -> Path:
    done = vat(
        "run",
        master,
        "--artwork",
        "Wide",
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
    return out / "26-11-23_Wide"


def _manifest_sizes(root: Path) -> dict[str, tuple[int, int]]:
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    # the contact sheet is a page of pictures, not one
    return {
        o["path"]: (o["width"], o["height"]) for o in manifest["outputs"] if o["width"] and o["kind"] != "contact_sheet"
    }


def _registry_sizes() -> dict[str, str]:
    from db.connection import open_database
    from db.models import FileRegistry

    open_database()
    return {
        r.file_path.rsplit("/", 1)[-1]: r.resolution
        for r in FileRegistry.select()
        if r.resolution and r.file_type != "contact_sheet"
    }


def _shown(frames: list[np.ndarray], size: tuple[int, int]) -> list[np.ndarray]:
    """The master's frames as a player shows them: stretched to the display size."""
    return [
        np.asarray(Image.fromarray(f.astype(np.uint8)).resize(size, Image.Resampling.LANCZOS)).astype(np.int16)
        for f in frames
    ]


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_anamorphic_master_gives_square_pixels_at_the_display_aspect(anamorphic_video: Path, tmp_path: Path) -> None:
    info = probe(anamorphic_video)
    assert (info.width, info.height, info.sample_aspect) == (176, 144, Fraction(16, 11))
    assert info.display_size == (256, 144)
    root = _run(anamorphic_video, tmp_path / "out")

    # every picture is 256x144 (the full height kept; the thumbnail's 320 and the web still's 1920
    # are upper bounds, never an upscale), with square pixels
    for path in [*root.glob("stills/*/*"), *root.glob("thumbnails/*")]:
        with Image.open(path) as im:
            assert im.size == (256, 144), path.name
    for clip_path in root.glob("clips/*.mp4"):
        shown = probe(clip_path)
        assert (shown.width, shown.height, shown.sample_aspect) == (256, 144, 1), clip_path.name

    # and they are the right frames, undistorted: each matches the master stretched to 256x144
    frames = _shown(decode_rgb(anamorphic_video), (256, 144))
    starts = cut_starts(SCENES)
    clip = decode_rgb(root / "clips" / "Wide_s001.mp4")
    assert len(clip) == SCENES[0]
    assert nearest_frame(clip[0], frames) == 0 and nearest_frame(clip[-1], frames) == SCENES[0] - 1
    assert np.abs(clip[0] - frames[0]).mean() < 4
    for n in (1, 3):
        first, last = starts[n - 1], starts[n - 1] + SCENES[n - 1] - 1
        still = np.asarray(Image.open(root / "stills" / "hq" / f"Wide_s{n:03d}_hq.png").convert("RGB")).astype(np.int16)
        assert nearest_frame(still, frames) == (first + last) // 2
        assert np.abs(still - frames[(first + last) // 2]).mean() < 3

    # the manifest and file_registry list display sizes, the master's too (it is stored 176x144)
    sizes = _manifest_sizes(root)
    assert set(sizes.values()) == {(256, 144)}, sizes
    assert sizes["masters/Wide_master.mp4"] == (256, 144)
    assert set(_registry_sizes().values()) == {"256x144"}


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_preset_maximum_width_applies_after_the_aspect_correction(anamorphic_video: Path, tmp_path: Path) -> None:
    # preview_fast: thumbnails 240 wide; 256x144 shown, so 240x135 (not 176x144 squeezed, nor 240x196)
    root = _run(anamorphic_video, tmp_path / "out", "--preset", "preview_fast")
    with Image.open(root / "thumbnails" / "Wide_s001_thumb.jpg") as im:
        assert im.size == (240, 135)
    with Image.open(root / "stills" / "web" / "Wide_s001_web.webp") as im:
        assert im.size == (256, 144)


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_keep_pixel_aspect_keeps_the_stored_size_and_the_sources_pixel_shape(
    anamorphic_video: Path, tmp_path: Path
) -> None:
    from core.pipeline.preset_store import save_preset
    from db.connection import open_database

    open_database()
    preset = copy.deepcopy(next(p for p in BUILTIN_PRESETS if p.preset_id == "webflow_standard"))
    preset.preset_id, preset.preset_name = "anamorphic_clips", "Anamorphic clips"
    preset.advanced = {k: v for k, v in preset.advanced.items() if k != "builtin"}
    preset.video["keep_pixel_aspect"] = True
    save_preset(preset)
    root = _run(anamorphic_video, tmp_path / "out", "--preset", "anamorphic_clips")

    clip = probe(root / "clips" / "Wide_s001.mp4")
    assert (clip.width, clip.height, clip.sample_aspect) == (176, 144, Fraction(16, 11))
    assert clip.display_size == (256, 144)
    assert len(decode_rgb(root / "clips" / "Wide_s001.mp4")) == SCENES[0]
    with Image.open(root / "stills" / "hq" / "Wide_s001_hq.png") as im:
        assert im.size == (256, 144)  # pictures always have square pixels
    assert _manifest_sizes(root)["clips/Wide_s001.mp4"] == (256, 144)  # listed as shown
    assert _registry_sizes()["Wide_s001.mp4"] == "256x144"


@pytest.fixture(scope="module")
def rotated_video(media_dir: Path, cut_video: Path) -> Path:
    return remux(cut_video, media_dir / "rotated_listing.mp4", before_input=["-display_rotation", "90"])


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_rotated_master_is_listed_as_shown_like_its_outputs(rotated_video: Path, tmp_path: Path) -> None:
    root = _run(rotated_video, tmp_path / "out")
    sizes = _manifest_sizes(root)
    assert sizes["masters/Wide_master.mp4"] == (96, 160)
    assert set(sizes.values()) == {(96, 160)}, sizes
    assert set(_registry_sizes().values()) == {"96x160"}
