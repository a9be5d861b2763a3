"""The picker's transitions, with the real app, database and ffmpeg: how each scene begins in the list
(kind, and the frames of a gradual one), the transitions in and out in the panel, the kinds counted
when detection ends, old sessions (no transition_in) shown as cuts; and transnetv2 offered in the TUI
but refused, with the command line's install hint, where its extra is missing."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest
from rich.console import Group
from rich.text import Text
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Select

from core.detection import learned
from core.errors import BadInput
from core.pipeline.session import detection_parameters
from db.models import ProcessingState
from tests.transition_media import Footage
from tests.tui_flows import (
    detected_session,
    new_session,
    recorded_sessions,
    screen_is,
    stored,
    text_of,
    type_into,
    until,
)
from tui.app import create_app
from tui.formatting import timecode
from tui.screens.detection import DetectionScreen
from tui.screens.new_session import NewSessionScreen
from tui.screens.picker import PickerScreen
from tui.screens.redetect import RedetectScreen
from tui.widgets.scene_list import SceneList
from tui.widgets.scene_panel import ScenePanel

# written out here, not taken from the code under test
SHORT = {"cut": "cut", "dissolve": "dis", "fade_black": "blk", "fade_white": "wht"}
PLURAL = {
    "cut": "cuts",
    "dissolve": "dissolves",
    "fade_black": "fades through black",
    "fade_white": "fades through white",
}
SINGULAR = {
    "cut": "cut",
    "dissolve": "dissolve",
    "fade_black": "fade through black",
    "fade_white": "fade through white",
}


@pytest.fixture
def transition_session(db: peewee.SqliteDatabase, transition_footage: Footage, tmp_path: Path) -> ProcessingState:
    """The transition footage detected with the default detector (cuts, dissolves and fades)."""
    return detected_session(transition_footage.path, tmp_path / "out", detector="transitions")


async def open_picker(pilot: Pilot) -> PickerScreen:
    await until(pilot, lambda: pilot.app.screen.query("#sessions"), "the sessions list")
    await pilot.press("enter")
    return await screen_is(pilot, PickerScreen)


def row(picker: PickerScreen, number: int, line: int = 0) -> str:
    """Line `line` of scene `number`'s row as drawn (it must be on screen)."""
    scene_list = picker.query_one(SceneList)
    y = (number - 1) * scene_list.row_height + line - round(scene_list.scroll_y)
    assert 0 <= y < scene_list.scrollable_content_region.height, f"scene {number} is not on screen"
    return scene_list.render_line(y).text


def panel_text(picker: PickerScreen) -> str:
    rendered = picker.query_one(ScenePanel).render()
    assert isinstance(rendered, Group) and isinstance(rendered.renderables[-1], Text)
    return rendered.renderables[-1].plain


def stored_transitions(session_id: str) -> list[dict | None]:
    return [s.get("transition_in") for s in stored(session_id).scenes_data]


def notices(app: App) -> list[str]:
    return [notification.message for notification in app._notifications]


# --- the list, the panel, the summary ------------------------------------------------------------------


async def test_each_row_says_how_its_scene_begins_and_still_fits_80_columns(
    transition_session: ProcessingState,
) -> None:
    sid = transition_session.session_id
    found = stored_transitions(sid)
    assert found[0] is None and {"dissolve", "fade_black", "fade_white", "cut"} <= {t["kind"] for t in found[1:] if t}
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("x", "j", "space", "space", "k", "g")  # scenes 2-3 marked and grouped
        header = text_of(picker, "#list-header")
        assert "begins" in header and "start" in header and header.rstrip().endswith("group")
        for number, t in enumerate(found, start=1):
            text = row(picker, number)
            if t is None:
                continue
            frames = t["last_frame"] - t["first_frame"] + 1
            label = "cut" if t["kind"] == "cut" else f"{SHORT[t['kind']]} {frames:>2}"
            assert f" {number}  {label} " in text, (number, t, text)
        # the whole row is drawn beside the panel: nothing cut off at the right, the group mark included
        assert row(picker, 2).rstrip().endswith("┌ g1") and row(picker, 3).rstrip().endswith("└")


