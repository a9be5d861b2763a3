"""Keys typed faster than the app handles them (a paste of keys, tmux send-keys, a fast typist) land
where the focus is when each is typed, as they do typed slowly (issue 13: tab, tab, "Second" in one
burst moved the focus to Artwork but put "Second" in the Master field)."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui_flows import screen_is
from tui.app import create_app
from tui.screens.new_session import NewSessionScreen


def burst(pilot: Pilot, keys: list[str]) -> None:
    """Queue every key at once, as the terminal driver does with a burst of input: no waiting for the
    app to handle one before the next arrives (Pilot.press waits for idle after each key). A key is a
    name ("tab") or a character typed."""
    for key in keys:
        if len(key) == 1:
            pilot.app.post_message(events.Key(_key_names.get(key, key), key))
        else:
            pilot.app.post_message(events.Key(key, None))


_key_names = {"/": "slash", ".": "full_stop", "_": "underscore", "-": "minus"}


def typed(text: str) -> list[str]:
    return list(text)


async def test_a_burst_of_keys_follows_the_focus_as_it_moves(db: object, tmp_path: Path) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        screen = await screen_is(pilot, NewSessionScreen)
        master = screen.query_one("#master", Input)
        master.value = ""
        await pilot.pause()
        path = f"{tmp_path}/master.mp4"
        burst(pilot, [*typed(path), "tab", "tab", *typed("Second")])
        await pilot.pause()
        await pilot.pause()
        assert screen.focused is not None and screen.focused.id == "artwork"
        assert master.value == path
        assert screen.query_one("#artwork", Input).value == "Second"
        burst(pilot, ["shift+tab", *typed("/rd")])
        await pilot.pause()
        assert screen.focused.id == "rd" and screen.query_one("#rd", Input).value == "/rd"
        assert screen.query_one("#artwork", Input).value == "Second"


async def test_keys_typed_as_the_form_opens_land_in_its_first_field(db: object, tmp_path: Path) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        app.push_screen(NewSessionScreen(nvenc=(False, "test")))
        burst(pilot, ["ctrl+u", *typed("/m.mp4"), "tab", "tab", *typed("Art")])
        screen = await screen_is(pilot, NewSessionScreen)
        await pilot.pause()
        assert screen.query_one("#master", Input).value == "/m.mp4"
        assert screen.query_one("#artwork", Input).value == "Art"
        assert screen.focused is not None and screen.focused.id == "artwork"
