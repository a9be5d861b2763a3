"""index.html: a self-contained page in the project folder. Read with a real HTML parser: every link
and source resolves to a file inside the project, nothing reaches the network, every text typed by
someone (artwork, copyright, credits, titles) comes back as text, never as markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from PIL import Image

from tests.helpers import vat
from tests.media import make_cut_video

DATE = "26-11-23"
HOSTILE = '<script>alert("x")</script> ../Evil\'s "Work" & Co'
SLUG = "script_alert_x_script.._Evil_s_Work_Co"
COPYRIGHT = '© "Studio" <img src=x onerror=alert(1)>'
CREDITS = "Dir. </p><script>bad()</script>"


class Page(HTMLParser):
    """The page's tags, their attributes and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def links(self) -> list[str]:
        return [v for _, attrs in self.tags for k, v in attrs.items() if k in ("href", "src", "poster") and v]

    def all_text(self) -> str:
        return " ".join(self.text)


def read(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def resolved(root: Path, link: str) -> Path:
    parts = urlsplit(link)
    assert not parts.scheme and not parts.netloc and not link.startswith("/"), link  # relative, no network
    target = (root / unquote(parts.path)).resolve()
    assert target.is_relative_to(root.resolve()), link
    assert target.is_file(), link
    return target


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_the_page_links_every_output_and_escapes_every_text(cut_video: Path, tmp_path: Path) -> None:
    rd = tmp_path / "R&D"
    (rd / "sketches (old)").mkdir(parents=True)
    Image.new("RGB", (300, 200), (20, 90, 200)).save(rd / "sketches (old)" / "first sketch.png")
    make_cut_video(rd / "motion test.mov", [10, 10], audio=False)
    out = tmp_path / "out"
    done = vat(
        "run", cut_video, "--artwork", HOSTILE, "--date", DATE, "--out", out, "--rd", rd,
        "--scenes", "1,2,4,5", "--group", "4-5", "--copyright", COPYRIGHT, "--credits", CREDITS,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    root = out / f"{DATE}_{SLUG}"
    page = read(root / "index.html")

    linked = {resolved(root, link).relative_to(root.resolve()).as_posix() for link in page.links()}
    expected = {
        f"masters/{SLUG}_master.mp4",
        f"{SLUG}_contact_sheet.png",
        f"{SLUG}_contact_sheet.pdf",
        f"{SLUG}_process_log.txt",
        "manifest.json",
        *(f"stills/web/{SLUG}_s{n:03d}_web.jpg" for n in (1, 2, 4, 5)),
        *(f"stills/hq/{SLUG}_s{n:03d}_hq.png" for n in (1, 2, 4, 5)),
        *(f"clips/{SLUG}_{tag}.mp4" for tag in ("s001", "s002", "g01")),
        "rd/images/sketches_old/first_sketch_web.jpg",
        "rd/images/sketches_old/first_sketch_hq.png",
        "rd/videos/motion_test.mp4",
        *(f"editorial/{SLUG}.{ext}" for ext in ("edl", "otio", "fcpxml", "xml")),
    }
    assert linked == expected
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "iframe", "link", "object", "embed"}  # no script, nothing fetched
    assert [attrs.get("src") for tag, attrs in page.tags if tag == "img"].count("x") == 0
    videos = [attrs for tag, attrs in page.tags if tag == "video"]
    assert len(videos) == 4 and all(str(attrs["src"]).endswith(".mp4") for attrs in videos)  # 3 clips, 1 R&D video

    text = page.all_text()
    assert HOSTILE in text and COPYRIGHT in text and CREDITS in text  # shown as typed, as text
    assert "00:00:00.000 – 00:00:01.200" in text and "frames 0–29 (30)" in text  # scene 1
    assert "timecode 00:00:00:00 – 00:00:01:05" in text  # the master has none: from zero, 25 fps
    assert "00:00:03.800 – 00:00:06.000" in text and "frames 95–149 (55)" in text  # group 4-5
    assert "timecode 00:00:03:20 – 00:00:06:00" in text
    head = (root / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in head and re.search(r"https?://", head) is None

    # a scene's title (as the picker stores it) reaches the page, escaped like the rest, and the sheet
    from db.connection import open_database
    from db.models import ProcessingState

    open_database()
    session = ProcessingState.get()
    title = '"><script>alert(1)</script><a href="../../etc/passwd">'
    scenes = session.scenes_data
    scenes[1]["title"] = title
    ProcessingState.update(scenes_data=scenes).where(ProcessingState.id == session.id).execute()
    sheet = root / f"{SLUG}_contact_sheet.png"
    sheet_before = sheet.read_bytes()
    (root / "index.html").unlink()
    again = vat("--resume", session.session_id)
    assert again.returncode == 0, again.stdout + again.stderr
    titled = read(root / "index.html")
    assert f"Scene 2 — {title}" in titled.all_text() and "script" not in {tag for tag, _ in titled.tags}
    assert all(resolved(root, link) for link in titled.links())
    assert sheet.read_bytes() != sheet_before  # made again: it shows the title
    assert vat("verify").returncode == 0