async def test_the_panel_shows_the_transitions_in_and_out_with_frames_and_times(
    transition_session: ProcessingState, transition_footage: Footage
) -> None:
    found = stored_transitions(transition_session.session_id)
    number = next(i for i, t in enumerate(found, start=1) if t and t["kind"] == "dissolve")
    t_in, t_out = found[number - 1], found[number]  # the next scene's transition ends this one
    assert t_in is not None and t_out is not None
    fps = transition_footage.fps

    def when(frame: int) -> str:
        return timecode(frame / fps, hours=False)  # constant rate from 0 s: frame / fps

    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("home", *["j"] * (number - 1))
        text = panel_text(picker)
        first, last = t_in["first_frame"], t_in["last_frame"]
        assert f"in: dissolve\n  {last - first + 1} frames: {first}-{last}\n" in text, text
        assert f"  {when(first)} → {when(last + 1)}" in text, text
        out_kind = SINGULAR[t_out["kind"]]
        if t_out["kind"] == "cut":
            assert f"out: cut at frame {t_out['first_frame']}\n  {when(t_out['first_frame'])}" in text, text
        else:
            first, last = t_out["first_frame"], t_out["last_frame"]
            assert f"out: {out_kind}\n  {last - first + 1} frames: {first}-{last}\n" in text, text

        await pilot.press("home")
        assert "in: start of the video" in panel_text(picker)
        await pilot.press("end")
        assert "out: end of the video" in panel_text(picker)

        await pilot.press("v")  # tall rows spell the kind out under the times
        await pilot.pause(0.1)  # scrolled to the cursor after the refresh
        t_last = found[-1]
        assert t_last is not None
        kind = SINGULAR[t_last["kind"]]
        spelt = "cut" if kind == "cut" else f"{kind}, frames {t_last['first_frame']}-{t_last['last_frame']}"
        assert row(picker, len(found), 2).rstrip().endswith(f"    {spelt}")  # after the thumbnail


