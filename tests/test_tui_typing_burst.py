"""Keys typed faster than the app handles them (a paste of keys, tmux send-keys, a fast typist) land
where the focus is when each is typed, and act in the order typed, as they do typed slowly (issue 13:
tab, tab, "Second" in one burst moved the focus to Artwork but put "Second" in the Master field)."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui_flows import screen_is
from tui.app import create_app
from tui.screens.new_session import NewSessionScreen

KEY_NAMES = {"/": "slash", ".": "full_stop", "_": "underscore", "-": "minus", " ": "space"}


def burst(pilot: Pilot, keys: list[str]) -> None:
    """Queue every key at once, as the terminal driver does with a burst of input: no waiting for the
    app to handle one before the next arrives (Pilot.press waits for idle after each key). A key is a
    name ("tab") or a character typed."""
    for key in keys:
        if len(key) == 1:
            pilot.app.post_message(events.Key(KEY_NAMES.get(key, key), key))
        else:
            pilot.app.post_message(events.Key(key, None))


def form(screen: NewSessionScreen) -> tuple[dict[str, str], str | None]:
    values = {field.id or "": field.value for field in screen.query(Input)}
    return values, screen.focused.id if screen.focused else None


async def typed_into_new_session(tmp_path: Path, keys: list[str], *, fast: bool) -> tuple[dict[str, str], str | None]:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        screen = await screen_is(pilot, NewSessionScreen)
        if fast:
            burst(pilot, keys)
            await pilot.pause()
            await pilot.pause()
        else:
            for key in keys:
                await pilot.press(KEY_NAMES.get(key, key))
        return form(screen)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_a_burst_of_keys_follows_the_focus_as_it_moves(db: peewee.SqliteDatabase, tmp_path: Path) -> None:
    path = f"{tmp_path}/master.mp4"
    keys = [*path, "tab", "tab", *"Second"]
    values, focused = await typed_into_new_session(tmp_path, keys, fast=True)
    assert focused == "artwork"
    assert values["master"] == path and values["artwork"] == "Second"
    assert (values, focused) == await typed_into_new_session(tmp_path, keys, fast=False)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_a_burst_of_editing_keys_acts_in_order(db: peewee.SqliteDatabase, tmp_path: Path) -> None:
    """↓/↑ move as tab does; backspace, ctrl+u and home edit before the characters typed after them."""
    keys = [*"/m.mp4x", "backspace", "down", "down", *"Art", "down", "ctrl+u", *"26-01-02", "home", "2"]
    keys += ["up", "up", "shift+tab", "end", *"4"]
    values, focused = await typed_into_new_session(tmp_path, keys, fast=True)
    assert values["master"] == "/m.mp44" and values["artwork"] == "Art" and values["date"] == "226-01-02"
    assert focused == "master"
    assert (values, focused) == await typed_into_new_session(tmp_path, keys, fast=False)


async def test_keys_typed_as_the_form_opens_land_in_its_first_field(db: peewee.SqliteDatabase, tmp_path: Path) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        app.push_screen(NewSessionScreen(nvenc=(False, "test")))
        burst(pilot, ["ctrl+u", *"/m.mp4", "tab", "tab", *"Art"])
        screen = await screen_is(pilot, NewSessionScreen)
        await pilot.pause()
        assert form(screen)[0]["master"] == "/m.mp4" and form(screen)[0]["artwork"] == "Art"
        assert form(screen)[1] == "artwork"
