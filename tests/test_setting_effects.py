"""Every setting does what it says: each test here fails if vat ignored its setting. (max_resume_age_days:
tests/test_db_queries.py; cache_thumbnails: tests/test_tui_picker.py; last_*_directory in the TUI form:
tests/test_tui_new_session.py; the rules themselves: tests/test_setting_rules.py.)"""

from __future__ import annotations

import json
import subprocess
from importlib.metadata import version
from pathlib import Path

import numpy as np
import peewee
import pytest
from PIL import Image

from core import dirs, logs
from core.folder_link import folder_url
from core.media import encoders
from core.media.image_meta import read_copyright
from core.pipeline.runner import RunSummary
from db.connection import close_database, open_database
from db.settings import get_setting, set_setting
from tests.conftest import SCENES
from tests.helpers import decode_rgb, nearest_frame, vat
from tests.media import cut_starts
from tests.tui_screen_host import cursor_to
from tui.app import create_app
from tui.cli.run import finish
from tui.cli.run_view import RunView
from tui.screens.setting_edit import SettingEditDialog
from tui.screens.settings import SettingsScreen
from tui.widgets.vim_table import VimTable

OSC8 = "\x1b]8;"


def settings(*pairs: tuple[str, str]) -> None:
    """Set through the command line, as a user without the TUI would."""
    for key, value in pairs:
        vat("settings", "set", key, value, check=True)


# --- a whole run under non-default settings ------------------------------------------------------------


