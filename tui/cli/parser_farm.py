"""`vat farm ACTION`'s arguments (tui/cli/farm.py; tui/cli/parser.py builds the command)."""

from __future__ import annotations

import argparse
from typing import Any

from tui.cli.parser_actions import action_adder
from tui.cli.parser_run import worker_count

EPILOG = (
    "A render node takes a session's operations (stills, clips, R&D, the master copy) from the broker "
    "(--broker, else VAT_BROKER=redis://HOST:PORT/N) and makes each exactly as the local pool does, recording "
    "it in the shared catalogue (VAT_DB=postgresql://...; the farm refuses a SQLite database). It takes only "
    "the tasks of sessions sent by the same vat and ffmpeg versions as its own, and only those of its "
    "encoders: x264 nodes make everything but the NVENC encodes. Shared storage may be mounted anywhere: "
    "paths resolve through the storage roots (vat roots). A node killed mid-encode leaves its task to another "
    "after VAT_FARM_VISIBILITY_TIMEOUT seconds (3600). Exit 130 when stopped by SIGTERM or Ctrl-C (the "
    "operations being made go back to the queue), 2 for bad input (no broker, no shared catalogue), 3 for "
    "the environment (Celery not installed, a broker that does not answer, an encoder that does not work here)."
)


def farm_command(farm: argparse.ArgumentParser, *parents: Any) -> None:
    """`vat farm worker [--concurrency N] [--encoders x264,nvenc] [--broker URL]`."""
    action = action_adder(farm, *parents)
    worker = action("worker", "run a render node here until stopped (SIGTERM, Ctrl-C)")
    worker.epilog = EPILOG
    worker.add_argument(
        "--concurrency",
        type=worker_count,  # as --workers: 1 to four times the cores
        metavar="N",
        help="operations made at once (default: half this machine's cores)",
    )
    worker.add_argument(
        "--encoders",
        metavar="LIST",
        help="the work to take, comma-separated: x264 (stills, R&D, master copy, x264 encodes), nvenc "
        "(default: x264, and nvenc where NVENC works here)",
    )
    worker.add_argument("--broker", metavar="URL", help="the Redis broker (default: $VAT_BROKER)")
