"""File names from a preset's template: the default template gives exactly the names vat gave before
templates existed (existing projects' names do not change), substituted values cannot leave the
project folder, and a preset file with a bad template is refused naming the file and the field."""

from __future__ import annotations

import json
from pathlib import Path

import peewee
import pytest

from core.pipeline.layout import Layout
from core.pipeline.name_template import DEFAULT_TEMPLATE, Naming
from core.pipeline.naming import artwork_slug
from core.pipeline.preset_file import to_document
from core.pipeline.preset_store import load_preset
from tests.helpers import vat

ARTWORKS = ["Test Work", "a..b", "Über-Nacht 2", "x-_y", "con", "名前.v2", "  spaced  out  "]


@pytest.mark.parametrize("artwork", ARTWORKS)
@pytest.mark.parametrize("count", [5, 1234])
def test_the_default_template_gives_the_names_vat_always_gave(artwork: str, count: int, tmp_path: Path) -> None:
    slug = artwork_slug(artwork)
    layout = Layout(tmp_path, "26-11-23", artwork, slug, count, Naming(slug, "26-11-23", "p", DEFAULT_TEMPLATE))
    digits = max(3, len(str(count)))
    root = tmp_path / f"26-11-23_{slug}"
    for scene in (1, 2, count):
        tag = f"s{scene:0{digits}d}"
        # the names as core/pipeline/layout.py wrote them before templates
        assert layout.still_hq(scene, "png") == root / "stills" / "hq" / f"{slug}_{tag}_hq.png"
        assert layout.still_web(scene, "jpg") == root / "stills" / "web" / f"{slug}_{tag}_web.jpg"
        assert layout.thumbnail(scene, "jpg") == root / "thumbnails" / f"{slug}_{tag}_thumb.jpg"
        assert layout.clip(tag, scene) == root / "clips" / f"{slug}_{tag}.mp4"
    assert layout.clip("g01", 2, 1) == root / "clips" / f"{slug}_g01.mp4"


@pytest.mark.parametrize(
    "title", ["../../etc/passwd", "/abs/path", "a\\b", "..", "CON", "nul", "\x1b[2J", "  ", "tab\there", "é" * 200]
)
def test_a_title_never_leaves_the_folder(title: str, tmp_path: Path) -> None:
    naming = Naming("Work", "26-11-23", "p", "{title}_{scene}_{kind}", {1: title})
    layout = Layout(tmp_path, "26-11-23", "Work", "Work", 5, naming)
    for path in (layout.still_hq(1, "png"), layout.clip("s001", 1), layout.thumbnail(1, "jpg")):
        assert path.parent.parent in (layout.root, layout.root / "stills")  # its own folder
        name = path.name
        assert "/" not in name and "\\" not in name and not name.startswith(".") and "s001" in name
        assert not any(ord(ch) < 32 for ch in name) and name.split(".")[0].lower() not in ("con", "nul")
        assert len(path.stem.encode()) <= 200


def test_tc_date_preset_and_group_variables(tmp_path: Path) -> None:
    naming = Naming(
        "Work", "26-11-23", "my preset", "{preset}_{date}_{tc}_{group}_{scene}", {}, {4: "01:00:10;05"}, ((4, 5),)
    )
    layout = Layout(tmp_path, "26-11-23", "Work", "Work", 5, naming)
    assert layout.still_hq(4, "png").name == "my_preset_26-11-23_01-00-10-05_g01_s004.png"
    assert layout.clip("g01", 4, 1).name == "my_preset_26-11-23_01-00-10-05_g01_g01.mp4"
    assert layout.still_hq(1, "png").name == "my_preset_26-11-23_s001.png"  # no group, no timecode: no gap


def test_a_preset_file_with_an_unsafe_template_exits_2_naming_the_field(
    db: peewee.SqliteDatabase, tmp_path: Path
) -> None:
    document = {**to_document(load_preset("webflow_standard")), "preset_id": "imported"}
    document["advanced"] = {**document["advanced"], "naming_template": "{artwork}_{title}"}
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(document), encoding="utf-8")
    done = vat("presets", "import", file)
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip()
    assert "\n" not in line and f"{file}: advanced.naming_template: must contain {{scene}}" in line, line
