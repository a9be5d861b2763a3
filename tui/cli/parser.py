"""The `vat` command line's parser: every command, its arguments and their defaults.

The options that several commands share (-v, --db, --json, --workers, --scenes, --group) are accepted
before or after the command: the top-level parser holds their defaults, and each command's parser
holds them with default=SUPPRESS, so that a command given none of them keeps what came before it
(argparse copies a subparser's namespace over the top-level one). An option given where it does not
apply is refused by `check_applies`, in one line."""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

from core.errors import EXIT_BAD_INPUT
from core.text import terminal_safe
from tui.cli.completion import SHELLS
from tui.cli.parser_catalogue import catalogue_commands, pack_arguments, stats_arguments
from tui.cli.parser_detection import detection_options, scenes_from_option
from tui.cli.parser_farm import farm_command
from tui.cli.parser_presets import presets_command
from tui.cli.parser_roots import roots_command
from tui.cli.parser_run import RUN_EPILOG, farm_options, queue_arguments, run_arguments, worker_count
from tui.cli.parser_watch import EPILOG as WATCH_EPILOG
from tui.cli.parser_watch import add_watch_arguments

# The commands that run a session, and so take --json, --workers, --scenes and --group.
SESSION_COMMANDS = ("run", "resume")
# The commands that print a listing or a report, and take --json for one JSON document instead.
JSON_COMMANDS = (
    "queue",
    "sessions",
    "history",
    "presets",
    "settings",
    "doctor",
    "verify",
    "pack",
    "stats",
    "roots",
    "find",
    "tag",
    "ids",
)
# The long-running commands that print their events, and take --json for one JSON object per line.
EVENT_COMMANDS = ("watch",)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("vat")
    except PackageNotFoundError:
        return "unknown"


class _Version(argparse.Action):
    """--version, looked up only when asked: reading the package metadata costs every command 0.1 s."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        print(f"vat {version()}")
        parser.exit()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line and exit 2, as for every other bad input
        self.exit(EXIT_BAD_INPUT, f"vat: error: {terminal_safe(message)}\n")


def help_with_default(action: argparse.Action) -> str:
    """An option's help with its default ("(default: adaptive)"), for --help and the man page alike.
    Options without one (None, False, 0, "") say in their own words what happens when left out."""
    text = action.help or ""
    default = action.default
    if "%(default)" in text or default is argparse.SUPPRESS or isinstance(default, bool) or not default:
        return text
    if action.option_strings or action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE):
        return f"{text} (default: %(default)s)".lstrip()
    return text


class _Help(argparse.HelpFormatter):
    def _get_help_string(self, action: argparse.Action) -> str | None:
        return help_with_default(action)


def _default(top: bool, value: Any) -> Any:
    """The top-level parser's default; a command's parser leaves the value alone unless given."""
    return value if top else argparse.SUPPRESS


def _shared(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """-v and --db: every command takes them, before or after its name."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        dest="verbose" if top else "verbose_after",  # added to those before the command, see parse()
        default=_default(top, 0),
        help="debug records in the log, and on stderr outside the TUI; -vv adds the SQL statements",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=_default(top, None),
        help="database file (default: the user data folder, or the environment variable VAT_DB)",
    )


def _json_option(parser: argparse.ArgumentParser, *, top: bool, text: str) -> None:
    parser.add_argument("--json", action="store_true", default=_default(top, False), help=text)


