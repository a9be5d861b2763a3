"""Titles and notes in the outputs, with the real command, ffmpeg and database: a completed session
whose scene gets a title and a note is resumed, and exactly the outputs that carry them are made
again (its stills, the manifest, the editorial files, the process log), the others untouched; with a
file-name template that uses {title}, the renamed outputs replace the old names."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import quote

import peewee
import pytest

from core.media.image_meta import title_fields
from core.pipeline.preset_store import load_preset, save_preset
from core.pipeline.presets import Preset
from core.pipeline.scene_texts import set_texts
from db.models import FileRegistry, ProcessingState
from tests.helpers import vat

RUN = ["--date", "26-11-23", "--group", "4-5", "--workers", "2", "--encoder", "x264"]
# the outputs that always follow a run: they describe everything else
FINAL = {"manifest.json", "checksums.sha256", "Test_Work_process_log.txt", "index.html"} | {
    f"editorial/Test_Work.{ext}" for ext in ("edl", "otio", "fcpxml", "xml")
}
# the contact sheet shows the titles and the stills: made again with either
SHEET = {"Test_Work_contact_sheet.png", "Test_Work_contact_sheet.pdf"}


def _files(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def _run(cut_video: Path, out: Path, *extra: str) -> tuple[ProcessingState, Path]:
    done = vat("run", cut_video, "--artwork", "Test Work", "--out", out, *RUN, *extra)
    assert done.returncode == 0, done.stderr
    session = ProcessingState.get()
    return session, Path(session.output_path)


def _resume(session: ProcessingState) -> subprocess.CompletedProcess[str]:
    done = vat("--resume", session.session_id)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_a_changed_title_remakes_exactly_the_outputs_that_carry_it(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    session, root = _run(cut_video, tmp_path / "out")
    before = _files(root)
    told = vat("title", session.session_id, "2", "--title", "Blue hour", "--note", "shot on the roof\nat dusk")
    assert told.returncode == 0 and f"vat --resume {session.session_id}" in told.stdout, told.stderr
    done = _resume(session)
    assert "titles or notes changed" in done.stdout
    after = _files(root)
    assert set(after) == set(before)  # the default names do not use the title
    remade = {name for name in after if after[name] != before[name]}
    stills = {"stills/hq/Test_Work_s002_hq.png", "stills/web/Test_Work_s002_web.jpg"}
    # the master copy's chapters are titled by the scenes (Chapters and markers)
    assert remade == FINAL | SHEET | stills | {"masters/Test_Work_master.mp4"}
    for still in ("stills/hq/Test_Work_s002_hq.png", "stills/web/Test_Work_s002_web.jpg"):
        assert title_fields(root / still) == {
            "title": "Test Work — Blue hour",
            "description": "shot on the roof\nat dusk",
        }
    assert title_fields(root / "stills/hq/Test_Work_s001_hq.png") == {"title": "Test Work", "description": None}
    scenes = {s["index"]: s for s in json.loads((root / "manifest.json").read_text(encoding="utf-8"))["scenes"]}
    assert (scenes[2]["title"], scenes[2]["note"]) == ("Blue hour", "shot on the roof\nat dusk")
    assert "title" not in scenes[1] and "note" not in scenes[1]
    assert "Blue hour" in (root / "editorial/Test_Work.edl").read_text(encoding="utf-8")
    assert "Blue hour" in (root / "index.html").read_text(encoding="utf-8")
    again = _resume(session)  # nothing changed since: nothing to do
    assert "already completed" in again.stdout and _files(root) == after


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_a_template_with_the_title_renames_the_outputs_and_the_old_names_go(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    base = load_preset("webflow_standard")
    save_preset(
        Preset(
            "titled",
            "Titled",
            "",
            base.stills_hq,
            base.stills_web,
            base.video,
            base.thumbnail,
            {
                **{k: v for k, v in base.advanced.items() if k != "builtin"},
                "naming_template": "{date}_{scene}_{title}_{kind}",
            },
        )
    )
    session, root = _run(cut_video, tmp_path / "out", "--preset", "titled")
    before = _files(root)
    assert "stills/hq/26-11-23_s001_hq.png" in before and "clips/26-11-23_s001.mp4" in before
    assert "clips/26-11-23_g01.mp4" in before
    set_texts(session, 1, "../../Über: Dawn/", "")
    set_texts(session, 4, "Night", "")  # the group's first scene: its clip takes the title
    _resume(session)
    after = _files(root)
    renamed = {
        "stills/hq/26-11-23_s001_Über_Dawn_hq.png",
        "stills/web/26-11-23_s001_Über_Dawn_web.jpg",
        "thumbnails/26-11-23_s001_Über_Dawn_thumb.jpg",
        "clips/26-11-23_s001_Über_Dawn.mp4",
        "stills/hq/26-11-23_s004_Night_hq.png",
        "stills/web/26-11-23_s004_Night_web.jpg",
        "thumbnails/26-11-23_s004_Night_thumb.jpg",
        "clips/26-11-23_g01_Night.mp4",
    }
    assert renamed <= set(after)
    gone = set(before) - set(after)
    assert gone == {
        "stills/hq/26-11-23_s001_hq.png",
        "stills/web/26-11-23_s001_web.jpg",
        "thumbnails/26-11-23_s001_thumb.jpg",
        "clips/26-11-23_s001.mp4",
        "stills/hq/26-11-23_s004_hq.png",
        "stills/web/26-11-23_s004_web.jpg",
        "thumbnails/26-11-23_s004_thumb.jpg",
        "clips/26-11-23_g01.mp4",
    }
    untouched = {name for name in before if name in after and after[name] == before[name]}
    copy = {name for name in before if name.startswith("masters/")}  # its chapters carry the titles
    assert copy and untouched == set(before) - gone - FINAL - SHEET - copy  # scenes 2, 3, 5 as they were
    registered = {Path(r.file_path).relative_to(root).as_posix() for r in FileRegistry.select()}
    assert renamed <= registered and not registered & gone
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    assert {e["path"] for e in manifest["outputs"]} >= renamed
    page = (root / "index.html").read_text(encoding="utf-8")
    assert quote("clips/26-11-23_s001_Über_Dawn.mp4") in page and "26-11-23_s001.mp4" not in page


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{artwork}_{title}_{kind}", "must contain {scene}"),
        ("{artwork}/{scene}", "only letters, digits"),
        ("../{scene}", "only letters, digits"),
        ("{scene}_{colour}", "unknown variable {colour}"),
        ("{scene!r}", "unknown variable"),
        ("{scene", "braces"),
    ],
)
def test_a_template_that_is_not_safe_is_refused_when_the_preset_is_saved(
    db: peewee.SqliteDatabase, template: str, problem: str
) -> None:
    from core.errors import BadInput

    base = load_preset("webflow_standard")
    preset = Preset(
        "bad", "Bad", "", base.stills_hq, base.stills_web, base.video, base.thumbnail, {"naming_template": template}
    )
    with pytest.raises(BadInput) as raised:
        save_preset(preset)
    assert "file-name template" in raised.value.message and problem in raised.value.message


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_vat_title_shows_and_refuses_in_one_line(db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path) -> None:
    session, _ = _run(cut_video, tmp_path / "out")
    bad = vat("title", session.session_id, "3", "--title", "two\nlines")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "scene 3: a title is one line" in bad.stderr
    assert vat("title", "nope", "1").returncode == 2
    assert vat("title", session.session_id, "9", "--title", "x").returncode == 2  # five scenes
    assert vat("title", session.session_id, "3", "--title", "Dawn").returncode == 0
    shown = vat("title", session.session_id, "3")
    assert shown.returncode == 0 and shown.stdout.splitlines() == ["title: Dawn", "note: ", "credits: "]
