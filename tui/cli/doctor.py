"""`vat doctor`: ffmpeg, encoders, filters, database and folders checked, one mark a line."""

from __future__ import annotations

import argparse

from rich.markup import escape

from core.errors import EXIT_ENVIRONMENT, EXIT_OK
from core.text import terminal_safe
from tui.cli.common import console as make_console
from tui.cli.common import print_json


def doctor(args: argparse.Namespace) -> int:
    from core.doctor import can_work, run_checks

    checks = run_checks()
    if args.json:
        checks_json = [{"name": c.name, "ok": c.ok, "required": c.required, "detail": c.detail} for c in checks]
        print_json({"can_work": can_work(checks), "checks": checks_json})
        return EXIT_OK if can_work(checks) else EXIT_ENVIRONMENT
    console = make_console()
    for check in checks:
        word, colour = ("ok", "green") if check.ok else (("FAIL", "red") if check.required else ("no", "yellow"))
        # padded on the visible word, not on the markup around it, so the names line up
        mark = " " * (4 - len(word)) + f"[{colour}]{word}[/]"
        console.print(f"{mark}  {check.name}: {escape(terminal_safe(check.detail))}", highlight=False, soft_wrap=True)
    if can_work(checks):
        console.print("vat can work here.")
        return EXIT_OK
    console.print("vat cannot work here: fix the FAIL lines above.")
    return EXIT_ENVIRONMENT
