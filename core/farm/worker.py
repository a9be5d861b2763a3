"""A render node: a Celery worker in this process, consuming its toolchain's queues for its encoders.

The pool is threads, not processes: the node is one process, so a SIGKILL ends all of it (its ffmpeg
children die with it, core/media/parent_death.py) and its unacknowledged tasks go to another node
after the visibility timeout (its outputs being checked, whose tasks are acknowledged: sent again by
the coordinator, core/farm/node_checks.py). SIGTERM or Ctrl-C stops it cleanly: the operations being
made are cancelled (their temporaries removed, their rows left pending) and their tasks go back to the
queue; the outputs being checked are checked and registered first.
"""

from __future__ import annotations

import logging
import os
import socket
import warnings
from collections.abc import Callable
from typing import Any

from core.errors import BadInput, EnvironmentProblem
from core.farm import node_checks, routing
from core.farm.app import NODE, make_app
from core.farm.config import shown_broker
from core.farm.operation import node_name
from core.media import encoders as media_encoders

log = logging.getLogger(__name__)


def default_concurrency() -> int:
    """Half the cores: each encode gets two threads or more (core/pipeline/schedule.threads_per_job)."""
    return max(1, (os.cpu_count() or 2) // 2)


def parse_encoders(text: str | None) -> list[str] | None:
    """--encoders x264,nvenc: the names in order, each once; None when not given."""
    if text is None:
        return None
    names = list(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [name for name in names if name not in routing.ENCODERS]
    if unknown or not names:
        raise BadInput(f"--encoders {text}: give one or more of {', '.join(routing.ENCODERS)}, comma-separated")
    return names


def node_encoders(asked: list[str] | None) -> list[str]:
    """The encoders this node takes work for: those asked (each must work here), else x264 and, where
    this machine can encode with it, NVENC."""
    if asked is None:
        found = ["x264"] if "libx264" in media_encoders.available_encoders() else []
        if media_encoders.nvenc_status()[0]:
            found.append("nvenc")
        if not found:
            raise EnvironmentProblem("this ffmpeg has neither libx264 nor a working NVENC: the node can make nothing")
        return found
    for name in asked:
        if name == "nvenc":
            works, why = media_encoders.nvenc_status()
            if not works:
                raise EnvironmentProblem(f"--encoders nvenc: NVENC does not work on this machine ({why})")
        elif "libx264" not in media_encoders.available_encoders():
            raise EnvironmentProblem("--encoders x264: this ffmpeg has no libx264")
    return asked


def run_worker(broker: str, concurrency: int, encoders: list[str], on_ready: Callable[[str], None]) -> bool:
    """Run the node until it is told to stop; True when stopped by a signal (SIGTERM, Ctrl-C)."""
    app = make_app(broker)
    fingerprint = routing.fingerprint(routing.toolchain())
    names = routing.queues(encoders, fingerprint)
    NODE.slots = concurrency
    NODE.cancel.clear()

    from celery import signals
    from celery.exceptions import SecurityWarning

    # Celery warns a worker run as root that a pickled message could run code as root: this app
    # accepts JSON only (core/farm/app.py), which carries no code. Nodes in containers often run as root.
    warnings.filterwarnings("ignore", category=SecurityWarning)

    def ready(**_: Any) -> None:
        on_ready(
            f"node {node_name()} ready: {concurrency} at once, queues {', '.join(names)}, broker {shown_broker(broker)}"
        )

    signals.worker_ready.connect(ready, weak=False)
    try:
        worker = _node_worker(app)(
            hostname=f"vat-{os.getpid()}@{socket.gethostname()}",
            pool="threads",
            concurrency=concurrency,
            queues=names,
            quiet=True,
            redirect_stdouts=False,
            without_gossip=True,
            without_mingle=True,
            without_heartbeat=True,
            optimization="fair",
        )
        worker.start()
    finally:
        signals.worker_ready.disconnect(ready)
        node_checks.close()  # the checks handed over end (registered) before the node does
    return NODE.cancel.is_set()


def _node_worker(app: Any) -> Any:
    """Celery's worker, stopped by SIGTERM, Ctrl-C or a hang-up (a closed SSH session) alike: the running
    operations cancelled at once. Celery's own SIGHUP handler restarts the process in place, which is not
    what a user closing a terminal means."""
    from celery import platforms
    from celery.worker import state

    def stop(*_: object) -> None:
        NODE.cancel.set()  # the operations being made stop now (their tasks go back), not after their encodes
        state.should_stop = 0  # what Celery's own warm shutdown sets: consume no more, end when the pool is done

    class NodeWorker(app.Worker):
        def install_platform_tweaks(self, worker: Any) -> None:
            super().install_platform_tweaks(worker)
            for sig in ("SIGTERM", "SIGINT", "SIGHUP"):  # silent: Celery's print to stdout, the ready line's
                platforms.signals[sig] = stop

    return NodeWorker
