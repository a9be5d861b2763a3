"""The TUI opens on its home screen and quits with q."""

from collections.abc import Callable

from tui.app import create_app


def test_home_screen_snapshot(snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(create_app(), terminal_size=(80, 24))


async def test_q_quits() -> None:
    app = create_app()
    async with app.run_test() as pilot:
        await pilot.press("q")
    assert app.return_code == 0
