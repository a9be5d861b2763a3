"""`vat roots ACTION`'s arguments (tui/cli/roots.py; tui/cli/parser.py builds the command)."""

from __future__ import annotations

import argparse
from typing import Any

from tui.cli.parser_actions import action_adder


def roots_command(roots: argparse.ArgumentParser, *parents: Any) -> None:
    """`vat roots [list|add|remove|check]`: without an action, the list."""
    action = action_adder(roots, *parents)
    action("list", "every root with its path on each machine, current and earlier (the same as `vat roots`)")
    added = action(
        "add",
        "add a root, or its path on a machine; the same name again on the same machine: the root moved there",
    )
    added.add_argument("name", metavar="NAME", help="a short name: letters, digits, _ and -")
    added.add_argument(
        "path", metavar="PATH", help="where the machine mounts it (made absolute; it must exist on this machine)"
    )
    added.add_argument("--host", metavar="HOST", help="the machine's host name (default: this machine's)")
    action("remove", "forget a root and its paths (stored paths stay as they are)").add_argument(
        "name", metavar="NAME", help="the root's name, as `vat roots` lists it"
    )
    action("check", "whether each root is reachable, readable and writable here (exit 1 when one is not)")
