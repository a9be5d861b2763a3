"""Shared steps of the Pilot tests of the main flows: waiting on state, typing into fields, sessions
made through core's API (the same calls the New session form makes)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from textual import events
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static

from core.pipeline.session import SessionOptions, check_options, create_session, detect, detection_parameters
from db.models import ProcessingState

T = TypeVar("T")
S = TypeVar("S", bound=Screen)

WAIT_S = 20.0  # generous: four test runs share two cores


async def until(pilot: Pilot, predicate: Callable[[], T | None], what: str, timeout: float = WAIT_S) -> T:
    """Poll `predicate` between pilot pauses; returns its first truthy value, fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def screen_is(pilot: Pilot, screen_class: type[S], timeout: float = WAIT_S) -> S:
    await until(
        pilot,
        lambda: isinstance(pilot.app.screen, screen_class),
        f"{screen_class.__name__} (now {type(pilot.app.screen).__name__})",
        timeout,
    )
    await pilot.pause()  # let it mount and draw
    screen = pilot.app.screen
    assert isinstance(screen, screen_class)
    return screen


async def type_into(pilot: Pilot, field_id: str, text: str) -> None:
    """Focus a field and replace its text: ctrl+a ctrl+k (start of line, delete to the end), then all
    but the last character pasted (a terminal's bracketed paste, as a user pastes a path) and the last
    one typed. A Pilot key press costs ~60 ms, so typing long paths key by key would cost seconds."""
    field = pilot.app.screen.query_one(f"#{field_id}", Input)
    field.focus()
    await pilot.pause()
    await pilot.press("ctrl+a", "ctrl+k")
    if len(text) > 1:
        assert pilot.app._driver is not None  # running under run_test
        pilot.app._driver.send_message(events.Paste(text[:-1]))
        await pilot.pause()
    if text:
        await pilot.press(text[-1])
    assert field.value == text, f"#{field_id} holds {field.value!r}, not {text!r}"


def text_of(screen: Screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def static_text(widget: Static, width: int = 120) -> str:
    """A Static's content as plain text, whatever it holds (a rich Table too), scrolled into view or not."""
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(widget.content)
    return console.export_text()


def recorded_sessions() -> list[ProcessingState]:
    return list(ProcessingState.select())


def new_session(master: Path, out: Path, artwork: str = "Morning Light", **options: Any) -> ProcessingState:
    """A session created as the form creates it (x264: no NVENC test encode needed)."""
    checked = check_options(SessionOptions(master=master, artwork=artwork, out=out, encoder="x264", **options))
    return create_session(checked)


def detected_session(
    master: Path, out: Path, artwork: str = "Morning Light", detector: str = "adaptive"
) -> ProcessingState:
    """A session whose scenes are detected and whose selection was never touched."""
    session = new_session(master, out, artwork, detector=detector)
    detect(session, *detection_parameters(detector, None, None))
    return ProcessingState.get_by_id(session.id)


def stored(session_id: str) -> ProcessingState:
    return ProcessingState.get(ProcessingState.session_id == session_id)
