"""Screens that open fast (issue 13, bench/startup.py): opening New session or the preset editor moves
the focus straight to where it belongs. A form container that takes the focus on the way restyles its
every field as it takes it and again as it gives it up (0.1-0.2 s each on the build machine). The
read-only editor scrolls with the keys without the focus; the start imports nothing heavy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import peewee
import pytest
from textual import events, on
from textual.widget import Widget
from textual.widgets import Input

from core.pipeline.presets import BUILTIN_PRESETS
from tests.helpers import ROOT
from tests.tui_flows import detected_session, screen_is, until
from tui.app import VatApp
from tui.breakpoints import breakpoint_classes
from tui.preset_form import FIELDS
from tui.screens.new_session import NewSessionScreen
from tui.screens.preset_edit import PresetEditScreen
from tui.screens.presets import PresetsScreen


class FocusRecorder(VatApp):
    """vat's app, recording every widget that takes the focus."""

    def __init__(self) -> None:
        super().__init__(cursor_blink=False)
        self.focus_history: list[Widget] = []

    @on(events.DescendantFocus)
    def _record(self, event: events.DescendantFocus) -> None:
        self.focus_history.append(event.widget)


def containers(widgets: list[Widget]) -> list[str]:
    return [f"{type(w).__name__}#{w.id}" for w in widgets if w.children]


async def test_new_session_focuses_its_first_field_directly(db: peewee.SqliteDatabase) -> None:
    app = FocusRecorder()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.focus_history.clear()
        await pilot.press("n")
        screen = await screen_is(pilot, NewSessionScreen)
        await until(pilot, lambda: app.focused is not None and app.focused.id == "master", "the master field")
        assert containers(app.focus_history) == [], "the form took the focus on the way"
        assert isinstance(app.focused, Input) and screen.query_one("#master") is app.focused


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_read_only_editor_gives_no_focus_and_scrolls_with_the_keys(db: peewee.SqliteDatabase) -> None:
    app = FocusRecorder()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("P")
        await screen_is(pilot, PresetsScreen)
        await pilot.pause()
        app.focus_history.clear()
        await pilot.press("enter")  # the first preset: a built-in, read-only
        screen = await screen_is(pilot, PresetEditScreen)
        await pilot.pause()
        assert screen.read_only
        assert app.focus_history == [] and app.focused is None
        form = screen.query_one("#edit-form")
        assert form.max_scroll_y > 0, "the form is taller than 24 rows"
        await pilot.press("down", "down")
        await pilot.pause()
        assert form.scroll_y == 2
        await pilot.press("end")
        await pilot.pause()
        assert form.scroll_y == form.max_scroll_y
        await pilot.press("home")
        await pilot.pause()
        assert form.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert form.scroll_y > 2


async def test_an_editable_preset_focuses_its_first_field_directly(db: peewee.SqliteDatabase) -> None:
    from dataclasses import replace

    from tests.tui_screen_host import ScreenHost

    base = BUILTIN_PRESETS[0]
    advanced = {k: v for k, v in base.advanced.items() if k != "builtin"}
    preset = replace(base, preset_id="mine", preset_name="Mine", advanced=advanced)
    app = ScreenHost(lambda: PresetEditScreen(preset))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await screen_is(pilot, PresetEditScreen)
        await pilot.pause()
        assert not screen.read_only and app.focused is not None and app.focused.id == FIELDS[0].widget_id
        await pilot.press("down")  # the fields' own key: the next field, not a scroll
        await pilot.pause()
        assert app.focused is not None and app.focused.id == FIELDS[1].widget_id


def test_breakpoint_classes_are_textuals() -> None:
    points = PresetEditScreen.HORIZONTAL_BREAKPOINTS
    assert breakpoint_classes(points, 80) == ["-narrow"]
    assert breakpoint_classes(points, 110) == ["-wide"]
    assert breakpoint_classes(points, 200) == ["-wide"]
    assert breakpoint_classes(None, 80) == []


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_the_start_imports_nothing_heavy() -> None:
    """Drawing Sessions, New session and the preset editor loads no picture, video or plotting library:
    those are imported where a screen first needs them (the picker, a preview)."""
    code = (
        "import asyncio, sys\n"
        "from tui.app import create_app\n"
        "HEAVY = ('numpy', 'cv2', 'av', 'PIL', 'opentimelineio', 'textual_image', 'scenedetect', 'plotext')\n"
        "async def main():\n"
        "    app = create_app(cursor_blink=False)\n"
        "    async with app.run_test(size=(80, 24)) as pilot:\n"
        "        seen = []\n"
        "        for keys in ((), ('n',), ('escape', 'P'), ('enter',)):\n"
        "            for key in keys:\n"
        "                await pilot.press(key)\n"
        "            await pilot.pause(); await pilot.pause()\n"
        "            seen.append(type(app.screen).__name__ + ':' + ','.join(m for m in HEAVY if m in sys.modules))\n"
        "        print(' '.join(seen))\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.split() == [
        "SessionsScreen:",
        "NewSessionScreen:",
        "PresetsScreen:",
        "PresetEditScreen:",
    ], done.stdout + done.stderr


# what opening the picker must not import on the UI thread: the decoders and detectors (numpy, OpenCV,
# PyAV, PySceneDetect: about 0.5 s cold) belong to its worker threads; q pressed while it opens waited
# for them (issue 13)
PICKER_CODE = """
import asyncio, sys, threading
HEAVY = ('numpy', 'cv2', 'av', 'scenedetect', 'opentimelineio', 'textual_image', 'plotext')
on_ui = []
def audit(event, args):
    if event == 'import' and threading.current_thread() is threading.main_thread():
        if args[0].split('.')[0] in HEAVY and args[0] not in on_ui:
            on_ui.append(args[0])
from tui.app import create_app
def drawn(screen):  # the picker and its first thumbnail (the picker's own imports come with enter)
    if type(screen).__name__ != 'PickerScreen':
        return False
    from core.pipeline.transition_trim import picture_frames
    return screen.thumbnail(picture_frames(screen.scenes)[0]) is not None
async def main():
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        sys.addaudithook(audit)
        await pilot.press('enter')
        for _ in range(400):
            await pilot.pause(0.05)
            if drawn(app.screen):
                break
        print(type(app.screen).__name__, drawn(app.screen), ','.join(on_ui))
asyncio.run(main())
"""


def test_opening_the_picker_leaves_the_decoders_to_its_threads(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    """The picker opens (and draws its first thumbnail, decoded in its worker) without the UI thread
    importing numpy, OpenCV, PyAV or PySceneDetect: a q pressed meanwhile is handled at once."""
    detected_session(cut_video, tmp_path / "out")
    done = subprocess.run([sys.executable, "-c", PICKER_CODE], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.split() == ["PickerScreen", "True"], done.stdout + done.stderr
