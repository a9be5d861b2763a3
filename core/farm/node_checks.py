"""A render node's checks: its made videos are checked (decoded, SHA-256, renamed, registered) on threads
of their own while the node's slot takes its next task, as the local pool's verification stage
overlaps a check with the next encode (core/pipeline/verify_stage.py): at most `--concurrency` encodes
and as many checks at once.

The task hands its output over and ends, so Celery acknowledges it then; the operation's lock stays held
by the check until the output is registered (core/farm/operation.py). A node killed during a check
drops that lock with its connection, leaving the operation's row `processing` with nobody holding its
lock: the coordinator sends it again at once (core/farm/coordinator.py, _send_lost), or, when no
coordinator follows the session then, the next `vat --resume --farm` does. Acknowledging later instead
would need a second Celery thread per slot, and that thread's reserved task would wait an hour (the
broker's visibility timeout) when its node is killed, since it has no row a coordinator could see.
A stopping node (SIGTERM) finishes the checks handed over before it exits: their tasks are gone.
"""

from __future__ import annotations

import threading

from core.pipeline.verify_stage import VerifyStage

_stage: VerifyStage | None = None
_guard = threading.Lock()


def stage(slots: int) -> VerifyStage:
    """The node's stage (one per process), `slots` checks at once. Its cancel is never set: a check
    handed over always ends with its output registered or failed, never dropped (its task is acked)."""
    global _stage
    with _guard:
        if _stage is None:
            _stage = VerifyStage(slots, threading.Event())
        return _stage


def close() -> None:
    """Waits for every check handed over (the node is stopping)."""
    global _stage
    with _guard:
        current, _stage = _stage, None
    if current is not None:
        current.close()
