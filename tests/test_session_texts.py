"""The copyright and credits belong to the session (vat run --copyright/--credits, else the setting),
are embedded in every output and the manifest, and a resume never re-makes finished outputs because
a global setting (copyright_text, extract_midpoint_stills, generate_log) changed since."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import av
import pytest

from core.media.image_meta import credits_fields, read_copyright
from tests.helpers import json_events, start_vat, vat
from tests.test_resume import count, read_until

ARGS = ["--artwork", "Texts", "--date", "26-11-23", "--scenes", "1,2", "--workers", "1", "--json"]
CREDITS = "Zoë Ng & Ada <Lovelace>"


def open_db() -> None:
    from db.connection import open_database

    open_database()


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_a_paused_session_resumes_with_its_own_texts_and_settings(cut_video: Path, tmp_path: Path) -> None:
    from db.models import ProcessingState
    from db.settings import get_setting, set_setting

    open_db()
    original = get_setting("copyright_text")
    proc = start_vat("run", cut_video, "--out", tmp_path, *ARGS)
    first = read_until(proc, lambda ev: count("done")(ev) >= 3)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    session = ProcessingState.get()
    assert session.status == "paused" and session.copyright_text == original
    made_first = {e["key"] for e in first if e["event"] == "done"}
    assert len(made_first) >= 3

    set_setting("copyright_text", "© Someone Else 2030")
    set_setting("extract_midpoint_stills", False)
    set_setting("generate_log", False)
    again = vat("--resume", session.session_id, "--json")
    assert again.returncode == 0, again.stderr
    events = json_events(again.stdout)
    remade = made_first & {e["key"] for e in events if e["event"] == "done"}
    assert not remade, f"finished outputs made again: {sorted(remade)}"
    root = Path(session.output_path)
    assert (root / "Texts_process_log.txt").exists()  # generate_log as it was at creation
    for still in (root / "stills").rglob("*.*"):
        assert read_copyright(still) == original, still.name
    for clip in (root / "clips").glob("*.mp4"):
        with av.open(str(clip)) as container:
            assert container.metadata.get("copyright") == original
    assert json.loads((root / "manifest.json").read_text())["copyright"] == original


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_run_embeds_the_given_copyright_and_credits(cut_video: Path, tmp_path: Path) -> None:
    done = vat("run", cut_video, "--out", tmp_path, *ARGS, "--copyright", "© Studio Nord", "--credits", CREDITS)
    assert done.returncode == 0, done.stderr
    open_db()
    from db.models import ProcessingState

    session = ProcessingState.get()
    assert (session.copyright_text, session.credits) == ("© Studio Nord", CREDITS)
    root = Path(session.output_path)
    stills = [p for p in (root / "stills").rglob("*.*")]
    assert stills
    for still in stills:
        assert read_copyright(still) == "© Studio Nord"
        assert set(credits_fields(still).values()) == {CREDITS}, still.name
    for video in [*(root / "clips").glob("*.mp4"), *(root / "masters").iterdir()]:
        with av.open(str(video)) as container:
            tags = container.metadata
        assert (tags.get("copyright"), tags.get("artist")) == ("© Studio Nord", CREDITS), video.name
    manifest = json.loads((root / "manifest.json").read_text())
    assert (manifest["copyright"], manifest["credits"]) == ("© Studio Nord", CREDITS)


def test_control_characters_in_the_texts_are_refused_and_nothing_is_created(cut_video: Path, tmp_path: Path) -> None:
    for option, text in (("--copyright", "© A\x1b]0;pwned\x07"), ("--credits", "Ada\u202eecalevol")):
        done = vat("run", cut_video, "--out", tmp_path / "out", *ARGS, option, text)
        assert done.returncode == 2, done.stdout
        assert "control characters are not allowed" in done.stderr and "\x1b" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    open_db()
    from db.models import ProcessingState

    assert ProcessingState.select().count() == 0
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_session_recorded_without_its_texts_and_settings_takes_them_once(cut_video: Path, tmp_path: Path) -> None:
    """One recorded before sessions kept them (no copyright, no plan_settings): today's, stored at resume."""
    from db.models import ProcessingState
    from db.settings import get_setting

    open_db()
    proc = start_vat("run", cut_video, "--out", tmp_path, *ARGS)
    first = read_until(proc, lambda ev: count("done")(ev) >= 2)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    session = ProcessingState.get()
    meta = {k: v for k, v in session.process_metadata.items() if k != "plan_settings"}
    ProcessingState.update(copyright_text=None, process_metadata=meta).where(ProcessingState.id == session.id).execute()
    again = vat("--resume", session.session_id, "--json")
    assert again.returncode == 0, again.stderr
    made_first = {e["key"] for e in first if e["event"] == "done"}
    assert not made_first & {e["key"] for e in json_events(again.stdout) if e["event"] == "done"}
    session = ProcessingState.get_by_id(session.id)
    assert session.copyright_text == get_setting("copyright_text")
    assert session.process_metadata["plan_settings"] == {"extract_midpoint_stills": True, "generate_log": True}
