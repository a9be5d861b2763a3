"""The parsers of a command's actions (`vat presets ACTION`, `vat roots ACTION`), made alike."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def action_adder(command: argparse.ArgumentParser, *parents: Any) -> Callable[[str, str], argparse.ArgumentParser]:
    """A function adding one action to COMMAND (its ACTION argument): its help, a description made from
    it, the shared options (PARENTS), and the command's own parser class and help formatter."""
    actions = command.add_subparsers(dest="action", metavar="ACTION", parser_class=type(command))

    def action(name: str, summary: str) -> argparse.ArgumentParser:
        return actions.add_parser(
            name,
            help=summary,
            description=summary[0].upper() + summary[1:] + ".",
            parents=list(parents),
            formatter_class=command.formatter_class,
        )

    return action
