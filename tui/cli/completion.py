"""`vat completion bash|zsh|fish`: a completion script generated from vat's own parser (by shtab), so it
always offers the commands and options the installed vat has."""

from __future__ import annotations

import argparse

from core.errors import EnvironmentProblem
from tui.cli.parser_walk import all_arguments

SHELLS = ["bash", "zsh", "fish"]

# Arguments that name files or folders get the shell's path completion (by name: the parser's metavars).
_FILE_ARGUMENTS = {"master"}
_FILE_METAVARS = {"PATH", "FILE", "MASTER"}
_DIRECTORY_METAVARS = {"DIR"}


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    try:
        import shtab
    except ImportError as exc:  # a dependency of vat: only a broken install lacks it
        raise EnvironmentProblem(
            f"cannot write a {shell} completion script: {exc.name} is not installed (reinstall vat)"
        ) from exc

    for action in all_arguments(parser):
        if action.dest in _FILE_ARGUMENTS or action.metavar in _FILE_METAVARS:
            action.complete = shtab.FILE  # type: ignore[attr-defined]  # shtab reads this attribute
        elif action.metavar in _DIRECTORY_METAVARS:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
    return shtab.complete(parser, shell=shell)


def print_completion(shell: str) -> int:
    from tui.cli.parser import build_parser

    print(completion_script(build_parser(), shell), end="")
    return 0