def _session_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--json, --workers, --scenes, --group, --farm and --broker: `vat run`, `vat resume` and `vat --resume`
    take them."""
    _json_option(parser, top=top, text="one JSON object per event line on stdout, instead of progress bars")
    parser.add_argument(
        "--workers",
        type=worker_count,
        metavar="N",
        default=_default(top, None),
        help="operations run in parallel (default: the parallel_workers setting)",
    )
    parser.add_argument(
        "--scenes",
        metavar="SPEC",
        default=_default(top, None),
        help="the scenes to export: all, or scene numbers (1-based) like 1,3,5-8; with vat run also pick "
        "(detect now, choose later) (default: all; with resume: the session's own selection)",
    )
    parser.add_argument(
        "--group",
        action="append",
        metavar="A-B",
        dest="group" if top else "group_after",  # added to those before the command, see parse()
        default=_default(top, None),
        help="adjacent scenes A to B exported as one clip; repeat it for more groups",
    )
    farm_options(parser, top=top)


def _resume_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    parser.add_argument(
        "--detect-only",
        action="store_true",
        default=_default(top, False),
        help="only detect the session's scenes, leaving it ready to pick "
        "(what the TUI runs in the background); needs SESSION",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="vat",
        description="Video Archive Tool: master video to organised, web-ready archive.",
        formatter_class=_Help,
    )
    parser.add_argument("--version", action=_Version, help="show program's version number and exit")
    _shared(parser, top=True)
    parser.add_argument(
        "--resume",
        nargs="?",
        const="",
        metavar="SESSION",
        help="resume the most recent resumable session (or SESSION) headless, or continue the queue when "
        "sessions wait in it; the same as `vat resume [SESSION]`",
    )
    _session_options(parser, top=True)
    _resume_options(parser, top=True)

    shared = _Parser(add_help=False)
    _shared(shared, top=False)
    session = _Parser(add_help=False)
    _session_options(session, top=False)
    as_json = _Parser(add_help=False)  # the listings' --json (JSON_COMMANDS)
    _json_option(as_json, top=False, text="one JSON document on stdout instead of a table")

    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, summary: str, *parents: _Parser, **kwargs: Any) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=summary,
            description=summary[0].upper() + summary[1:] + ".",
            parents=[shared, *parents],
            formatter_class=_Help,
            **kwargs,
        )

    detect = command(
        "detect",
        "detect and print the scenes of a master",
        epilog="Scene numbers (#, index) count from 1; frame numbers count from 0 in every format, "
        "the last frame of a scene included. PySceneDetect's own scene list CSV counts "
        "frames from 1: its Start Frame and End Frame are vat's start_frame and end_frame + 1.",
    )
    detect.add_argument("master", help="the master video file")
    detection_options(detect)
    scenes_from_option(detect)
    detect.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="table (for reading), csv or json (one object)",
    )

    run = command(
        "run",
        "archive masters headless: detect, export, verify; several go through the queue in turn",
        session,
        epilog=RUN_EPILOG,
    )
    run_arguments(run)
    detection_options(run)
    scenes_from_option(run)

    resume = command("resume", "resume a session headless: the most recent resumable one, or SESSION", session)
    resume.add_argument(
        "resume",
        nargs="?",
        default="",
        metavar="SESSION",
        help="the session's id, as `vat sessions` lists it (default: the queue's waiting sessions, the one a "
        "kill interrupted first; else the most recent processing or paused session)",
    )
    _resume_options(resume, top=False)

    queue_arguments(
        command("queue", "list the machine's queue of sessions, run it, or reorder, hold or remove one", as_json)
    )
    command("doctor", "check ffmpeg, encoders, database and folders", as_json)
    command("sessions", "list sessions", as_json)
    history = command("history", "list completed projects", as_json)
    history.add_argument(
        "--archived", action="store_true", help="the archived projects (moved out of the history after 90 days)"
    )
    history.add_argument(
        "--failed",
        action="store_true",
        help="only the projects whose last fixity check found an output missing, modified, corrupt or unreadable",
    )
    presets_command(
        command("presets", "list presets, or show, export, import, delete one, or make it the default", as_json),
        shared,
        as_json,
    )

    verify = command(
        "verify",
        "re-check archived outputs: present, same size, same SHA-256; --repair makes bad ones again",
        as_json,
        epilog="Exit 0 when every output holds (also after a repair that made them whole), 1 when any is "
        "missing, modified, corrupt or unreadable, could not be repaired, or an operation of the repair failed, "
        "2 for an unknown session or folder. A session's delivery packs (vat pack) are checked too: "
        "their size and SHA-256 (--deep: read back); --repair leaves a damaged pack to a new vat pack.",
    )
    verify.add_argument(
        "sessions",
        nargs="*",
        metavar="SESSION",
        help="a session's id, or a project folder (checked from its checksums.sha256 when this database "
        "does not know it); none: every project",
    )
    verify.add_argument("--all", action="store_true", help="every project (the default without SESSION)")
    verify.add_argument("--deep", action="store_true", help="also decode every output, as when it was written")
    verify.add_argument(
        "--repair",
        action="store_true",
        help="make missing or damaged outputs again from the master (or the master copy when the master "
        "is gone), then check again",
    )

    export = command(
        "export",
        "write the selection as editorial files: CMX 3600 EDL, OpenTimelineIO, FCPXML, FCP 7 XML",
        epilog="Each selected scene or group is one event referencing the master, its source in/out in the "
        "master's own timecode. Without -o the files go into the project's editorial/ folder (editorial/export/ "
        "once a run has made the archive's there) and their paths are printed. Exit 0 written, 2 for an unknown "
        "session, one without a detection or a -o FILE that cannot be written, 3 an unwritable editorial/ folder.",
    )
    export.add_argument("session", metavar="SESSION", help="a session's id (see: vat sessions)")
    export.add_argument(
        "--format",
        choices=["edl", "otio", "fcpxml", "fcp7"],
        help="one format (default: all four; with -o, the one its extension names)",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write this file instead (one format)")

    pack_arguments(
        command(
            "pack",
            "make a delivery pack (ZIP) of a project's outputs, list its packs, or forget one",
            as_json,
            epilog="The ZIP holds the chosen outputs as they are in the project folder, LICENSE.txt, manifest.json "
            "(artwork, session, date, licence, and each file's path, kind, unit, size and SHA-256) and the contact "
            "sheet; every output is checked against its registered size and SHA-256 first, the ZIP is read back "
            "before it is renamed into place, and it is registered with the project (vat pack PROJECT --list). "
            "vat verify checks the packs in the project folder (a missing one fails until --forget unregisters "
            "it); a pack written with -o outside the folder is a delivery: checked while it is there, reported "
            "as delivered elsewhere once gone. Exit 0 made (listed, forgotten), 1 an output missing or changed "
            "(no pack made), 2 bad input, 3 a folder that cannot be written.",
        )
    )

    stats = command(
        "stats",
        "statistics of every completed project: per month, preset, tag, and output kind",
        as_json,
        epilog="From the project history (archived projects too): projects, outputs, bytes and processing "
        "time per month, per preset and per project tag; outputs by kind (count and size) with the "
        "compression achieved (the masters' size over the outputs'). Without --by, every table.",
    )
    stats_arguments(stats)

    title = command(
        "title",
        "show or set a scene's title and note (as e in the scene picker)",
        epilog="Without --title or --note, prints them. An empty --title removes yours (a detected title shows "
        "again). A title is one line without control characters. When the session's outputs exist, "
        "`vat --resume SESSION` makes again those that carry the text. Exit 0, 2 for bad input.",
    )
    title.add_argument("session", metavar="SESSION", help="a session's id (see: vat sessions)")
    title.add_argument("scene", metavar="SCENE", type=int, help="the scene's number (1-based)")
    title.add_argument("--title", metavar="TEXT", help="the scene's title (empty: none of yours)")
    title.add_argument("--note", metavar="TEXT", help="the scene's note (empty: none)")
    title.add_argument(
        "--credits", metavar="TEXT", help="the scene's own credits, embedded after the project's (empty: none)"
    )
    catalogue_commands(command, as_json)

    settings = command(
        "settings",
        "list, read or change settings",
        as_json,
        epilog="A value is checked as the Settings screen checks it: its type (whole number, number, "
        "true/false, text) and its rule (one of a list, a range, a stored preset); a bad one is refused "
        "naming the key and the allowed values (exit 2). `vat settings` lists every key with its rule.",
    )
    settings.add_argument(
        "action", nargs="?", choices=["list", "get", "set"], default="list", help="list (the default), get or set"
    )
    settings.add_argument("key", nargs="?", metavar="KEY", help="the setting, as `vat settings` lists it")
    settings.add_argument("value", nargs="?", metavar="VALUE", help="the new value (set)")

    watch = command(
        "watch", "turn every new master in a folder into a queued session, until stopped", epilog=WATCH_EPILOG
    )
    _json_option(watch, top=False, text="one JSON object per event line on stdout")
    add_watch_arguments(watch)

    roots_command(
        command(
            "roots",
            "named storage roots (a NAS) and their path on each machine, so stored paths survive a move",
            as_json,
            epilog="A stored path under any path a root ever had (on any machine) resolves to the same place "
            "under the root's path on this machine (host name; VAT_HOST overrides it). Without ACTION, the list. "
            "check: exit 1 when a root is unreachable or unreadable here, or has no path here while sessions "
            "lie under it. Exit 2 for a bad name or a PATH that is not a folder here.",
        ),
        shared,
        as_json,
    )

    farm_command(command("farm", "the render farm: run a render node here (vat farm worker)"), shared)

    dbcmd = command("db", "database maintenance")
    dbcmd.add_argument(
        "action",
        choices=["backup", "vacuum", "cleanup"],
        help="backup: a copy in the backups folder; vacuum: compact, analyse and reindex; "
        "cleanup: apply the retention settings now (a backup first, then old log rows and abandoned "
        "sessions removed, old history archived)",
    )

    completion = command(
        "completion",
        "print a shell completion script (bash, zsh, fish)",
        epilog="bash: add 'source <(vat completion bash)' to ~/.bashrc; zsh: save it as "
        "_vat in a folder of $fpath; fish: save it as ~/.config/fish/completions/vat.fish",
    )
    completion.add_argument("shell", choices=SHELLS, metavar="SHELL", help="one of: " + ", ".join(SHELLS))

    return parser


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The arguments, every option checked against the command it was given with."""
    parser = build_parser()
    args, extra = parser.parse_known_args(_session_beside_resume(parser, sys.argv[1:] if argv is None else argv))
    if extra:  # one the top level knows, given after a command that does not take it, is named as such
        known = [word.split("=")[0] for word in extra if word.split("=")[0] in parser._option_string_actions]
        where = f"vat {args.command}" if args.command else "vat"
        parser.error(f"{known[0]} does not apply to {where}" if known else f"unrecognized arguments: {' '.join(extra)}")
    # Options that add up (-v -v, --group A-B --group C-D) count on both sides of the command: a command's
    # parser starts from nothing, so its own go to *_after and are added here.
    args.verbose += vars(args).pop("verbose_after", 0)
    args.group = (args.group or []) + vars(args).pop("group_after", []) or None
    problem = check_applies(args)
    if problem:
        parser.error(problem)
    return args


