"""`vat farm worker [--concurrency N] [--encoders x264,nvenc] [--broker URL]`: a render node
(core/farm/worker.py). One line when it is ready; exit 130 when stopped by SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse

from core.errors import EXIT_INTERRUPTED, EXIT_OK, BadInput
from core.text import terminal_safe
from tui.cli.common import open_db


def farm(args: argparse.Namespace) -> int:
    if args.action != "worker":
        raise BadInput("vat farm: give an action: worker")
    return _worker(args)


def _worker(args: argparse.Namespace) -> int:
    from core.farm import config

    config.require_shared_catalogue()  # before anything is opened: a SQLite file is refused as it is
    broker = config.broker_url(args.broker)
    config.require_celery()
    from core.farm import worker
    from core.farm.broker import reach_broker

    asked = worker.parse_encoders(args.encoders)
    reach_broker(broker)  # else Celery retries it for ever, silently (exit 3, named without its password)
    open_db()
    encoders = worker.node_encoders(asked)
    concurrency = args.concurrency or worker.default_concurrency()

    def ready(line: str) -> None:
        print(terminal_safe(f"vat farm worker: {line}"), flush=True)

    stopped = worker.run_worker(broker, concurrency, encoders, ready)
    return EXIT_INTERRUPTED if stopped else EXIT_OK
