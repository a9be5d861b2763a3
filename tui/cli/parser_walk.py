"""Read an argparse parser back: its subcommands and arguments, for the completion script and the man page.

argparse has no public way to list what a parser holds; these are its long-stable attributes
(_actions, _SubParsersAction, _choices_actions), which shtab and argcomplete read as well."""

from __future__ import annotations

import argparse
from dataclasses import dataclass


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    parser: argparse.ArgumentParser


def arguments(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The parser's own arguments, in the order they were added (not the subcommands' ones)."""
    return [a for a in parser._actions if not isinstance(a, argparse._SubParsersAction)]


def subcommands(parser: argparse.ArgumentParser) -> list[Subcommand]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            found += [Subcommand(name, helps.get(name, ""), sub) for name, sub in action.choices.items()]
    return found


def all_arguments(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The parser's arguments and its subcommands', recursively."""
    return arguments(parser) + [a for sub in subcommands(parser) for a in all_arguments(sub.parser)]