async def test_an_old_session_without_transitions_shows_every_boundary_as_a_cut(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    session = detected_session(cut_video, tmp_path / "out")
    records = [{k: v for k, v in s.items() if k != "transition_in"} for s in session.scenes_data]  # as stored before
    ProcessingState.update(scenes_data=records).where(ProcessingState.id == session.id).execute()
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        assert [s.transition_in for s in picker.scenes] == [None] * 5
        # thumbnail, mark, number, then how it begins: nothing for the first scene, its start time next
        assert row(picker, 1).split()[3] == "00:00.000"
        assert [row(picker, n).split()[3] for n in range(2, 6)] == ["cut"] * 4
        await pilot.press("home", "j")
        text = panel_text(picker)
        assert "in: cut at frame 30\n  00:01.200" in text and "out: cut at frame 55\n  00:02.200" in text, text


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_detection_ends_counting_the_kinds_of_transitions(
    db: peewee.SqliteDatabase, transition_footage: Footage, tmp_path: Path
) -> None:
    session = new_session(transition_footage.path, tmp_path / "out", detector="transitions")
    truth = Counter(t.kind for t in transition_footage.transitions)
    kinds = ", ".join(f"{truth[k]} {PLURAL[k] if truth[k] > 1 else SINGULAR[k]}" for k in SHORT if truth[k])
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.app.push_screen(
            DetectionScreen(session.session_id, *detection_parameters("transitions", None, None))
        )
        await screen_is(pilot, PickerScreen, timeout=120)
        said = f"{len(transition_footage.transitions) + 1} scenes detected: {kinds}"
        assert said in notices(app), notices(app)


# --- transnetv2 without its extra -------------------------------------------------------------------------


class NoExtra:
    """A finder ahead of every other that refuses the ml extra's modules, as an install without it."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> None:
        if name.split(".")[0] in learned.NEEDS["transnetv2"]:
            raise ModuleNotFoundError(name)
        return None


@pytest.fixture
def without_ml_extra(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The ml extra unfindable (make test-ml installs it); yields the command line's message for it."""
    if any(name in sys.modules for name in learned.NEEDS["transnetv2"]):
        pytest.skip("the ml extra is imported already in this process")
    monkeypatch.setattr(sys, "meta_path", [NoExtra, *sys.meta_path])
    with pytest.raises(BadInput) as refused:
        learned.require("transnetv2")  # what `vat detect --detector transnetv2` says, exit 2
    yield str(refused.value)


async def choose(pilot: Pilot, select: Select, value: str) -> None:
    """Open the pick list from the keyboard and take its last entry (transnetv2 comes last)."""
    select.focus()
    await pilot.pause()
    await pilot.press("enter", "end", "enter")
    await until(pilot, lambda: select.value == value, value)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_redetect_offers_transnetv2_and_without_its_extra_says_how_to_install_it(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path, without_ml_extra: str
) -> None:
    session = detected_session(cut_video, tmp_path / "out")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("t")
        dialog = await screen_is(pilot, RedetectScreen)
        await choose(pilot, dialog.query_one("#detector", Select), "transnetv2")
        assert text_of(dialog, "#redetect-error") == without_ml_extra
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert app.screen is dialog, "nothing started"
        assert text_of(dialog, "#redetect-error") == without_ml_extra
        await pilot.press("escape", "y")  # the detector was changed: escape asks first (issue 13)
        await screen_is(pilot, PickerScreen)
        assert app.screen is picker
    after = stored(session.session_id)
    assert after.scenes_data == session.scenes_data and after.process_metadata == session.process_metadata


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_a_new_session_with_transnetv2_without_its_extra_is_refused_at_the_form(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path, without_ml_extra: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: pilot.app.screen.query("#sessions"), "the sessions list")
        await pilot.press("n")
        form = await screen_is(pilot, NewSessionScreen)
        await type_into(pilot, "master", str(cut_video))
        await type_into(pilot, "artwork", "Morning Light")
        await type_into(pilot, "output", str(out))
        await choose(pilot, form.query_one("#detector", Select), "transnetv2")
        await until(pilot, lambda: text_of(form, "#error-detector") == without_ml_extra, "the install hint")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "1 field to fix" in text_of(form, "#form-status"), "the form to refuse")
        assert app.screen is form and text_of(form, "#error-detector") == without_ml_extra
    assert recorded_sessions() == [] and list(out.iterdir()) == []


async def test_the_picture_of_a_scene_is_never_a_frame_inside_a_transition(
    transition_session: ProcessingState,
) -> None:
    """The picture the picker shows is the frame the scene's midpoint still will be taken from: when
    a long dissolve covers the midpoint, a frame after it, not a blend of two shots."""
    records = [dict(s) for s in transition_session.scenes_data]
    number = max(range(2, len(records) + 1), key=lambda n: records[n - 1]["end_frame"] - records[n - 1]["start_frame"])
    scene = records[number - 1]
    midpoint = (scene["start_frame"] + scene["end_frame"]) // 2
    # its incoming dissolve now reaches past the midpoint (as a long, slow one does)
    scene["transition_in"] = {"kind": "dissolve", "first_frame": scene["start_frame"] - 4, "last_frame": midpoint + 5}
    ProcessingState.update(scenes_data=records).where(
        ProcessingState.session_id == transition_session.session_id
    ).execute()
    clean_first = midpoint + 6
    next_in = records[number]["transition_in"] if number < len(records) else None
    clean_last = scene["end_frame"] if not next_in or next_in["kind"] == "cut" else next_in["first_frame"] - 1
    expected = (clean_first + clean_last) // 2

    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("home", *["j"] * (number - 1))
        store = picker.store
        assert store is not None
        await until(pilot, lambda: store.cached(expected) is not None, "the scene's picture")
        assert store.cached(midpoint) is None  # the blended midpoint is never made
        panel = picker.query_one(ScenePanel)
        assert "making thumbnail" not in panel_text(picker)
        assert picker.thumbnail(expected) is not None and panel.scene is not None and panel.scene.index == number
