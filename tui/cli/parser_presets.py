"""`vat presets ACTION`'s arguments (tui/cli/presets.py; tui/cli/parser.py builds the command)."""

from __future__ import annotations

import argparse
from typing import Any

from tui.cli.parser_actions import action_adder


def presets_command(presets: argparse.ArgumentParser, *parents: Any) -> None:
    """`vat presets ACTION`: without one, the list."""
    action = action_adder(presets, *parents)
    action("list", "list the presets (the same as `vat presets`)")
    for name, summary in (
        ("show", "print a preset's settings"),
        ("export", "print a preset as a vat preset file (JSON) on stdout"),
        ("delete", "delete a preset (not a built-in one, not the default)"),
        ("default", "make a preset the default for new sessions"),
    ):
        action(name, summary).add_argument("preset", metavar="ID", help="the preset's id, as `vat presets` lists it")
    imported = action("import", "add a preset from a vat preset file (as `vat presets export` writes)")
    imported.add_argument("file", metavar="FILE", help="the preset file (JSON)")
    imported.add_argument("--id", metavar="ID", help="import it under this id instead of the file's")
    imported.add_argument(
        "--replace", action="store_true", help="overwrite a user preset with the same id (never a built-in one)"
    )
