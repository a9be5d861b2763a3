"""The picker's thumbnails use the same display-size rule as stills and clips (issue 9, one
rotated/display-size function): an anamorphic master's thumbnails are at its display aspect."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from core.media.picture import display_dimensions
from core.media.probe import probe
from tui.thumbs import WIDTH, ThumbnailStore


def test_anamorphic_thumbnails_are_at_the_display_aspect(anamorphic_video: Path) -> None:
    info = probe(anamorphic_video)
    assert info.sample_aspect == Fraction(16, 11)
    assert info.width is not None and info.height is not None
    shown_w, shown_h = display_dimensions(info.width, info.height, info.sample_aspect, info.rotation)
    store = ThumbnailStore(anamorphic_video, info.rotation, on_disk=False)
    assert store.load(10).size == (WIDTH, round(WIDTH * shown_h / shown_w))  # 96x54, not 96x79
