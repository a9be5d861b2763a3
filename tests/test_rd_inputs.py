"""R&D inputs never collide or hang: inputs that make the same safe name all get an output of their
own (core/rd_names.py), non-regular files are never opened, links out of the folder are not archived."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import av
import pytest
from PIL import Image

from tests.helpers import json_events, vat
from tests.media import make_cut_video

ARGS = ["--artwork", "RD", "--date", "26-11-23", "--scenes", "1", "--workers", "1"]


def run_with(rd: Path, out: Path, *extra: str | Path, timeout: float = 120) -> Path:
    done = vat("run", "--out", out, "--rd", rd, *ARGS, *extra, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return out / "26-11-23_RD"


def manifest(root: Path) -> dict[str, dict]:
    return {e["path"]: e for e in json.loads((root / "manifest.json").read_text())["outputs"]}


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_inputs_that_make_the_same_name_each_keep_their_output(cut_video: Path, tmp_path: Path) -> None:
    rd = tmp_path / "R&D"
    rd.mkdir()
    # each input its own size, so every output shows which input it was made from
    sizes = {
        "a b.png": (100, 50),
        "a_b.png": (120, 60),
        "sketch.jpg": (140, 70),
        "sketch.png": (160, 80),
        "solo.png": (90, 90),
    }
    for name, size in sizes.items():
        Image.new("RGB", size, (40, 120, 200)).save(rd / name)
    make_cut_video(rd / "clip.mov", [10], audio=False)
    make_cut_video(rd / "clip.mp4", [12], audio=False)

    root = run_with(rd, tmp_path / "out", cut_video)
    # the first in sorted order keeps the plain name, the others add their extension
    made_from = {
        "a_b": "a b.png",
        "a_b_png": "a_b.png",
        "sketch": "sketch.jpg",
        "sketch_png": "sketch.png",
        "solo": "solo.png",
    }
    listed = manifest(root)
    for name, source in made_from.items():
        for variant, fmt in (("hq", "png"), ("web", "jpg")):
            path = root / "rd" / "images" / f"{name}_{variant}.{fmt}"
            with Image.open(path) as im:
                assert im.size == sizes[source], f"{path.name} was not made from {source}"
            entry = listed[f"rd/images/{name}_{variant}.{fmt}"]
            assert entry["source"] == source
            assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    for name, source, frames in (("clip", "clip.mov", 10), ("clip_mp4", "clip.mp4", 12)):
        path = root / "rd" / "videos" / f"{name}.mp4"
        with av.open(str(path)) as container:
            assert sum(1 for _ in container.decode(video=0)) == frames, f"{path.name} was not made from {source}"
        assert listed[f"rd/videos/{name}.mp4"]["source"] == source
    assert len(list((root / "rd").rglob("*.*"))) == 2 * len(sizes) + 2


def test_names_stay_distinct_whatever_collides() -> None:
    from core.pipeline.rd_names import output_names

    files = [
        (Path(n), "image")
        for n in ("a b.png", "a_b.png", "a_b_png.png", "A_B.PNG", "x/a.png", "x/a.jpg", "X/a.png", "clip.png")
    ]
    files += [(Path("clip.mp4"), "video"), (Path("clip.mov"), "video")]
    names = output_names(files)
    images = [names[rel].as_posix().casefold() for rel, kind in files if kind == "image"]
    assert len(set(images)) == len(images)
    assert names[Path("a_b_png.png")] == Path("a_b_png")  # colliding with no other input: name kept
    assert names[Path("clip.mov")] != names[Path("clip.mp4")]


def test_a_fifo_is_skipped_and_never_opened(cut_video: Path, tmp_path: Path) -> None:
    rd = tmp_path / "R&D"
    rd.mkdir()
    os.mkfifo(rd / "stream.png")
    os.mkfifo(rd / "pipe.mov")
    Image.new("RGB", (64, 32), (200, 30, 30)).save(rd / "real.png")
    root = run_with(rd, tmp_path / "out", cut_video, timeout=60)  # opening a FIFO would block for ever
    log = (root / "RD_process_log.txt").read_text()
    assert "stream.png: not a regular file (a FIFO)" in log
    assert "pipe.mov: not a regular file (a FIFO)" in log
    assert (root / "rd" / "images" / "real_hq.png").exists()


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_link_out_of_the_folder_is_skipped_one_inside_is_followed(cut_video: Path, tmp_path: Path) -> None:
    rd = tmp_path / "R&D"
    rd.mkdir()
    elsewhere = tmp_path / "private"
    elsewhere.mkdir()
    Image.new("RGB", (64, 32), (0, 0, 0)).save(elsewhere / "secret.png")
    (rd / "leak.png").symlink_to(elsewhere / "secret.png")
    (rd / "folder").symlink_to(elsewhere, target_is_directory=True)
    Image.new("RGB", (48, 32), (9, 9, 9)).save(rd / "inner.png")
    (rd / "alias.png").symlink_to(rd / "inner.png")
    root = run_with(rd, tmp_path / "out", cut_video)
    log = (root / "RD_process_log.txt").read_text()
    assert "leak.png: symbolic link pointing outside the R&D folder" in log
    assert "folder: symbolic link to a folder (not followed)" in log
    made = sorted(p.name for p in (root / "rd").rglob("*.*"))
    assert made == ["alias_hq.png", "alias_web.jpg", "inner_hq.png", "inner_web.jpg"]
    assert not [e for e in manifest(root) if "leak" in e or "secret" in e]


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_an_earlier_session_resumes_without_making_its_rd_outputs_again(cut_video: Path, tmp_path: Path) -> None:
    """Files that collide with no other keep the names vat gave before, so an interrupted session
    recorded then finds its R&D outputs done (here: a finished session set back to paused)."""
    rd = tmp_path / "R&D"
    (rd / "sketches (old)").mkdir(parents=True)
    Image.new("RGB", (80, 40), (1, 2, 3)).save(rd / "sketches (old)" / "wide sketch.png")
    Image.new("RGB", (60, 40), (4, 5, 6)).save(rd / "small.JPG")
    root = run_with(rd, tmp_path / "out", cut_video)
    # the names before this change: the safe path, without the extension
    for path in (
        "sketches_old/wide_sketch_hq.png",
        "sketches_old/wide_sketch_web.jpg",
        "small_hq.png",
        "small_web.jpg",
    ):
        assert (root / "rd" / "images" / path).exists()

    from db.connection import open_database
    from db.models import ProcessingState

    open_database()
    ProcessingState.update(status="paused").execute()
    again = vat("--resume", "--json")
    assert again.returncode == 0, again.stderr
    events = json_events(again.stdout)
    rd_keys = [e["key"] for e in events if e["event"] in ("skipped", "done") and e["key"].startswith("rd_")]
    assert len(rd_keys) == 4
    assert all(e["event"] == "skipped" for e in events if e.get("key", "").startswith("rd_"))
