"""`vat completion bash|zsh|fish`: a script generated from the parser, which the shell accepts and which
completes vat's subcommands, options, choices and paths."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import EXIT_BAD_INPUT
from tui.cli.parser import build_parser
from tui.cli.parser_walk import all_arguments, subcommands

ROOT = Path(__file__).resolve().parent.parent
SUBCOMMANDS = [command.name for command in subcommands(build_parser())]


def vat(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
        timeout=60,
    )


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    done = vat("completion", "bash")
    assert done.returncode == 0, done.stderr
    path = tmp_path_factory.mktemp("completion") / "vat.bash"
    path.write_text(done.stdout)
    return path


def complete(script: Path, line: str, cwd: Path = ROOT) -> list[str]:
    """What bash offers for TAB at the end of `line`, the way bash calls the completion function."""
    program = (
        'source "$1"; read -ra COMP_WORDS <<< "$2"; [[ "$2" == *" " ]] && COMP_WORDS+=("");'
        ' COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$2"; COMP_POINT=${#2};'
        ' _shtab_vat vat; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(
        ["bash", "-c", program, "bash", str(script), line],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=30,
        check=True,
    )
    return [word for word in done.stdout.splitlines() if word]


def test_bash_accepts_the_script(bash_script: Path) -> None:
    done = subprocess.run(["bash", "-n", str(bash_script)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "complete " in bash_script.read_text() and "vat" in bash_script.read_text()


def test_bash_completes_the_subcommands_options_and_choices(bash_script: Path) -> None:
    assert {"run", "detect", "doctor", "db", "completion"} <= set(SUBCOMMANDS)
    assert sorted(complete(bash_script, "vat ")) == sorted(SUBCOMMANDS)
    assert complete(bash_script, "vat run --enc") == ["--encoder"]
    assert sorted(complete(bash_script, "vat run --encoder ")) == ["auto", "nvenc", "x264"]
    assert sorted(complete(bash_script, "vat db ")) == ["backup", "cleanup", "vacuum"]
    assert sorted(complete(bash_script, "vat completion ")) == ["bash", "fish", "zsh"]


def test_bash_completes_resume_and_the_options_shared_after_a_command(bash_script: Path) -> None:
    assert "resume" in SUBCOMMANDS
    assert complete(bash_script, "vat resume --det") == ["--detect-only"]
    assert complete(bash_script, "vat run --js") == ["--json"]
    assert complete(bash_script, "vat sessions --d") == ["--db"]


def test_bash_completes_paths_where_vat_expects_them(bash_script: Path, tmp_path: Path) -> None:
    (tmp_path / "masters").mkdir()
    (tmp_path / "master.mov").write_bytes(b"")
    assert sorted(complete(bash_script, "vat detect ", cwd=tmp_path)) == ["master.mov", "masters"]
    assert complete(bash_script, "vat run master.mov --out ", cwd=tmp_path) == ["masters"]  # folders only


def test_zsh_and_fish_scripts_offer_every_subcommand_and_option() -> None:
    options = {
        option
        for action in all_arguments(build_parser())
        for option in action.option_strings
        if option.startswith("--")
    }
    for shell, header in (("zsh", "#compdef vat"), ("fish", "complete -c vat")):
        done = vat("completion", shell)
        assert done.returncode == 0, done.stderr
        assert header in done.stdout
        for name in SUBCOMMANDS:
            assert name in done.stdout, f"{shell}: {name}"
        for option in options:
            assert option in done.stdout if shell == "zsh" else f"-l {option[2:]}" in done.stdout, f"{shell}: {option}"


def test_an_unknown_shell_is_refused_in_one_line() -> None:
    done = vat("completion", "tcsh")
    assert done.returncode == EXIT_BAD_INPUT
    assert done.stdout == "" and done.stderr.count("\n") == 1 and "tcsh" in done.stderr
