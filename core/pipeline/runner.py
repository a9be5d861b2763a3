"""Runs a plan on a pool of workers: temp file -> verify -> atomic rename -> register, log, progress.

A worker makes an output at its temporary path and hands it to the verification stage
(verify_stage.py: verify, SHA-256, rename, register), then makes the next one at once. One failing
operation does not stop the others; a cancellation (Ctrl-C, SIGTERM, SIGHUP, the TUI's cancel) stops
the running ffmpeg jobs, removes their temporary files (also those of outputs still waiting for their
check) and leaves the session paused.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from core.errors import Cancelled, VatError
from core.events import RunEvent
from core.media import frames
from core.media.ffmpeg import FfmpegError
from core.media.verify import verify
from core.pipeline import execute, records
from core.pipeline.execute import Context, temporary_path
from core.pipeline.measure import Measure
from core.pipeline.op_locks import OperationLocks
from core.pipeline.plan import Operation
from core.pipeline.progress import work_of
from core.pipeline.records import sha256_of
from core.pipeline.run_progress import RunProgress, RunSummary, _rounded
from core.pipeline.schedule import LONG_KINDS, longest_first, threads_per_job
from core.pipeline.verify_stage import VerifyStage
from db.connection import is_database_fault, write_transaction
from db.fields import utc_now

log = logging.getLogger(__name__)
VERIFIED_KINDS = ("master", "clip", "rd_video")  # whose verification decodes or demuxes the whole file: "verifying"


@dataclass
class Made:
    """An operation whose output is made at `tmp`, on its way to be checked and registered."""

    sequence: int
    op: Operation
    tmp: Path
    started_wall: str
    started: float
    measure: Measure


class Runner(RunProgress):
    # who makes the operations, written to operation_log.node: a render node's "host:pid" (core/farm),
    # none for the local pool
    node: str | None = None

    def __init__(
        self,
        session_id: str,
        plan: list[Operation],
        *,
        workers: int,
        cancel: threading.Event,
        on_event: Callable[[RunEvent], None] | None = None,
        finalizers: dict[str, Callable[[Operation, Path, Context], None]] | None = None,
        only: set[str] | None = None,
    ):
        self.session_id = session_id
        self.plan = plan
        self.workers = max(1, workers)
        self.cancel = cancel
        self.on_event = on_event or (lambda event: None)
        self.finalizers = finalizers or {}
        # `vat verify --repair`: the outputs (paths) to make; every other one is left as it is, even
        # where the plan's parameters moved on (a plan built from the master copy has the copy's times)
        self.only = only
        self.summary = RunSummary("processing", len(plan))
        self._lock = threading.Lock()
        self._running: dict[str, dict] = {}
        self._unstarted = 0  # encodes of the pool not started yet (_threads)
        self._encoding: set[str] = set()  # the encodes started (_threads counts those not yet made)
        self._earlier: records.Earlier | None = None  # the session's rows by key when the run started
        self._last_write = 0.0
        self._started = time.monotonic()
        self._overall = 0.0  # the highest overall fraction shown so far
        # the work (frames: core.pipeline.progress) of each operation, all of it, what is finished
        # (made, failed or skipped) and what a resume found already made (not this run's speed)
        self._work = {op.key: work_of(op) for op in plan}
        self._total_work = sum(self._work.values()) or 1.0
        self._finished_work = 0.0
        self._skipped_work = 0.0
        # the first database fault (read-only, locked, disk full): the run stops as if cancelled and
        # the caller reports it; every output not yet recorded is simply made again on resume
        self.database_fault: BaseException | None = None
        # the operations' locks on the shared catalogue (op_locks.py), and those handed to the
        # verification stage with their lock, given back once checked
        self.op_locks = OperationLocks(session_id)
        self._staged: set[str] = set()
        self.not_made_here: dict[str, str] = {}  # left to another maker: key -> why

    # one operation --------------------------------------------------------------------------
    def _guarded(self, step: Callable[[], None], key: str) -> None:
        """Runs one step of an operation; a database fault stops the whole run (as a cancellation
        does) and is kept for the caller to report."""
        try:
            step()
        except Exception as exc:
            if not is_database_fault(exc):
                raise
            log.error("database fault during %s: %s", key, exc)
            with self._lock:
                if self.database_fault is None:
                    self.database_fault = exc
            self.cancel.set()  # stop the other jobs: nothing more can be recorded

    def _threads(self) -> int:
        """Threads for an encode starting now (under the lock): the cores shared by the encodes that run
        beside it, the workers or fewer when fewer encodes are left, so that a run's last clips (or the
        six clips of sixteen workers) get the cores idle workers leave. Stills and the other short
        operations are not counted: they end in moments and start no ffmpeg encode."""
        making = sum(
            1 for key in self._encoding if key in self._running and self._running[key].get("stage") != "verifying"
        )
        return threads_per_job(min(self.workers, max(1, making + self._unstarted)))

    def _run_one(self, sequence: int, op: Operation, stage: VerifyStage | None = None) -> None:
        """`op` made under its lock (op_locks.py) until it is registered or dropped; held elsewhere (a
        render node makes it): left to its holder, not made here."""
        if self.cancel.is_set():
            return
        holder = self.op_locks.take(op.key)
        if holder is not None:
            self._not_made(op, f"being made by {holder}: left to it (vat --resume again once it is made)")
            return
        try:
            self._make_one(sequence, op, stage)
        finally:
            if op.key not in self._staged:  # else given back once checked (_on_stage)
                self.op_locks.give_back(op.key)

    def _make_one(self, sequence: int, op: Operation, stage: VerifyStage | None = None) -> None:
        """Makes `op`'s output at a temporary path, then checks and registers it: a video's on the
        verification stage when there is one (the worker goes on at once), anything else here."""
        if self.cancel.is_set():
            return
        made = Made(sequence, op, temporary_path(op.output), utc_now(), time.monotonic(), Measure.start(op))
        with self._lock:
            self._running[op.key] = {"fraction": 0.0, "fps": None}
            if op.kind in LONG_KINDS:
                self._unstarted = max(0, self._unstarted - 1)
                self._encoding.add(op.key)
            threads = self._threads()
            fields = self._progress_fields(op.key)
        records.start_operation(self.session_id, op, sequence, made.started_wall, node=self.node)
        self._write_progress(op.key, fields)
        self.on_event(RunEvent("start", op.key))
        try:
            op.output.parent.mkdir(parents=True, exist_ok=True)
            maker = self.finalizers.get(op.kind) or execute.MAKERS[op.kind]
            progress = self._on_ffmpeg(op.key, made.started)
            maker(op, made.tmp, Context(self.cancel, threads, progress, made.measure.children))
        except Cancelled:
            self._drop(made)
            return
        except Exception as exc:  # any failure of one operation is recorded; the others go on
            self._fail(made, exc)
            return
        if op.kind in VERIFIED_KINDS:
            try:
                self._verifying(op)  # from now on: waiting for the stage or being checked, both "verifying"
            except Exception as exc:  # a database fault: the temporary goes, the run stops
                self._fail(made, exc)
                return
        if stage is None or op.kind not in VERIFIED_KINDS:
            # a picture's or a text's check takes milliseconds: here. On the stage it would hold the
            # slot it waits for behind a clip's long check, and so hold the worker too.
            self._check(made)
            return
        made.measure.leave()
        self._staged.add(op.key)
        if not stage.submit(lambda: self._guarded(lambda: self._on_stage(made), op.key)):
            self._staged.discard(op.key)
            self._drop(made)  # cancelled while waiting for a slot

    def _on_stage(self, made: Made) -> None:
        """The check, then the operation's lock given back (held since it was made)."""
        try:
            self._staged_check(made)
        finally:
            self._staged.discard(made.op.key)
            self.op_locks.give_back(made.op.key)

    def _staged_check(self, made: Made) -> None:
        made.measure.take()
        if self.cancel.is_set():
            # not begun when the run was cancelled: dropped (its temporary removed, the operation
            # pending), so that a pause does not wait for another decode. One already begun finishes:
            # verify() has no point to stop at, and what it proves is kept.
            self._drop(made)
            return
        self._check(made)

    def _check(self, made: Made) -> None:
        """Verify, hash, rename, register."""
        op, tmp = made.op, made.tmp
        try:
            info = verify(op, tmp)
            digest = sha256_of(tmp)
        except Exception as exc:
            self._fail(made, exc)
            return
        if not self.op_locks.still_ours(op.key):  # its lock went with its connection: another may make it
            self._lost(made)
            return
        try:
            os.replace(tmp, op.output)
            stat = op.output.stat()  # after the rename: the time resume will compare against
        except Exception as exc:
            self._fail(made, exc)
            return
        usage = made.measure.finish()
        elapsed = time.monotonic() - made.started
        with self._lock:
            self._running.pop(op.key, None)
            self.summary.done += 1
            self._finished(op)
            fields = self._finished_fields(op.key)
        records.finish_operation(
            self.session_id,
            op,
            made.sequence,
            stat,
            info,
            digest,
            made.started_wall,
            elapsed,
            fields,
            usage,
            self._earlier,
        )
        overall, remaining = self._shown()
        self.on_event(
            RunEvent("done", op.key, output=str(op.output), overall=round(overall, 4), remaining=_rounded(remaining))
        )

    def _drop(self, made: Made) -> None:
        """Cancelled: the temporary removed, the operation left pending for the resume."""
        made.measure.finish()  # stops the GPU sampling; a cancelled run's figures are not kept
        _remove(made.tmp)
        with self._lock:
            self._running.pop(made.op.key, None)
        with write_transaction():  # read then write: one row per operation, whoever else runs it
            records.log_operation(self.session_id, made.op, made.sequence, "pending", progress=0.0)

    def _lost(self, made: Made) -> None:
        """The operation's lock went while it was made (its connection dropped): another maker may have
        it now, so the output is not put in place. Its temporary goes, its row is pending again where it
        is still this run's, and it is not made here."""
        made.measure.finish()
        _remove(made.tmp)
        with self._lock:
            self._running.pop(made.op.key, None)
        records.give_back_operation(self.session_id, made.op.key, self.node)
        self._not_made(made.op, "its lock in the catalogue was lost while it was made: not registered")

    def _not_made(self, op: Operation, why: str) -> None:
        """Left to another maker: a failure of this run (the session stays resumable), not of the operation
        (its row is its maker's)."""
        log.warning("operation %s: %s", op.key, why)
        with self._lock:
            self.not_made_here[op.key] = why
            self.summary.failed[op.key] = why
            self._finished(op)
        overall, remaining = self._shown()
        self.on_event(RunEvent("failed", op.key, error=why, overall=round(overall, 4), remaining=_rounded(remaining)))

    def _fail(self, made: Made, exc: Exception) -> None:
        op = made.op
        usage = made.measure.finish()
        _remove(made.tmp)
        if is_database_fault(exc):
            raise exc  # not this operation's failure: the whole run stops (see _guarded)
        message = exc.message if isinstance(exc, VatError) else f"{type(exc).__name__}: {exc}"
        if isinstance(exc, FfmpegError):  # the whole command and what ffmpeg said, to reproduce it
            log.error("operation %s failed: %s\n%s", op.key, message, exc.details())
        else:
            log.error("operation %s failed: %s", op.key, message, exc_info=not isinstance(exc, VatError))
        with self._lock:
            self._running.pop(op.key, None)
            self.summary.failed[op.key] = message
            self._finished(op)
            fields = self._progress_fields(None)
        duration = round(time.monotonic() - made.started, 3)
        records.fail_operation(self.session_id, op, made.sequence, message, duration_seconds=duration, **usage)
        self._write_progress(op.key, fields)
        overall, remaining = self._shown()
        self.on_event(
            RunEvent("failed", op.key, error=message, overall=round(overall, 4), remaining=_rounded(remaining))
        )

    # the plan -------------------------------------------------------------------------------
    def _final_wanted(self, op: Operation) -> bool:
        """A run makes the process log and the manifest at its end. A repair (`only`) makes each only
        when it is itself damaged, and the manifest also when an output was made again (it lists their
        SHA-256s, which a new encode changes). The process log is never rebuilt otherwise: it is made
        from operation_log, whose rows retention may have deleted since, and would lose what it said."""
        if self.only is None or str(op.output) in self.only:
            return True
        return op.kind == "manifest" and self.summary.done > 0

    def run(self) -> RunSummary:
        registry = records.registered_outputs(self.session_id)
        self._earlier = records.rows_by_key(self.session_id)
        work: list[tuple[int, Operation]] = []
        later: list[tuple[int, Operation]] = []  # the contact sheet: after the stills it shows
        final: list[tuple[int, Operation]] = []
        for sequence, op in enumerate(self.plan, start=1):
            if op.final:
                final.append((sequence, op))
            elif records.is_done(op, registry) or (self.only is not None and str(op.output) not in self.only):
                self.summary.skipped += 1
                self._finished(op, skipped=True)
                self.on_event(RunEvent("skipped", op.key))
            else:
                (later if op.after_media else work).append((sequence, op))
        if self.workers > 1:
            work = longest_first(work)
        self._unstarted = sum(1 for _, op in work if op.kind in LONG_KINDS)  # encodes not started (_threads)
        overall = round(self._fraction(), 4)  # what a resume found made
        self.on_event(RunEvent("plan", total=self.summary.total, done=self.summary.skipped, overall=overall))
        records.update_session(
            self.session_id,
            status="processing",
            error_message=None,
            total_operations=self.summary.total,
            **self._progress_fields(None),
        )
        self._make(work)
        for sequence, op in later:  # the contact sheet shows the stills: after them, in plan order
            self._guarded(partial(self._run_one, sequence, op), op.key)
        if not self.cancel.is_set():
            for sequence, op in final:  # the log and the manifest describe everything else
                if self._final_wanted(op):
                    self._guarded(partial(self._run_one, sequence, op), op.key)
                else:
                    with self._lock:
                        self.summary.skipped += 1
                        self._finished(op, skipped=True)
                    self.on_event(RunEvent("skipped", op.key))
        frames.clear_cache()  # the decoded frames the checks and stills shared (up to ~100 MB) go with the run
        self.summary.elapsed = time.monotonic() - self._started
        if self.cancel.is_set():
            self.summary.status = "paused"
        else:
            self.summary.status = "failed" if self.summary.failed else "completed"
        return self.summary

    def _make(self, work: list[tuple[int, Operation]]) -> None:
        """The operations of the pool (all but the contact sheet and the final ones), made here; returns
        once each is made, failed or dropped. The render farm's coordinator sends them to the farm
        instead (core/farm/coordinator.py)."""
        # at most `workers` outputs wait for their check or are being checked (verify_stage.py)
        stage = VerifyStage(self.workers, self.cancel)
        try:
            with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="vat-op") as pool:
                futures = [
                    pool.submit(self._guarded, partial(self._run_one, seq, op, stage), op.key) for seq, op in work
                ]
                for future in futures:
                    future.result()
        finally:
            stage.close()  # every output made is checked (or dropped) before anything below


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def remove_stray_temporaries(root: Path) -> int:
    """Temporary files left by a killed process (SIGKILL gives no chance to clean up).

    Called only under the project folder's lock, when no other process can be writing there.
    """
    removed = 0
    if root.is_dir():
        for path in root.rglob(".*.vat-part*"):
            if execute.is_temporary(path):
                _remove(path)
                removed += 1
    return removed