@pytest.fixture(scope="module")
def run_under_settings(
    cut_video: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """`vat run` without --out, --preset or --workers, with settings that each change what it makes."""
    tmp = tmp_path_factory.mktemp("run_under_settings")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VAT_DB", str(tmp / "state.db"))
        patch.setenv("FORCE_COLOR", "1")  # Rich takes stderr for a terminal: the link is for terminals only
        settings(
            ("last_output_directory", str(tmp / "out")),
            ("default_preset", "preview_fast"),
            ("copyright_text", "© Settings Test 2026"),
            ("parallel_workers", "3"),
            ("extract_midpoint_stills", "false"),
            ("generate_log", "false"),
            ("encoder_preference", "x264"),
            ("auto_open_output", "true"),
        )
        done = vat("run", cut_video, "--artwork", "Settings Work", "--date", "26-01-02", "--scenes", "1,3")
        assert done.returncode == 0, done.stdout + done.stderr
        return tmp, done


@pytest.fixture
def run_root(run_under_settings: tuple[Path, subprocess.CompletedProcess[str]]) -> Path:
    return run_under_settings[0] / "out" / "26-01-02_Settings_Work"


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_last_output_directory_is_where_vat_run_writes_without_out(run_root: Path) -> None:
    assert (run_root / "manifest.json").is_file()


def test_vat_run_takes_the_default_preset_and_remembers_the_master_folder(
    run_under_settings: tuple[Path, subprocess.CompletedProcess[str]], cut_video: Path
) -> None:
    from db.models import ProcessingState

    open_database(run_under_settings[0] / "state.db")
    try:
        assert [s.preset_id for s in ProcessingState.select()] == ["preview_fast"]
        assert get_setting("last_master_directory") == str(cut_video.parent)  # the form's next start
    finally:
        close_database()


def test_copyright_text_is_written_into_the_outputs(run_root: Path) -> None:
    stills = sorted((run_root / "stills" / "hq").iterdir())
    assert stills and all(read_copyright(still) == "© Settings Test 2026" for still in stills)


def test_parallel_workers_is_the_number_of_operations_at_a_time(
    run_under_settings: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    assert "3 operation(s) at a time" in run_under_settings[1].stderr


def test_extract_midpoint_stills_off_takes_each_scenes_first_frame(run_root: Path, cut_video: Path) -> None:
    frames = decode_rgb(cut_video)
    starts = cut_starts(SCENES)
    for number in (1, 3):
        (still,) = (run_root / "stills" / "hq").glob(f"*_s{number:03d}_hq.*")
        image = np.asarray(Image.open(still).convert("RGB")).astype(np.int16)
        assert nearest_frame(image, frames) == starts[number - 1], still.name  # not the middle frame


def test_generate_log_off_writes_no_process_log(run_root: Path) -> None:
    assert not list(run_root.glob("*_process_log.txt"))
    assert "process_log" not in (run_root / "manifest.json").read_text()


def test_auto_open_output_shows_the_project_folder_as_a_terminal_link(
    run_under_settings: tuple[Path, subprocess.CompletedProcess[str]], run_root: Path
) -> None:
    stderr = run_under_settings[1].stderr
    assert f"{OSC8}id=" in stderr and folder_url(run_root) in stderr
    assert OSC8 not in run_under_settings[1].stdout  # the result line stays plain for scripts


@pytest.mark.parametrize("wanted", [True, False])
def test_auto_open_output_off_shows_no_link(
    db: peewee.SqliteDatabase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    wanted: bool,
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    set_setting("auto_open_output", wanted)
    summary = RunSummary(status="completed", total=1, done=1, skipped=0, failed={}, elapsed=1.0)
    with RunView(json_lines=False) as view:
        assert finish(view, summary, "s1", str(tmp_path / "a b [1]")) == 0
    err = capsys.readouterr().err
    assert (OSC8 in err) is wanted
    if wanted:
        assert folder_url(tmp_path / "a b [1]") in err and "a%20b%20%5B1%5D" in err


# --- detection defaults ----------------------------------------------------------------------------------


def detected_starts(master: Path) -> list[int]:
    done = vat("detect", master, "--format", "json", check=True)
    return [scene["start_frame"] for scene in json.loads(done.stdout)["scenes"]]


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_min_scene_length_default_is_the_shortest_scene(cut_video: Path) -> None:
    assert detected_starts(cut_video) == cut_starts(SCENES)
    settings(("min_scene_length_default", "60"))
    starts = detected_starts(cut_video)
    # the last scene may be shorter (the film ends there)
    assert len(starts) > 1 and all(b - a >= 60 for a, b in zip(starts, starts[1:], strict=False))


def test_scene_threshold_default_is_the_detection_threshold(cut_video: Path) -> None:
    settings(("scene_threshold_default", "500"))
    assert detected_starts(cut_video) == [0]


# --- log_level, app_version, encoder_preference ------------------------------------------------------------


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_log_level_is_the_level_of_the_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    log_file = dirs.log_dir() / "vat.log"
    missing = tmp_path / "missing.mp4"
    settings(("log_level", "WARNING"))
    assert vat("run", missing, "--artwork", "X").returncode == 2
    assert "stopped:" not in log_file.read_text()  # an INFO record
    assert vat("-v", "run", missing, "--artwork", "X").returncode == 2  # -v: debug records, whatever the setting
    assert "INFO vat: stopped:" in log_file.read_text()
    log_file.write_text("")
    settings(("log_level", "INFO"))
    assert vat("run", missing, "--artwork", "X").returncode == 2
    assert "INFO vat: stopped:" in log_file.read_text()
    logs.stop_logging()


def test_app_version_follows_the_package(db: peewee.SqliteDatabase, db_path: Path) -> None:
    assert get_setting("app_version") == version("vat")
    db.execute_sql("UPDATE app_settings SET value = '0.0.1' WHERE key = 'app_version'")
    close_database()
    open_database(db_path)
    assert get_setting("app_version") == version("vat")


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_encoder_preference_applies_to_vat_run_without_encoder(cut_video: Path, tmp_path: Path) -> None:
    settings(("encoder_preference", "nvenc"), ("gpu_enabled", "false"))  # auto would take x264 now
    out = tmp_path / "out"
    done = vat("run", cut_video, "--artwork", "Enc", "--out", out, "--scenes", "1")
    if encoders.nvenc_status()[0]:
        assert done.returncode == 0, done.stderr
        from db.models import ProcessingState

        open_database()
        assert [s.encoder_type for s in ProcessingState.select()] == ["nvenc"]
        close_database()
    else:
        assert done.returncode == 3
        assert "NVENC (the encoder_preference setting) does not work here" in done.stderr
        assert not out.exists()


@pytest.mark.skipif(not encoders.nvenc_status()[0], reason="gpu_enabled only matters where NVENC works")
def test_gpu_enabled_decides_whether_auto_takes_nvenc(db: peewee.SqliteDatabase) -> None:
    from core.pipeline.session import resolve_encoder

    assert resolve_encoder("auto") == "nvenc"
    set_setting("gpu_enabled", False)
    assert resolve_encoder("auto") == "x264"
    assert resolve_encoder("nvenc") == "nvenc"  # asked for by name: the setting is for auto


# --- ui_theme and default_preset in the TUI -----------------------------------------------------------------


async def test_ui_theme_is_the_tuis_theme(db: peewee.SqliteDatabase) -> None:
    set_setting("ui_theme", "nord")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.theme == "nord"
        app.action_open("settings")
        await pilot.pause()
        await cursor_to(pilot, "ui_theme")
        await pilot.press("enter")
        assert isinstance(app.screen, SettingEditDialog)
        await pilot.press("home", "enter")  # ansi-dark, the first
        assert app.theme == "ansi-dark"  # at once
        app.theme = "gruvbox"  # as the command palette's "Change theme" does
        await pilot.pause()
    assert get_setting("ui_theme") == "gruvbox"


async def test_default_preset_is_one_truth(db: peewee.SqliteDatabase) -> None:
    """The Settings screen, the Presets screen's mark and `vat presets` agree, whichever changed it."""
    from tui.screens.presets import PresetsScreen

    settings(("default_preset", "social_1080"))
    listed = vat("presets", check=True).stdout
    assert next(line for line in listed.splitlines() if "social_1080" in line).count("*") == 1
    assert sum(line.count("*") for line in listed.splitlines()) == 1
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_open("settings")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        assert str(app.screen.query_one(VimTable).get_row("default_preset")[2]) == "social_1080"
        app.action_open("presets")
        await pilot.pause()
        assert isinstance(app.screen, PresetsScreen)
        await cursor_to(pilot, "archive_hq")
        await pilot.press("asterisk")  # the Presets screen's "make default"
        await pilot.pause()
    assert get_setting("default_preset") == "archive_hq"
    listed = vat("settings", "get", "default_preset", check=True).stdout
    assert listed == "archive_hq\n"


@pytest.mark.parametrize("wanted", [True, False])
async def test_auto_open_output_links_the_folder_when_the_tuis_processing_ends(
    db: peewee.SqliteDatabase, tmp_path: Path, wanted: bool
) -> None:
    from tests.test_db_support import make_session
    from tui.screens.processing import ProcessingScreen

    set_setting("auto_open_output", wanted)
    folder = tmp_path / "26-01-02_Done"
    make_session("s-done", status="completed", output_path=str(folder))
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.push_screen(ProcessingScreen("s-done"))
        await pilot.pause()
        line = app.screen.query_one("#processing-output").render_line(0)
        links = {segment.style.link for segment in line if segment.style is not None and segment.style.link}
        assert "".join(segment.text for segment in line).startswith(f"→ {folder}")
        # what the terminal gets: Textual writes a segment's link as OSC 8 around its text
        assert links == ({folder_url(folder)} if wanted else set())


async def test_the_new_session_form_starts_from_the_settings(db: peewee.SqliteDatabase, tmp_path: Path) -> None:
    """encoder_preference, default_preset and the last folders are what the form offers first."""
    from textual.widgets import Input, Select

    from tui.screens.new_session import NewSessionScreen

    set_setting("encoder_preference", "nvenc")
    set_setting("last_output_directory", str(tmp_path / "archive"))
    set_setting("last_master_directory", str(tmp_path / "masters"))
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_new_session()
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewSessionScreen)
        assert form.query_one("#encoder", Select).value == "nvenc"
        set_setting("default_preset", "social_1080")  # the Presets screen's mark, read when the form opens
        assert form.query_one("#preset", Select).value == "webflow_standard"
        assert form.query_one("#output", Input).value == str(tmp_path / "archive")
        assert form.query_one("#master", Input).value == f"{tmp_path / 'masters'}/"
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_new_session()
        await pilot.pause()
        assert app.screen.query_one("#preset", Select).value == "social_1080"
