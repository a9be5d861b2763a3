"""The contact sheet: every run makes <artwork>_contact_sheet.png and a PDF of it, the selected units'
stills in a grid of A4 pages; registered, verified, in the manifest, made again when missing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.pipeline.contact_sheet import (
    MAX_PNG_PIXELS,
    PAGE_SIZE,
    SheetUnit,
    grid_for,
    pdf_page_count,
    render_pages,
    render_sheet,
    save_pdf,
)
from tests.helpers import vat

DATE = "26-11-23"
ARTWORK = "Sheet Work"
ROOT_NAME, SLUG = f"{DATE}_Sheet_Work", "Sheet_Work"
COPYRIGHT = '© "Studio" <b>&'


def pdf_pages(path: Path) -> int:
    """A plain reading of the PDF, not vat's: its header and end, and the pages its last page tree
    lists (Kids), each an object of type Page."""
    data = path.read_bytes()
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
    kids = re.findall(rb"/Kids\s*\[([^\]]*)\]", data)[-1]
    numbers = re.findall(rb"(\d+) 0 R", kids)
    for number in numbers:
        start = data.rindex(b"\n" + number + b" 0 obj")
        assert re.search(rb"/Type\s*/Page\b(?!s)", data[start : data.index(b"endobj", start)]), number
    return len(numbers)


def close(a: np.ndarray, b: np.ndarray, tolerance: int = 30) -> bool:
    return bool(np.abs(a.astype(int) - b.astype(int)).max() <= tolerance)


@pytest.mark.slow  # a run, two deep checks and a resume: about 14 s on a shared machine
def test_a_run_makes_the_sheet_of_its_units_and_its_pdf(cut_video: Path, tmp_path: Path) -> None:
    done = vat(
        "run", cut_video, "--artwork", ARTWORK, "--date", DATE, "--out", tmp_path / "out",
        "--scenes", "1,2,4,5", "--group", "4-5", "--copyright", COPYRIGHT, "--workers", "2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    root = tmp_path / "out" / ROOT_NAME
    png, pdf = root / f"{SLUG}_contact_sheet.png", root / f"{SLUG}_contact_sheet.pdf"

    # three units (scene 1, scene 2, group 4-5) on one page; the master is 160x96
    grid = grid_for(160 / 96)
    sheet = np.asarray(Image.open(png).convert("RGB"))
    assert (sheet.shape[1], sheet.shape[0]) == grid.sheet_size(3) == PAGE_SIZE
    for slot, scene in enumerate((1, 2, 4)):  # each cell shows its unit's still, scaled to the cell
        still = np.asarray(Image.open(root / "stills" / "web" / f"{SLUG}_s{scene:03d}_web.jpg").convert("RGB"))
        x, y = grid.cell_origin(slot)
        for fx, fy in ((0.85, 0.8), (0.15, 0.9)):
            inside = sheet[y + int(fy * grid.picture_height), x + int(fx * grid.cell_width)]
            assert close(inside, still[int(fy * 96), int(fx * 160)]), (slot, scene)
    x, y = grid.cell_origin(3)
    assert (sheet[y : y + grid.picture_height, x : x + grid.cell_width] == 255).all()  # no fourth unit
    assert pdf_pages(pdf) == 1
    assert tuple(round(d) for d in Image.open(png).info["dpi"]) == (150, 150)  # A4 when printed

    from db.connection import open_database
    from db.models import FileRegistry, OperationLog, ProjectHistory

    open_database()
    units = OperationLog.get(OperationLog.operation_name == "contact_sheet").settings_used["units"]
    # each unit's range in the master's timecode (none here: from zero at 25 fps), the end after its last frame
    assert [(u["label"], u["timecode"]) for u in units] == [
        ("1", ["00:00:00:00", "00:00:01:05"]),
        ("2", ["00:00:01:05", "00:00:02:05"]),
        ("4-5", ["00:00:03:20", "00:00:06:00"]),
    ]

    rows = {r.file_type: r for r in FileRegistry.select()}
    assert rows["contact_sheet"].file_path == str(png) and rows["contact_sheet"].verified
    assert rows["contact_sheet"].resolution == f"{PAGE_SIZE[0]}x{PAGE_SIZE[1]}"
    assert rows["contact_sheet_pdf"].file_path == str(pdf) and rows["contact_sheet_pdf"].verified
    listed = {e["path"]: e["kind"] for e in json.loads((root / "manifest.json").read_text())["outputs"]}
    assert listed[png.name] == "contact_sheet" and listed[pdf.name] == "contact_sheet_pdf"
    assert listed["index.html"] == "index_page"
    # the sheet is no deliverable: the compression ratio weighs the stills, clips and thumbnails only
    history = ProjectHistory.get()
    media = [r for r in FileRegistry.select() if r.file_type in ("still_hq", "still_web", "thumbnail", "clip")]
    assert history.compression_ratio == round(cut_video.stat().st_size / sum(r.file_size_bytes or 0 for r in media), 4)
    assert history.stills_created == 8 and history.clips_created == 3

    assert vat("verify", "--deep").returncode == 0
    made = {p: p.stat().st_mtime_ns for p in (png, pdf)}
    png.unlink()
    pdf.unlink()
    session = rows["contact_sheet"].session_id
    again = vat("--resume", session)
    assert again.returncode == 0, again.stderr
    assert png.is_file() and pdf_pages(pdf) == 1 and Image.open(png).size == PAGE_SIZE
    assert made[png] != png.stat().st_mtime_ns
    assert vat("verify", "--deep").returncode == 0

    with open(pdf, "r+b") as fh:  # a PDF cut short is found, and made again by a repair
        fh.truncate(pdf.stat().st_size // 2)
    found = vat("verify")
    assert found.returncode == 1 and f"{pdf}: modified" in found.stdout
    repaired = vat("verify", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert pdf_pages(pdf) == 1 and vat("verify", "--deep").returncode == 0


def _units(tmp_path: Path, count: int) -> list[SheetUnit]:
    still = tmp_path / "still.png"
    Image.new("RGB", (320, 180), (200, 40, 40)).save(still)
    return [
        SheetUnit(str(n), n, n * 25, n * 25 + 24, n * 1.0, n * 1.0 + 1.0, still, tmp_path / "no-master.mp4", {})
        for n in range(1, count + 1)
    ]


def test_hundreds_of_units_make_pages_one_under_the_other(tmp_path: Path) -> None:
    grid = grid_for(16 / 9)
    count = 2 * grid.per_page + 1
    units = _units(tmp_path, count)
    sheet = render_sheet(units, artwork="A", copyright_text="c", aspect=16 / 9)
    assert grid.columns == 4 and grid.per_page >= 16  # readable at A4: four columns, several rows
    assert sheet.size == grid.sheet_size(count) == (PAGE_SIZE[0], 3 * PAGE_SIZE[1])
    x, y = grid.cell_origin(0)
    red = np.array([200, 40, 40])
    third_page = np.asarray(sheet)[2 * PAGE_SIZE[1] + y + grid.picture_height // 2, x + grid.cell_width // 2]
    assert close(third_page, red)  # the last unit opens the third page
    pdf = tmp_path / "sheet.pdf"
    assert save_pdf(render_pages(units, artwork="A", copyright_text="c"), pdf, title="t") == 3
    assert pdf_pages(pdf) == 3 == pdf_page_count(pdf)


def test_very_many_units_shrink_the_png_not_the_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    grid = grid_for(16 / 9)
    assert grid.sheet_size(24 * 27)[0] == PAGE_SIZE[0]  # about 650 scenes at full size
    width, height = grid.sheet_size(3000)
    assert width < PAGE_SIZE[0] and width * height <= MAX_PNG_PIXELS
    # the same rule on a sheet small enough to draw here: a budget of one page for three
    monkeypatch.setattr("core.pipeline.contact_sheet.MAX_PNG_PIXELS", PAGE_SIZE[0] * PAGE_SIZE[1])
    units = _units(tmp_path, 2 * grid.per_page + 1)
    sheet = render_sheet(units, artwork="A", copyright_text="c", aspect=16 / 9)
    assert sheet.size == grid.sheet_size(len(units)) == (715, 3 * 1012)
    pdf = tmp_path / "sheet.pdf"
    assert save_pdf(render_pages(units, artwork="A", copyright_text="c"), pdf, title="t") == 3
    assert pdf_pages(pdf) == 3


def test_hostile_and_endless_titles_stay_inside_their_cells(tmp_path: Path) -> None:
    grid = grid_for(16 / 9)
    hostile = '<script>alert("x")</script> ../../etc "quoted" \u202e\n\x1b[31m ' + "漢字 Ω " * 200
    units = _units(tmp_path, 2)
    blank = render_sheet(units, artwork="Plain", copyright_text="c", aspect=16 / 9)
    sheet = render_sheet(
        units, artwork=hostile, copyright_text=hostile, credits_text=hostile, titles={1: hostile}, aspect=16 / 9
    )
    assert sheet.size == blank.size == PAGE_SIZE
    pixels, plain = np.asarray(sheet), np.asarray(blank)
    x, y = grid.cell_origin(0)
    text = slice(y + grid.picture_height, y + grid.cell_height)
    assert (pixels[text, x : x + grid.cell_width] != plain[text, x : x + grid.cell_width]).any()  # the title is there
    gap = pixels[y : y + grid.cell_height, x + grid.cell_width + 2 : x + grid.cell_width + 22]  # between columns
    assert (gap == 255).all()
    right = pixels[:, PAGE_SIZE[0] - 50 :]  # the right margin: no header, footer or title runs into it
    assert (right == 255).all()
