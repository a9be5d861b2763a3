"""Helpers the picker's Pilot tests share: a detected session of a copy of the cut video, opening
the picker as a user does, and reading its cursor, rows, marks and notices."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot

from db.models import ProcessingState
from tests.tui_flows import detected_session, screen_is, stored, until
from tui.screens.picker import PickerScreen
from tui.screens.preview import PreviewScreen
from tui.widgets.picture import Picture
from tui.widgets.scene_list import SceneList


def copied_master(cut_video: Path, tmp_path: Path) -> Path:
    """A copy of the cut video per test: a test may move it away."""
    path = tmp_path / "master.mp4"
    shutil.copyfile(cut_video, path)
    return path


def copied_session(cut_video: Path, tmp_path: Path) -> ProcessingState:
    """A detected session of a copy of the cut video (five scenes), its output under tmp_path/out."""
    return detected_session(copied_master(cut_video, tmp_path), tmp_path / "out")


async def open_picker(pilot: Pilot) -> PickerScreen:
    """From the Sessions screen, as a user does: enter on the (only) session."""
    await until(pilot, lambda: pilot.app.screen.query("#sessions"), "the sessions list")
    await pilot.press("enter")
    return await screen_is(pilot, PickerScreen)


def cursor(picker: PickerScreen) -> int:
    """The highlighted scene's number (1-based, as the user reads it)."""
    return picker.query_one(SceneList).cursor + 1


def row(picker: PickerScreen, number: int) -> str:
    """Scene `number`'s line as drawn (the list shows all five rows at this size)."""
    return picker.query_one(SceneList).render_line(number - 1).text


def marks(session_id: str) -> tuple[list[int], list[list[int]]]:
    """The selected scenes and the groups as stored."""
    saved = stored(session_id)
    return saved.selected_scenes, [list(g) for g in saved.grouped_scenes or []]


def notices(app: App) -> list[str]:
    return [notification.message for notification in app._notifications]


async def preview_pictures(pilot: Pilot) -> tuple[PreviewScreen, list[Picture]]:
    """Open the picker, then the preview (p) of the first scene, once its three frames are drawn."""
    await open_picker(pilot)
    await pilot.press("p")
    preview = await screen_is(pilot, PreviewScreen)
    pictures = list(preview.query(Picture))
    await until(pilot, lambda: all(p.image is not None for p in pictures), "the three frames")
    await pilot.pause()
    return preview, pictures