def _session_beside_resume(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """`vat --resume --farm SESSION`: --resume's value is optional, so argparse stops at the option after
    it and would read SESSION as the command. The first word after --resume's options that is not a
    command is moved back beside it (`vat --resume SESSION --farm`, which argparse reads)."""
    if "--resume" not in argv:
        return argv
    start = argv.index("--resume") + 1
    commands = {name for action in parser._actions for name in (action.choices or ())}  # and options' choices
    i = start
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "--":
        action = parser._option_string_actions.get(argv[i].split("=")[0])
        takes_value = action is not None and action.nargs != 0 and "=" not in argv[i]
        i += 2 if takes_value else 1
    if i == start or i >= len(argv) or argv[i] in commands or argv[i].startswith("-"):
        return argv
    return [*argv[:start], argv[i], *argv[start:i], *argv[i + 1 :]]


def check_applies(args: argparse.Namespace) -> str | None:
    """Why an option was given where it does not apply, or None. A command's parser refuses what it does
    not know itself; what is left is an option given before a command that does not take it."""
    if args.command is not None and args.resume is not None and args.command != "resume":
        return f"--resume is a command of its own (vat resume), not an option of vat {args.command}"
    if args.broker and not args.farm and (args.command in SESSION_COMMANDS or args.resume is not None):
        return "--broker goes with --farm (the render farm's broker)"
    if args.command == "resume" or args.resume is not None:
        if args.detect_only and not args.resume:
            return "--detect-only needs the session: vat resume SESSION --detect-only"
        if args.detect_only and args.farm:
            return "--farm does not apply to --detect-only (detection runs here)"
        return None
    given = [
        name
        for name, value in (
            ("--json", args.json),
            ("--workers", args.workers),
            ("--scenes", args.scenes),
            ("--group", args.group),
            ("--farm", args.farm),
            ("--broker", args.broker),
        )
        if value
    ]
    if args.detect_only:
        given.insert(0, "--detect-only")
    if args.command == "run":
        given = [name for name in given if name == "--detect-only"]
    elif args.command == "farm":  # a render node's own --broker (vat farm worker)
        given = [name for name in given if name != "--broker"]
    elif args.command in JSON_COMMANDS or args.command in EVENT_COMMANDS:
        given = [name for name in given if name != "--json"]
    if not given:
        return None
    where = f"vat {args.command}" if args.command else "the TUI"
    goes = "vat resume SESSION" if given[0] == "--detect-only" else "vat run and vat resume"
    if given[0] == "--json":
        goes = "vat run, vat resume and the listings: " + ", ".join(f"vat {name}" for name in JSON_COMMANDS)
    return f"{given[0]} does not apply to {where} (it goes with {goes})"
