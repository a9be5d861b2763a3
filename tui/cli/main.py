"""The `vat` command line: parse, dispatch, and turn every user mistake into one line and an exit code."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from core.detection.detectors import DEFAULT_DETECTOR, DETECTORS
from core.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, VatError
from core.text import terminal_safe
from tui.cli.completion import SHELLS

log = logging.getLogger("vat")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vat")
    except PackageNotFoundError:
        return "unknown"


def worker_count(text: str) -> int:
    """--workers: 1 to four times the cores (more only thrashes; 0 or less means nothing runs)."""
    most = 4 * (os.cpu_count() or 1)
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= number <= most:
        raise argparse.ArgumentTypeError(f"{number}: expected 1 to {most} (four times the {most // 4} cores)")
    return number


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and exit 2, as for every other bad input
        self.exit(EXIT_BAD_INPUT, f"vat: error: {terminal_safe(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vat", description="Video Archive Tool: master video to organised, web-ready archive.")
    parser.add_argument("--version", action="version", version=f"vat {_version()}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="debug records in the log, and on stderr outside the TUI; -vv adds the SQL statements")
    parser.add_argument("--db", metavar="PATH", help="database file (default: user data folder; env VAT_DB)")
    parser.add_argument("--resume", nargs="?", const="", metavar="SESSION",
                        help="resume the most recent resumable session (or SESSION) headless")
    parser.add_argument("--json", action="store_true", help="with --resume: one JSON object per event line")
    parser.add_argument("--workers", type=worker_count, metavar="N", help="with --resume: parallel operations")
    parser.add_argument("--detect-only", action="store_true",
                        help="with --resume SESSION: only detect its scenes (what the TUI runs in the background)")
    parser.add_argument("--scenes", metavar="SPEC",
                        help="with --resume SESSION: a new selection, while the session has not started processing")
    parser.add_argument("--group", action="append", metavar="A-B", help="with --resume SESSION: new groups")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    detect = sub.add_parser("detect", help="detect and print the scenes of a master")
    detect.add_argument("master")
    _add_detection_options(detect)
    detect.add_argument("--format", choices=["table", "csv", "json"], default="table")

    run = sub.add_parser("run", help="archive a master headless: detect, export, verify")
    run.add_argument("master")
    run.add_argument("--artwork", required=True, metavar="NAME")
    run.add_argument("--date", metavar="YY-MM-DD", help="project date (default today)")
    run.add_argument("--rd", metavar="DIR", help="R&D folder to process too")
    run.add_argument("--preset", metavar="ID", help="compression preset (default: the default preset)")
    run.add_argument("--out", metavar="DIR", help="where the project folder goes (default: the last one used)")
    run.add_argument("--scenes", metavar="SPEC", help="all (default) or scene numbers like 1,3,5-8")
    run.add_argument("--group", action="append", metavar="A-B", help="adjacent scenes exported as one clip")
    run.add_argument("--encoder", choices=["auto", "x264", "nvenc"], default="auto")
    run.add_argument("--workers", type=worker_count, metavar="N", help="parallel operations (default: setting)")
    run.add_argument("--replace", action="store_true",
                     help="make the project again into an existing project folder: the earlier session's "
                          "outputs are removed and made anew by this session")
    run.add_argument("--json", action="store_true", help="one JSON object per event line")
    _add_detection_options(run)

    sub.add_parser("doctor", help="check ffmpeg, encoders, database and folders")
    sub.add_parser("sessions", help="list sessions")
    sub.add_parser("history", help="list completed projects")
    sub.add_parser("presets", help="list presets")

    dbcmd = sub.add_parser("db", help="database maintenance")
    dbcmd.add_argument("action", choices=["backup", "vacuum", "cleanup"])

    completion = sub.add_parser("completion", help="print a shell completion script (bash, zsh, fish)",
                                epilog="bash: add 'source <(vat completion bash)' to ~/.bashrc; zsh: save it as "
                                "_vat in a folder of $fpath; fish: save it as ~/.config/fish/completions/vat.fish")
    completion.add_argument("shell", choices=SHELLS, metavar="SHELL", help="one of: " + ", ".join(SHELLS))

    return parser


def _add_detection_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--detector", choices=DETECTORS, default=DEFAULT_DETECTOR)
    p.add_argument("--threshold", type=float, help="detector threshold (the detector's own scale)")
    p.add_argument("--min-scene-len", type=int, metavar="FRAMES", help="shortest scene, in frames")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.db:
        os.environ["VAT_DB"] = os.path.abspath(args.db)  # children (detached workers) see it too
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
    except Exception as exc:
        from db.connection import database_problem, is_database_fault

        if not is_database_fault(exc):
            raise
        problem = database_problem(exc)
        log.info("stopped: %s", problem, exc_info=True)
        print(f"vat: error: {terminal_safe(problem)}", file=sys.stderr)
        return problem.exit_code


def _dispatch(args: argparse.Namespace) -> int:
    from tui.cli import headless

    if args.detect_only and args.resume is None:
        from core.errors import BadInput

        raise BadInput("--detect-only goes with --resume SESSION")
    if args.resume is not None:
        if args.detect_only:
            from tui.cli.detect_command import detect_only

            return detect_only(args)
        return headless.resume(args)
    if args.command == "completion":
        from tui.cli.completion import print_completion

        return print_completion(args.shell)
    if args.command is None:
        from tui.app import run_app

        return run_app()
    return getattr(headless, args.command)(args)


if __name__ == "__main__":
    raise SystemExit(main())
