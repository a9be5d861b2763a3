"""vat's man page (roff, section 1), generated from the command-line parser so that it lists every command
and option the code has. `make man` writes it to build/man/vat.1; `man -l build/man/vat.1` shows it."""

from __future__ import annotations

import argparse
import os
import sys
import time

from core.errors import EXIT_BAD_INPUT, EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from tui.cli.parser import help_with_default
from tui.cli.parser_walk import Subcommand, arguments, subcommands

EXIT_STATUS = [
    (EXIT_OK, "done"),
    (EXIT_FAILED, "some operations failed (the summary names them)"),
    (EXIT_BAD_INPUT, "bad usage or bad input (missing file, not a video, bad name); nothing was written"),
    (EXIT_ENVIRONMENT, "environment: no ffmpeg, an unwritable folder, a requested encoder that does not work here"),
    (EXIT_INTERRUPTED, "interrupted; the session is paused and resumable"),
]

ENVIRONMENT = [
    ("VAT_DB", "the database file (as --db)"),
    ("VAT_FFMPEG", "the ffmpeg to use (else ffmpeg on PATH, else the one bundled with imageio-ffmpeg)"),
    (
        "VAT_PG_DUMP",
        "the pg_dump that backs up a PostgreSQL catalogue (else pg_dump on PATH, else the pgserver wheel's; "
        "where none can dump the server, a logical export of the rows as JSON)",
    ),
    ("XDG_DATA_HOME, XDG_CACHE_HOME, XDG_STATE_HOME", "where the database, the cache and the logs go"),
    ("VAT_BROKER", "the render farm's Redis broker, redis://HOST:PORT/N (as --broker)"),
    (
        "VAT_FARM_VISIBILITY_TIMEOUT",
        "seconds before a render node's unacknowledged task goes to another node (3600: more than the longest encode)",
    ),
]


def text(value: str) -> str:
    """Prose for roff: backslashes escaped, no line starting with a control character."""
    value = " ".join(value.replace("\\", "\\e").split())
    return "\\&" + value if value.startswith((".", "'")) else value


def literal(value: str) -> str:
    """An option name or a command: hyphens are minus signs, so that they can be searched and copied."""
    return text(value).replace("-", "\\-")


def metavar(action: argparse.Action) -> str:
    if action.metavar:
        return str(action.metavar)
    if action.choices:
        return "|".join(str(choice) for choice in action.choices)
    return action.dest.upper() if action.option_strings else action.dest


def invocation(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"\\fI{literal(metavar(action))}\\fR"
    names = ", ".join(f"\\fB{literal(option)}\\fR" for option in action.option_strings)
    if action.nargs == 0:
        return names
    value = f"\\fI{literal(metavar(action))}\\fR"
    return f"{names} [{value}]" if action.nargs == "?" else f"{names} {value}"


def help_text(action: argparse.Action, prog: str) -> str:
    """The help line as `vat CMD --help` shows it: %(default)s and the like filled in, choices listed."""
    value = help_with_default(action)
    if "%" in value:
        params = {k: v for k, v in vars(action).items() if v is not argparse.SUPPRESS}
        params["prog"] = prog
        if params.get("choices") is not None:
            params["choices"] = ", ".join(str(choice) for choice in params["choices"])
        value = value % params
    if action.choices and action.metavar:
        value = f"{value} (one of: {', '.join(str(choice) for choice in action.choices)})".lstrip()
    return value


def options(parser: argparse.ArgumentParser, *, skip_help: bool) -> list[str]:
    lines = []
    for action in arguments(parser):
        if action.help is argparse.SUPPRESS or (skip_help and isinstance(action, argparse._HelpAction)):
            continue
        lines += [".TP", invocation(action), text(help_text(action, parser.prog)) or "\\&"]
    return lines


def _with_nested(commands: list[Subcommand]) -> list[Subcommand]:
    """Each command followed by its own subcommands (`vat presets import`), depth first."""
    return [found for command in commands for found in (command, *_with_nested(subcommands(command.parser)))]


def manpage(parser: argparse.ArgumentParser, version: str) -> str:
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))  # reproducible builds set it
    day = time.strftime("%Y-%m-%d", time.gmtime(epoch))
    prog = parser.prog
    commands = _with_nested(subcommands(parser))
    lines = [
        f'.TH {prog.upper()} 1 "{day}" "{prog} {text(version)}" "User Commands"',
        ".SH NAME",
        f"{prog} \\- {text(parser.description or '')}",
        ".SH SYNOPSIS",
        f".B {prog}",
        "[\\fIOPTIONS\\fR]",
        ".br",
        f".B {prog}",
        "\\fICOMMAND\\fR [\\fIARGUMENTS\\fR]",
        ".SH DESCRIPTION",
        f"Without a command, {prog} opens its terminal interface. The commands work headless.",
        ".SH OPTIONS",
        *options(parser, skip_help=False),
        ".SH COMMANDS",
    ]
    for command in commands:
        positionals = " ".join(
            f"\\fI{literal(metavar(a))}\\fR" for a in arguments(command.parser) if not a.option_strings
        )
        lines += [
            f'.SS "{literal(command.parser.prog)}"' + (f" {positionals}" if positionals else ""),
            text(command.help or command.parser.description or ""),
        ]
        lines += options(command.parser, skip_help=True)
        if command.parser.epilog:
            lines += [".PP", text(command.parser.epilog)]
    lines += [".SH EXIT STATUS"]
    for code, meaning in EXIT_STATUS:
        lines += [".TP", f"\\fB{code}\\fR", text(meaning)]
    lines += [".SH ENVIRONMENT"]
    for name, meaning in ENVIRONMENT:
        lines += [".TP", f"\\fB{literal(name)}\\fR", text(meaning)]
    lines += [".SH SEE ALSO", "\\fBffmpeg\\fR(1)", ""]
    return "\n".join(lines)


def main() -> int:
    from tui.cli.parser import build_parser, version

    sys.stdout.write(manpage(build_parser(), version()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
