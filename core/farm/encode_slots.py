"""A render node's encode slots: its `--concurrency` encodes at once, the checks beside them.

The node's Celery pool has two threads per slot (core/farm/worker.py): a task holds a slot while it
encodes and gives it back once its output is made, then checks it (verify, SHA-256, rename, register)
on its own thread while the node's next task encodes. So a node overlaps a check with the next encode
as the local pool's verification stage does (core/pipeline/verify_stage.py), and its tasks still end,
their lock given back and their message acknowledged, only once their output is registered: a node
killed during a check leaves its task unacknowledged, handed to another node as one killed mid-encode.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from core.errors import Cancelled

WAIT_POLL = 0.1  # seconds: how often a task waiting for a slot looks at the node's stop

_gates: dict[int, threading.BoundedSemaphore] = {}  # by the node's slots (one value in a running node)
_gates_guard = threading.Lock()


def gate(slots: int) -> threading.BoundedSemaphore:
    with _gates_guard:
        return _gates.setdefault(max(1, slots), threading.BoundedSemaphore(max(1, slots)))


class Slot:
    """One slot taken; given back once, by release() after the encode or on leaving `taken`."""

    def __init__(self, semaphore: threading.BoundedSemaphore):
        self._semaphore = semaphore
        self._held = True
        self._guard = threading.Lock()

    def release(self) -> None:
        with self._guard:
            if self._held:
                self._held = False
                self._semaphore.release()


@contextmanager
def taken(slots: int, cancel: threading.Event) -> Iterator[Slot]:
    """A slot, waited for; Cancelled when the node stops meanwhile (the task goes back to its queue)."""
    semaphore = gate(slots)
    while not semaphore.acquire(timeout=WAIT_POLL):
        if cancel.is_set():
            raise Cancelled("the node is stopping")
    slot = Slot(semaphore)
    try:
        yield slot
    finally:
        slot.release()
