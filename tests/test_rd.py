"""The R&D folder: images get an HQ and a web version, videos are compressed, the rest is skipped and
listed, and the inputs are never modified."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import pytest
from PIL import Image

from core.media.image_meta import read_copyright
from tests.helpers import vat
from tests.media import make_cut_video


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_rd_folder_is_processed_and_left_untouched(cut_video: Path, tmp_path: Path) -> None:
    rd = tmp_path / "R&D"
    (rd / "sketches (old)").mkdir(parents=True)
    (rd / "tests").mkdir()
    Image.new("RGBA", (2400, 1200), (200, 30, 30, 128)).save(rd / "sketches (old)" / "wide sketch.png")
    Image.new("RGB", (300, 200), (20, 90, 200)).save(rd / "small.JPG")
    make_cut_video(rd / "tests" / "motion test.mov", [20, 20], audio=False)
    (rd / "notes.txt").write_text("ideas")
    (rd / "broken.png").write_bytes(b"not a png at all")
    before = digest(rd)

    out = tmp_path / "out"
    done = vat("run", cut_video, "--artwork", "RD", "--date", "26-11-23", "--out", out, "--rd", rd, "--scenes", "1")
    assert done.returncode == 0, done.stderr
    assert digest(rd) == before, "an R&D input was modified"
    root = out / "26-11-23_RD" / "rd"

    hq = root / "images" / "sketches_old" / "wide_sketch_hq.png"
    web = root / "images" / "sketches_old" / "wide_sketch_web.jpg"
    with Image.open(hq) as im:
        assert im.size == (2400, 1200) and im.mode == "RGBA"
    with Image.open(web) as im:
        assert im.size == (1920, 960)  # webflow_standard: web images at most 1920 wide
    assert read_copyright(hq) == read_copyright(web) == "© Yambo Studio"
    with Image.open(root / "images" / "small_web.jpg") as im:
        assert im.size == (300, 200)  # never upscaled

    video = root / "videos" / "tests" / "motion_test.mp4"
    with av.open(str(video)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 40
        assert container.metadata.get("copyright") == "© Yambo Studio"

    log = (out / "26-11-23_RD" / "RD_process_log.txt").read_text()
    assert "notes.txt: unsupported type .txt" in log
    assert "broken.png: not a readable image" in log


def test_rd_still_named_as_video_is_skipped_and_images_are_kept(tmp_path: Path) -> None:
    from core.pipeline.rd import scan

    rd = tmp_path / "R&D"
    rd.mkdir()
    Image.new("RGB", (64, 48), (20, 90, 200)).save(rd / "frame.png")
    (rd / "not a clip.mp4").write_bytes((rd / "frame.png").read_bytes())
    make_cut_video(rd / "clip.mp4", [10, 10], audio=False)
    found, skipped = scan(rd)
    assert [(f.relative.as_posix(), f.kind) for f in found] == [("clip.mp4", "video"), ("frame.png", "image")]
    assert [s.relative.as_posix() for s in skipped] == ["not a clip.mp4"]
    assert skipped[0].reason.endswith("not a clip.mp4: a still image (PNG), not a video")
