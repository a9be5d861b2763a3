"""The `vat` command line: parse, dispatch, and turn every user mistake into one line and an exit code."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from core.detection.detectors import LEARNED_DETECTORS
from core.errors import EXIT_INTERRUPTED, VatError
from core.text import terminal_safe
from tui.cli.parser import parse

log = logging.getLogger("vat")
EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader closed

# Each command's module, imported only when run (`vat --help` and completion stay quick).
COMMANDS = {
    name: f"tui.cli.{name}"
    for name in (
        "detect",
        "doctor",
        "db",
        "sessions",
        "history",
        "presets",
        "settings",
        "run",
        "verify",
        "export",
        "title",
        "pack",
        "stats",
        "watch",
        "roots",
        "queue",
        "find",
        "tag",
        "ids",
        "farm",
    )
}


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.db:  # children (detached workers) see it too
        url = args.db.startswith(("postgresql://", "postgres://"))  # db.backend.is_url, without importing peewee
        os.environ["VAT_DB"] = args.db if url else os.path.abspath(args.db)
    from core.logs import setup_logging

    setup_logging(args.verbose)
    try:
        return _dispatch(args)
    except VatError as exc:
        log.info("stopped: %s", exc)
        print(f"vat: error: {terminal_safe(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("vat: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away (`vat sessions --json | head`): stop quietly, as a pipe's writer does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's own flush at exit too
        return EXIT_CLOSED_PIPE
    except Exception as exc:
        from db.connection import database_problem, is_database_fault

        if not is_database_fault(exc):
            raise
        problem = database_problem(exc)
        log.info("stopped: %s", problem, exc_info=True)
        print(f"vat: error: {terminal_safe(problem)}", file=sys.stderr)
        return problem.exit_code


def _dispatch(args: argparse.Namespace) -> int:
    if getattr(args, "detector", None) in LEARNED_DETECTORS:  # its extra missing: exit 2 before anything is written
        from core.detection.learned import require

        require(args.detector)
    if args.resume is not None:  # `vat resume [SESSION]` or `vat --resume [SESSION]`
        if args.detect_only:
            from tui.cli.detect_only import detect_only

            return detect_only(args)
        from tui.cli.resume import resume

        return resume(args)
    if args.command == "completion":
        from tui.cli.completion import print_completion

        return print_completion(args.shell)
    if args.command is None:
        from tui.app import run_app

        return run_app()
    module = importlib.import_module(COMMANDS[args.command])
    return getattr(module, args.command)(args)


if __name__ == "__main__":
    raise SystemExit(main())
