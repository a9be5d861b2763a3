"""`make man`: the man page is generated from the parser, names every command and option, and groff reads
it without a warning."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli.manpage import manpage
from tui.cli.parser import build_parser
from tui.cli.parser_walk import all_arguments, subcommands

ROOT = Path(__file__).resolve().parent.parent


def make_man_page() -> str:
    """What `make man` runs (see the Makefile's man target)."""
    assert "-m tui.cli.manpage > build/man/vat.1" in (ROOT / "Makefile").read_text()
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli.manpage"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_man_page_names_every_command_and_option() -> None:
    page = make_man_page()
    parser = build_parser()
    assert page.startswith(".TH VAT 1 ")
    names = [command.name for command in subcommands(parser)]
    assert {"run", "detect", "doctor", "sessions", "history", "presets", "db", "completion"} <= set(names)
    for name in names:
        assert f'.SS "vat {name}"' in page, name
    for action in all_arguments(parser):
        for option in action.option_strings:
            escaped = option.replace("-", "\\-")  # roff's minus sign
            assert f"\\fB{escaped}\\fR" in page, option
    for code in ("0", "1", "2", "3", "130"):
        assert f".TP\n\\fB{code}\\fR\n" in page


def test_the_man_page_has_resume_and_the_defaults_that_help_shows() -> None:
    page = make_man_page()
    assert '.SS "vat resume" \\fISESSION\\fR' in page
    assert (
        "(default: transitions)" in page
        and "(default: the encoder_preference setting)" in page
        and "(default: table)" in page
    )
    assert "frame numbers count from 0" in page


def test_roff_control_characters_in_help_are_escaped() -> None:
    parser = build_parser()
    parser.description = ".SH not a heading \\ nor an escape"
    subcommands(parser)[0].parser.epilog = "'not a request either"
    page = manpage(parser, "1.0")
    assert "\\e nor an escape" in page and "\n\\&'not a request either\n" in page
    assert not [line for line in page.splitlines() if line.startswith((".SH not", "'not"))]


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff is not installed")
def test_groff_reads_the_man_page_without_warnings(tmp_path: Path) -> None:
    path = tmp_path / "vat.1"
    path.write_text(make_man_page())
    done = subprocess.run(
        ["groff", "-man", "-Tutf8", "-ww", "-z", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
