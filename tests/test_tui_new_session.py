"""New session form, with the real app, database and ffmpeg: inline validation of every field,
nothing created for bad input, then a fixed form creates the session and detects its scenes; the
file picker, path completion and the remembered folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input
from textual.widgets.directory_tree import DirEntry
from textual.widgets.tree import TreeNode

from db.settings import get_setting
from tests.conftest import SCENES
from tests.tui_flows import recorded_sessions, screen_is, text_of, type_into, until
from tui.app import create_app
from tui.screens.detection import DetectionScreen
from tui.screens.file_picker import FilePickerScreen, VideoTree
from tui.screens.new_session import NewSessionScreen
from tui.screens.picker import PickerScreen

FIELDS = ("master", "rd", "artwork", "date", "copyright", "credits", "output")


@pytest.fixture
def work(tmp_path: Path, cut_video: Path) -> dict[str, Path]:
    """A folder of inputs (a real master, a text file, a zero-byte .mp4, an R&D folder) and an output
    path that does not exist yet: anything the form writes shows up under this folder."""
    root = tmp_path / "work"
    masters = root / "masters"
    (masters / "older").mkdir(parents=True)
    master = masters / "master.mp4"
    shutil.copyfile(cut_video, master)
    (masters / "notes.txt").write_text("this is not a video\n" * 20)
    (masters / "empty.mp4").write_bytes(b"")
    (root / "rd").mkdir()
    return {
        "root": root,
        "master": master,
        "notes": masters / "notes.txt",
        "empty": masters / "empty.mp4",
        "rd": root / "rd",
        "out": root / "out",
    }


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def unwritable_folder(tmp_path: Path) -> Path:
    """Root writes through permissions, so as root use /proc, where nobody may create a file."""
    if os.geteuid() == 0:
        return Path("/proc/vat-unwritable")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return locked / "sub"


async def open_form(pilot: Pilot) -> NewSessionScreen:
    await pilot.press("n")
    return await screen_is(pilot, NewSessionScreen)


async def fill(pilot: Pilot, values: dict[str, str]) -> None:
    for name, value in values.items():
        await type_into(pilot, name, value)


def entry(node: TreeNode[DirEntry]) -> DirEntry:
    """What a file picker row stands for (DirectoryTree gives every node it lists one)."""
    assert node.data is not None
    return node.data


def error(screen: Screen, name: str) -> str:
    return text_of(screen, f"#error-{name}")


def valid_values(work: dict[str, Path]) -> dict[str, str]:
    return {
        "master": str(work["master"]),
        "rd": str(work["rd"]),
        "artwork": "Morning Light",
        "date": "25-03-10",
        "output": str(work["out"]),
    }


def assert_nothing_created(work: dict[str, Path], before: set[Path]) -> None:
    assert recorded_sessions() == [], "a session was recorded for bad input"
    assert files_under(work["root"]) == before, "files were written for bad input"
    assert get_setting("last_output_directory") == "", "bad input was remembered"


# --- invalid input, one field at a time -----------------------------------------------------------------

BAD = {  # field -> (value, part of the message shown under it)
    "missing master": ("master", "{masters}/gone.mp4", "{masters}/gone.mp4: no such file"),
    "text file": ("master", "{notes}", "{notes}: not a media file"),
    "zero-byte mp4": ("master", "{empty}", "{empty}: empty file (0 bytes)"),
    "climbing artwork name": ("artwork", "../../x", "must not contain '..' path parts"),
    "missing R&D folder": ("rd", "{root}/no-such-rd", "{root}/no-such-rd: R&D folder does not exist"),
    "malformed date": ("date", "2025-03-10", "expected YY-MM-DD"),
    "bidi override in the credits": ("credits", "Ada \u202eecalevol", "control characters are not allowed (\\u202e)"),
    "escape in the copyright": ("copyright", "© A\x1b[2J", "control characters are not allowed (\\x1b)"),
}


def _fill_in(template: str, work: dict[str, Path]) -> str:
    return template.format(masters=work["master"].parent, notes=work["notes"], empty=work["empty"], root=work["root"])


# make test-fast keeps one case of each field kind; make test runs them all
SLOW_CASES = {"text file", "zero-byte mp4", "missing R&D folder", "bidi override in the credits"}


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.slow) if c in SLOW_CASES else c for c in BAD],
    ids=lambda c: c.replace(" ", "-"),
)
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_one_bad_field_is_shown_next_to_it_and_nothing_is_created(case: str, work: dict[str, Path]) -> None:
    field, value, message = (_fill_in(t, work) if i else t for i, t in enumerate(BAD[case]))
    before = files_under(work["root"])
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot)
        await fill(pilot, {**valid_values(work), field: value})
        # shown as typed (after the debounce; the master after a probe in a worker)
        await until(pilot, lambda: message in error(form, field), f"the {field} message")
        assert form.query_one(f"#field-{field}").has_class("-invalid")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "1 field to fix" in text_of(form, "#form-status"), "the form to be refused")
        assert app.screen is form
        assert message in error(form, field)
        assert [n for n in FIELDS if error(form, n)] == [field], "only the bad field complains"
        assert app.focused is form.query_one(f"#{field}"), "the cursor goes to the field to fix"
    assert_nothing_created(work, before)
    assert not (work["root"].parent.parent / "x").exists()


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
async def test_an_unwritable_output_folder_is_refused(work: dict[str, Path], tmp_path: Path) -> None:
    out = unwritable_folder(tmp_path)
    before = files_under(work["root"])
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot)
        await fill(pilot, {**valid_values(work), "output": str(out)})
        await until(
            pilot, lambda: f"{out}: output folder is not writable" in error(form, "output"), "the output message"
        )
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "1 field to fix" in text_of(form, "#form-status"), "the form to be refused")
        assert app.screen is form
    assert_nothing_created(work, before)
    assert not out.exists()


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
async def test_a_project_folder_of_an_earlier_session_is_refused(work: dict[str, Path]) -> None:
    from db.connection import open_database
    from db.models import ProcessingState

    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_form(pilot)
        await fill(pilot, valid_values(work))
        await pilot.press("ctrl+s")
        await screen_is(pilot, PickerScreen)
        await pilot.press("escape")
        form = await open_form(pilot)
        await fill(pilot, valid_values(work))  # the same artwork, date and output folder
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "1 field to fix" in text_of(form, "#form-status"), "the form to be refused")
        assert app.screen is form
        assert "already holds session" in error(form, "output")
    open_database()
    assert ProcessingState.select().count() == 1


async def test_an_empty_form_names_the_missing_fields(work: dict[str, Path]) -> None:
    """Untouched fields say nothing until ctrl+s; then each required one says what is missing."""
    before = files_under(work["root"])
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot)
        await type_into(pilot, "output", str(work["out"]))
        await pilot.pause(0.4)  # past the debounce: a valid field shows nothing
        assert [n for n in FIELDS if error(form, n)] == []
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "2 fields to fix" in text_of(form, "#form-status"), "the form to be refused")
        assert error(form, "master") == "choose the master video file"
        assert error(form, "artwork") == "artwork name is empty"
        assert app.focused is form.query_one("#master")
    assert_nothing_created(work, before)


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
async def test_every_field_wrong_then_fixed_creates_the_session_and_detects(
    work: dict[str, Path], tmp_path: Path
) -> None:
    before = files_under(work["root"])
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot)
        await fill(
            pilot,
            {
                "master": str(work["notes"]),
                "rd": str(work["root"] / "nope"),
                "artwork": "../../x",
                "date": "10/03/2025",
                "output": str(unwritable_folder(tmp_path)),
            },
        )
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "5 fields to fix" in text_of(form, "#form-status"), "the form to be refused")
        assert [n for n in FIELDS if error(form, n)] == ["master", "rd", "artwork", "date", "output"]
        assert_nothing_created(work, before)

        # fixing a field clears its message as it is typed, before any ctrl+s
        await fill(pilot, valid_values(work))
        await until(pilot, lambda: not any(error(form, n) for n in FIELDS), "the messages to clear")
        assert not form.query(".-invalid")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, (DetectionScreen, PickerScreen)), "detection")
        picker = await screen_is(pilot, PickerScreen)
        assert len(picker.scenes) == len(SCENES)

    [session] = recorded_sessions()
    assert (session.artwork_name, session.project_date) == ("Morning Light", "25-03-10")
    assert Path(session.master_path) == work["master"]
    assert session.rd_folder_path is not None and Path(session.rd_folder_path) == work["rd"]
    assert Path(session.output_path) == work["out"] / "25-03-10_Morning_Light"
    assert [s["start_frame"] for s in session.scenes_data] == [0, 30, 55, 95, 120]
    assert not work["out"].exists(), "detection writes no output"


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
async def test_the_form_gives_the_session_its_copyright_and_credits_and_the_master_is_hashed(
    work: dict[str, Path],
) -> None:
    import hashlib

    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot)
        assert form.query_one("#copyright", Input).value == get_setting("copyright_text")  # the default
        await fill(pilot, {**valid_values(work), "copyright": "© Studio Nord", "credits": "Ada & Zoë"})
        await pilot.press("ctrl+s")
        await screen_is(pilot, PickerScreen)
    [session] = recorded_sessions()
    assert (session.copyright_text, session.credits) == ("© Studio Nord", "Ada & Zoë")
    # hashed beside the detection, by the detached worker, before it said it was done
    assert session.master_sha256 == hashlib.sha256(work["master"].read_bytes()).hexdigest()


# --- choosing the master ------------------------------------------------------------------------------


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_file_picker_chooses_the_master_with_the_keys(work: dict[str, Path]) -> None:
    masters = work["master"].parent
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot)
        await type_into(pilot, "master", f"{masters}/gone.mp4")
        await until(pilot, lambda: "no such file" in error(form, "master"), "the master message")
        await pilot.press("ctrl+o")  # browsing starts in the nearest folder that exists
        browser = await screen_is(pilot, FilePickerScreen)
        tree = browser.query_one(VideoTree)
        assert app.focused is tree and Path(tree.path) == masters
        await until(pilot, lambda: tree.root.children, "the folder listing")
        # folders first, then videos only: the text file is not offered, the empty .mp4 is (by name)
        names = [entry(node).path.name for node in tree.root.children]
        assert names == ["older", "empty.mp4", "master.mp4"]
        assert tree.cursor_node is tree.root
        await pilot.press("down", "down", "down")
        assert tree.cursor_node is not None and entry(tree.cursor_node).path == work["master"]
        await pilot.press("enter")
        await screen_is(pilot, NewSessionScreen)
        field = form.query_one("#master", Input)
        assert field.value == str(work["master"])
        assert app.focused is field
        # the chosen file is checked like a typed one: the message goes
        await until(pilot, lambda: error(form, "master") == "", "the master message to clear")
        assert not form.query_one("#field-master").has_class("-invalid")


async def test_escape_leaves_the_file_picker_without_choosing(work: dict[str, Path]) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot)
        await type_into(pilot, "master", str(work["root"]))
        await pilot.press("ctrl+o")
        await screen_is(pilot, FilePickerScreen)
        await pilot.press("escape")
        await screen_is(pilot, NewSessionScreen)
        assert form.query_one("#master", Input).value == str(work["root"])


async def test_path_completion_suggests_a_video_and_right_accepts_it(work: dict[str, Path]) -> None:
    masters = work["master"].parent
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot)
        field = form.query_one("#master", Input)
        await type_into(pilot, "master", f"{masters}/ma")
        await until(pilot, lambda: field._suggestion == f"{masters}/master.mp4", "the suggestion")
        await pilot.press("right")
        assert field.value == f"{masters}/master.mp4"
        # a folder completes with its separator; notes.txt is not a video, so "n" suggests nothing
        await type_into(pilot, "master", f"{masters}/ol")
        await until(pilot, lambda: field._suggestion == f"{masters}/older/", "the folder suggestion")
        await type_into(pilot, "master", f"{masters}/n")
        await pilot.pause(0.3)
        assert field._suggestion == ""


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
async def test_the_form_remembers_the_folders_for_the_next_session(work: dict[str, Path]) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_form(pilot)
        await fill(pilot, valid_values(work))
        await pilot.press("enter")  # enter in a field submits too
        await screen_is(pilot, PickerScreen)
        await pilot.press("escape")
        form = await open_form(pilot)
        assert form.query_one("#master", Input).value == f"{work['master'].parent}/"
        assert form.query_one("#output", Input).value == str(work["out"])
        assert form.query_one("#date", Input).value  # today, by default
        # the R&D field stays empty (another artwork's R&D), but browsing starts beside the last one
        assert form.query_one("#rd", Input).value == ""
        form.query_one("#rd", Input).focus()
        await pilot.press("ctrl+o")
        browser = await screen_is(pilot, FilePickerScreen)
        tree = browser.query_one(VideoTree)
        assert Path(tree.path) == work["root"] and browser.folders
        await until(pilot, lambda: tree.root.children, "the folder listing")
        assert [entry(node).path.name for node in tree.root.children] == ["masters", "rd"]
        await pilot.press("down", "down", "ctrl+s")  # ctrl+s chooses the highlighted folder
        await screen_is(pilot, NewSessionScreen)
        assert form.query_one("#rd", Input).value == str(work["rd"])
    assert get_setting("last_master_directory") == str(work["master"].parent)
    assert get_setting("last_output_directory") == str(work["out"])
    assert get_setting("last_rd_directory") == str(work["rd"])
