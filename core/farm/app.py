"""The farm's Celery application, configured for encodes, and its one task: make an operation.

Tasks are acknowledged late and rejected when their worker is lost, one at a time per worker slot
(no prefetching: an encode takes minutes), so a node that dies mid-encode leaves its task unacknowledged
and the broker hands it to another node once the visibility timeout has passed. That timeout must be
longer than the longest encode (else a live node's task is handed out twice; the operation's lock and
the registry make the second delivery harmless, but it waits). A made video's task ends once its
output is handed to the node's checks (core/farm/node_checks.py: its lock held until it is registered;
a node lost during a check is seen by the coordinator, which sends it again). There is no result
backend: the coordinator follows the catalogue. A transient fault (the catalogue or the shared storage
out of reach) is tried again with a growing delay; an operation that fails on its own (ffmpeg's error)
is recorded as failed, as the local pool records it, and not tried again.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from core.errors import BadInput, Cancelled, EnvironmentProblem
from core.farm import node_checks, routing
from core.farm.config import require_celery, shown_broker
from core.farm.operation import TransientFault, node_name, run_operation

log = logging.getLogger(__name__)

OPERATION_TASK = "vat.operation"  # args: (session_id, key, sequence, fingerprint)
VISIBILITY_ENV = "VAT_FARM_VISIBILITY_TIMEOUT"
DEFAULT_VISIBILITY_SECONDS = 3600
MAX_RETRIES = 5
RETRY_BACKOFF_MAX_SECONDS = 300  # 1, 2, 4, 8, 16 s (jittered): a remount or a database restart


class NodeState:
    """What the running node tells its tasks: stop (SIGTERM, Ctrl-C) and how many run at once."""

    def __init__(self) -> None:
        self.cancel = threading.Event()
        self.slots = 1


NODE = NodeState()


def visibility_timeout() -> int:
    """Seconds an unacknowledged task waits before the broker hands it to another node."""
    text = os.environ.get(VISIBILITY_ENV, "").strip()
    if not text:
        return DEFAULT_VISIBILITY_SECONDS
    try:
        seconds = int(text)
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise BadInput(f"{VISIBILITY_ENV}={text}: not a whole number of seconds (1 or more)")
    return seconds


def transport_options(visibility: int) -> dict[str, int]:
    """The Redis transport's: a task unacknowledged for `visibility` seconds goes back to its queue at
    the next sweep of any live node. Kombu sweeps every 10 s but scans on every 10th sweep only (and on
    the first), so a dead node's task could wait 100 s more, or all of that when a node's first sweep
    came too early: here every sweep scans, a quarter of the timeout apart (at most a minute)."""
    return {
        "visibility_timeout": visibility,
        "unacked_restore_interval": min(60, max(1, visibility // 4)),
        "unacked_restore_throttle": 1,
    }


def make_app(broker_url: str) -> Any:  # celery.Celery (the farm extra, imported on call)
    celery = require_celery()
    app = celery.Celery("vat", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options=transport_options(visibility_timeout()),
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        result_backend=None,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_create_missing_queues=True,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        enable_utc=True,
    )
    app.task(
        name=OPERATION_TASK,
        bind=True,
        autoretry_for=(TransientFault,),
        retry_backoff=True,
        retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
        retry_jitter=True,
        max_retries=MAX_RETRIES,
        acks_late=True,
        reject_on_worker_lost=True,
    )(operation_task)
    log.debug("farm app on %s", shown_broker(broker_url))
    return app


def record_unmade(session_id: str, key: str, message: str) -> None:
    """An operation a node could not make other than by a database fault: its row says failed and why
    (else it stays pending and its coordinator waits for ever), unless another node is making it."""
    from core.farm.operation import lock_name
    from core.pipeline import records
    from core.pipeline.db_locks import AdvisoryLock, held_here
    from db.backend import redact

    lock = AdvisoryLock(lock_name(session_id, key), owner=session_id)
    shown = redact(f"{message} (render node {node_name()})")
    try:
        if held_here(lock.name):  # another task of this node has taken it since: its outcome is that one's
            return
        with lock:
            if records.fail_unmade(session_id, key, shown, node_name()):
                log.error("%s %s: failed: %s", session_id, key, shown)
    except BadInput:  # being made by another node
        return
    except Exception as exc:  # the catalogue out of reach too: the coordinator's re-sends are left
        log.warning("%s %s: not recorded as failed (%s): %s", session_id, key, redact(str(exc)), shown)


def operation_task(task: Any, session_id: str, key: str, sequence: int, fingerprint: str) -> str:
    """Make one operation (core/farm/operation.py). A task for another toolchain (routed here by
    mistake: each node listens only on its own toolchain's queues) is refused, not run."""
    here = routing.fingerprint(routing.toolchain())
    if fingerprint != here:
        log.warning("%s %s: refused, made for toolchain %s and this node is %s", session_id, key, fingerprint, here)
        return "refused"
    try:
        outcome = run_operation(
            session_id,
            key,
            sequence,
            node_name(),
            cancel=NODE.cancel,
            slots=NODE.slots,
            checks=node_checks.stage(NODE.slots),
        )
    except Cancelled:
        from celery.exceptions import Reject

        log.info("%s %s: the node is stopping, the task goes back to the queue", session_id, key)
        raise Reject("the node is stopping", requeue=True) from None
    except (BadInput, EnvironmentProblem) as exc:  # its plan or its master: it cannot be made (here)
        record_unmade(session_id, key, exc.message)
        return "failed"
    except TransientFault as exc:  # tried again later, unless this was the last try
        if task is not None and task.request.retries >= task.max_retries:
            record_unmade(session_id, key, f"{exc} (tried {task.max_retries + 1} times)")
        raise
    except Exception as exc:  # a bug: said in its row too, and raised for the node's log
        record_unmade(session_id, key, f"{type(exc).__name__}: {exc}")
        raise
    if outcome == "gone":
        record_unmade(session_id, key, f"{key} is not in the session's plan as this node builds it")
    if outcome == "lost":  # its lock went mid-operation: whoever holds it now makes it, else another node
        from celery.exceptions import Reject

        log.warning("%s %s: its lock in the catalogue was lost; the task goes back to the queue", session_id, key)
        raise Reject("its lock was lost", requeue=True)
    log.info("%s %s: %s", session_id, key, outcome)
    return outcome
