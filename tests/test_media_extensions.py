"""One set of media extensions (issue 9): the file picker and the path suggestion offer the videos
the R&D scan accepts. They disagreed: .ts was offered but skipped, .m2ts accepted but never offered."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.media.extensions import VIDEO_EXTENSIONS
from core.pipeline.rd import scan
from tests.media import remux
from tui.widgets.path_suggester import VIDEO_SUFFIXES, PathSuggester


def test_rd_scan_accepts_every_video_the_picker_offers(cut_video: Path, tmp_path: Path) -> None:
    folder = tmp_path / "rd"
    folder.mkdir()
    remux(cut_video, folder / "broadcast.ts", extra=["-f", "mpegts"])
    found, skipped = scan(folder)
    assert [f.kind for f in found] == ["video"], skipped
    assert ".ts" in VIDEO_SUFFIXES


def test_path_suggestion_offers_every_video_the_rd_scan_accepts(tmp_path: Path) -> None:
    (tmp_path / "camera.m2ts").write_bytes(b"")
    suggester = PathSuggester(suffixes=VIDEO_SUFFIXES)
    assert asyncio.run(suggester.get_suggestion(str(tmp_path / "cam"))) == str(tmp_path / "camera.m2ts")
    assert VIDEO_SUFFIXES == VIDEO_EXTENSIONS
