"""A session from start to end: check the inputs, create the record (session_create.py), detect, select,
process, resume.

Used by the headless CLI and (through a detached `vat --resume`) by the TUI.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.catalogue.roots import resolve
from core.errors import Cancelled, EnvironmentProblem, VatError
from core.events import RunEvent
from core.media import encoders
from core.media.keyframes import keyframe_times
from core.media.probe import MediaInfo, packet_times, probe
from core.pipeline import markers, naming, rd
from core.pipeline.chapterless_copy import keep_chapterless_copy
from core.pipeline.fixity import write_checksums
from core.pipeline.lock import ProjectLock, SessionLock
from core.pipeline.master_hash import ensure_master_hash
from core.pipeline.op_locks import remove_strays
from core.pipeline.plan import Operation, PlanInput, build_plan
from core.pipeline.preset_store import load_preset, preset_from_dict
from core.pipeline.report import finalizers, record_history
from core.pipeline.runner import Runner, RunSummary
from core.pipeline.scene_texts import TEXTS_CHANGED

# re-exported: callers keep using session.check_options, session.select, session.scenes_of, ...
from core.pipeline.session_create import PLAN_SETTINGS as PLAN_SETTINGS
from core.pipeline.session_create import Checked as Checked
from core.pipeline.session_create import SessionOptions as SessionOptions
from core.pipeline.session_create import check_options as check_options
from core.pipeline.session_create import check_writable as check_writable
from core.pipeline.session_create import create_session as create_session
from core.pipeline.session_create import media_summary as media_summary
from core.pipeline.session_create import new_session_id as new_session_id
from core.pipeline.session_create import plan_settings_now as plan_settings_now
from core.pipeline.session_create import project_root as project_root
from core.pipeline.session_create import remember_directories as remember_directories
from core.pipeline.session_create import resolve_encoder as resolve_encoder
from core.pipeline.session_detect import detect as detect
from core.pipeline.session_detect import detection_parameters as detection_parameters
from core.pipeline.session_detect import store_scene_file as store_scene_file
from core.pipeline.session_scenes import request_selection as request_selection
from core.pipeline.session_scenes import save_selection as save_selection
from core.pipeline.session_scenes import scene_credits, scene_notes, scene_titles, scenes_of
from core.pipeline.session_scenes import select as select
from core.pipeline.session_scenes import select_requested as select_requested
from db.connection import database_problem, is_database_fault, write_transaction
from db.fields import utc_now
from db.models import OperationLog, ProcessingState
from db.settings import get_setting

log = logging.getLogger(__name__)


def _monotonic() -> float:
    import time

    return time.monotonic()


def plan_for(
    session: ProcessingState,
    media: MediaInfo | None = None,
    times: list[float] | None = None,
    source: Path | None = None,
    repairing: bool = False,
) -> tuple[list[Operation], MediaInfo, list[rd.Skipped]]:
    """Rebuild the session's plan from what the database holds (the same plan on every resume), and
    the R&D files that are skipped, with the reason.

    `source`: what the outputs are made from instead of the master (its archived copy, when the
    master is gone: `vat verify --repair`). `repairing`: an R&D folder that is gone (years later, the
    usual case) leaves the R&D operations out instead of refusing the plan, as an R&D file that is
    gone is left out; the repair names the R&D outputs it cannot make (core/pipeline/repair.py)."""
    master = source or resolve(session.master_path)
    media = media or probe(master, require_video=True)
    if times is None:  # a resume: one demuxing pass gives both
        times, keyframes = packet_times(master)
    else:  # a fresh run: the frame times come from detection
        keyframes = keyframe_times(master)
    preset = preset_from_dict(session.custom_settings) if session.custom_settings else load_preset(session.preset_id)
    settings = plan_settings_of(session)
    rd_files: list[rd.RdFile] = []
    skipped: list[rd.Skipped] = []
    rd_folder = resolve(session.rd_folder_path) if session.rd_folder_path else None
    if rd_folder is not None and not (repairing and not rd_folder.is_dir()):
        rd_files, skipped = rd.scan(rd_folder)
    slug = naming.artwork_slug(session.artwork_name)
    plan = build_plan(
        PlanInput(
            artwork=session.artwork_name,
            slug=slug,
            project_date=session.project_date,
            out_root=local_out_root(session),
            master=master,
            media=media,
            scenes=scenes_of(session),
            frame_times=times,
            keyframes=keyframes,
            selected=list(session.selected_scenes or []),
            groups=[tuple(g) for g in session.grouped_scenes or []],
            preset=preset,
            encoder=session.encoder_type or "x264",
            copyright=copyright_of(session),
            credits=session.credits or "",
            rd_files=rd_files,
            thumbnails=True,
            midpoint_stills=settings["extract_midpoint_stills"],
            process_log=settings["generate_log"],
            titles=scene_titles(session),  # the contact sheet's, index.html's, names and stills'
            notes=scene_notes(session),
            scene_credits=scene_credits(session),
            own_chapters=own_chapters(session, media, times, from_master=source is None),
        )
    )
    return keep_chapterless_copy(session.session_id, plan), media, skipped


def local_out_root(session: ProcessingState) -> Path:
    """The folder the project folder is in, on this machine: where the storage roots put the project
    folder now (the archive may have moved since the session was written, or be another machine's)."""
    stored = Path(session.output_path)
    out_root = Path((session.process_metadata or {}).get("out_root") or stored.parent)
    here = resolve(stored)
    if here == stored:
        return out_root
    return here.parent if out_root == stored.parent else resolve(out_root)


def clear_texts_changed(session: ProcessingState) -> None:
    """The titles and notes changed since outputs were made (scene_texts.set_texts): a plan built now
    carries them, so a completed session needs no further run for them."""
    with write_transaction():  # read then write: an edit saved meanwhile is not overwritten
        fresh = ProcessingState.get_by_id(session.id)
        meta = dict(fresh.process_metadata or {})
        if meta.pop(TEXTS_CHANGED, None) is not None:
            ProcessingState.update(process_metadata=meta).where(ProcessingState.id == session.id).execute()
    session.process_metadata = meta


def own_chapters(
    session: ProcessingState, media: MediaInfo, times: list[float], from_master: bool
) -> list[markers.Chapter]:
    """The master's own chapters: read from it; made from its copy (a repair), those kept as markers
    when it was detected, for the copy may hold the scenes' chapters vat gave it."""
    if from_master or "master_chapters" not in (session.process_metadata or {}):
        return markers.chapters_on_frames(media.chapters, times)
    return markers.file_chapters(session.session_id)


def copyright_of(session: ProcessingState) -> str:
    """The session's copyright. One recorded without it (NULL: made before the session kept its own,
    and after migration 3 filled the older ones) takes today's setting, stored now, as plan_settings_of."""
    if session.copyright_text is None:
        session.copyright_text = str(get_setting("copyright_text") or "")
        ProcessingState.update(copyright_text=session.copyright_text).where(
            (ProcessingState.id == session.id) & ProcessingState.copyright_text.is_null()
        ).execute()
    return session.copyright_text


def plan_settings_of(session: ProcessingState) -> dict[str, bool]:
    """The plan-shaping settings the session was created with. A session created before they were
    taken in gets today's, stored now: from then on they stay its own too."""
    stored = (session.process_metadata or {}).get("plan_settings") or {}
    if all(key in stored for key in PLAN_SETTINGS):
        return {key: bool(stored[key]) for key in PLAN_SETTINGS}
    now = plan_settings_now()
    with write_transaction():  # read again and written: another writer's keys (the farm's) are kept
        meta = dict(ProcessingState.get_by_id(session.id).process_metadata or {})
        meta["plan_settings"] = {**now, **(meta.get("plan_settings") or {})}
        ProcessingState.update(process_metadata=meta).where(ProcessingState.id == session.id).execute()
    session.process_metadata = meta
    return meta["plan_settings"]


def process(
    session: ProcessingState,
    *,
    workers: int | None = None,
    cancel: threading.Event | None = None,
    on_event: Callable[[RunEvent], None] | None = None,
    media: MediaInfo | None = None,
    times: list[float] | None = None,
    source: Path | None = None,
    only: set[str] | None = None,
    farm: str | None = None,
) -> RunSummary:
    """Run (or resume) the session's plan under its lock and its folder's; record how it ended.

    `farm`: a broker's URL: the pool's operations go to the render farm (core/farm/coordinator.py).

    `only`: the outputs to make (a repair); the others are left as they are, and the session's records
    stay those of its processing: its status, completed_at and the R&D files skipped are kept, and the
    run is recorded in process_metadata["repairs"], not ["runs"] (the history's processing time).
    Planning that fails (a master or R&D folder gone, unreadable) gives the session back its status.
    The folder's checksums.sha256 is rewritten at the end of every run, however it ended, while the
    folder's lock is still held (core/pipeline/fixity.py).

    The folder's lock is given back before the end is recorded: a kill at any moment leaves either
    no lock file in the archive or a session that is not yet completed (whose resume removes it).
    """
    cancel = cancel or threading.Event()
    workers = workers or int(get_setting("parallel_workers") or 1)
    root = resolve(session.output_path)  # where the project folder is on this machine (storage roots)
    apply_daily_retention(session.session_id)
    with SessionLock(session.session_id):
        run_started, t0 = utc_now(), _monotonic()
        with ProjectLock(root, session.session_id):
            session = ProcessingState.get_by_id(session.id)  # fresh: another process may have moved it on
            if farm is None:  # render nodes making some of its operations now must be done first
                from core.farm.follow import refuse_while_farmed

                refuse_while_farmed(session.session_id)
            if farm is None and session.encoder_type == "nvenc" and not (nvenc := encoders.nvenc_status())[0]:
                raise EnvironmentProblem(f"this session encodes with NVENC, which does not work here ({nvenc[1]})")
            repairing = only is not None
            before = Before(session.status or "initialized", session.completed_at, session.error_message)
            # at once, not after planning (which reads the master): whoever watches sees it is being worked on
            ProcessingState.update(status="processing").where(ProcessingState.id == session.id).execute()
            try:
                # before anything is made: the manifest records it. Once per session (vat run and the
                # TUI's detection take it earlier; a session from before hashes existed takes it here)
                if source is None:  # a repair from the master copy: the master is gone or changed
                    ensure_master_hash(session, cancel)
                plan, media, skipped = plan_for(session, media, times, source, repairing)
            except BaseException as exc:
                if isinstance(exc, Cancelled) and not repairing:
                    mark_paused(session.session_id)
                else:  # nothing was made: the session is as it was (a repair never leaves it paused)
                    restore_status(session.session_id, before)
                raise
            if farm is None:  # (on a farm, nodes write there: each removes its own operation's)
                remove_strays(session.session_id, root, plan)  # under the folder's lock (and the operations')
            root.mkdir(parents=True, exist_ok=True)
            if not repairing:  # this plan embeds the texts as they are now
                clear_texts_changed(session)
            if not repairing:  # a repair's scan (its R&D folder may be gone) does not rewrite the session's
                for item in skipped:
                    log.info("R&D skipped: %s: %s", item.relative, item.reason)
                log_skipped_rd(session.session_id, skipped, first_sequence=len(plan) + 1)
            made_here = finalizers(session, root, plan)
            if farm is None:
                runner = Runner(
                    session.session_id,
                    plan,
                    workers=workers,
                    cancel=cancel,
                    on_event=on_event,
                    finalizers=made_here,
                    only=only,
                )
            else:
                from core.farm.coordinator import FarmRunner

                runner = FarmRunner(
                    session.session_id,
                    plan,
                    broker=farm,
                    workers=workers,
                    cancel=cancel,
                    on_event=on_event,
                    finalizers=made_here,
                    only=only,
                )
            try:
                summary = runner.run()
            except Exception as exc:
                if not is_database_fault(exc):
                    raise
                runner.database_fault = runner.database_fault or exc
            finally:
                if farm is None or runner.summary.status in ("completed", "failed"):  # no node writes now
                    remove_strays(session.session_id, root, plan)  # a node's live one is kept (its lock)
            if runner.database_fault is None:  # else the registry cannot be read: the next run writes it
                try:
                    write_checksums(session.session_id, root)
                except OSError as exc:  # the outputs and their records stand; `vat verify --repair` rewrites it
                    log.warning("%s: checksums.sha256 not written (%s)", root, exc.strerror or exc)
        if runner.database_fault is not None:
            if repairing:
                restore_status(session.session_id, before)  # quietly, as below
            else:
                mark_paused(session.session_id, quietly=True)  # when the database lets us; 'processing' resumes too
            raise database_problem(runner.database_fault, session.session_id)
        seconds = round(_monotonic() - t0, 3)
        gpu = session.encoder_type == "nvenc"
        if only is not None:  # a repair
            record_run(
                session.session_id,
                run_started,
                seconds,
                summary.status,
                repair={"files": len(only), "made": summary.done},
            )
            # the status stays what it was, however the repair ended: a completed session stays
            # completed, a failed one failed (its failed operations were not run), and an interrupted
            # repair leaves nothing paused for `vat resume`. Its failures are in the operation log,
            # its record and `vat verify`'s exit code; the next check still finds those files bad.
            restore_status(session.session_id, before)
            record_history(ProcessingState.get_by_id(session.id), media, summary, root, gpu=gpu, repair=True)
        else:
            record_run(session.session_id, run_started, seconds, summary.status)
            if summary.status == "paused":
                ProcessingState.update(status="paused").where(ProcessingState.id == session.id).execute()
            else:
                error = "; ".join(f"{k}: {v}" for k, v in summary.failed.items())[:2000] or None
                ProcessingState.update(status=summary.status, error_message=error, current_operation=None).where(
                    ProcessingState.id == session.id
                ).execute()
                record_history(ProcessingState.get_by_id(session.id), media, summary, root, gpu=gpu)
        if on_event:
            on_event(
                RunEvent(
                    "finished",
                    status=summary.status,
                    total=summary.total,
                    done=summary.done + summary.skipped,
                    failed=len(summary.failed),
                )
            )
        return summary


RD_SKIPPED = "rd_skipped"


def log_skipped_rd(session_id: str, skipped: list[rd.Skipped], first_sequence: int) -> None:
    """One operation_log row per R&D file skipped (status skipped, the reason in error_details), so
    the process log and History show them. The rows are those of this run's scan: a file skipped
    before and usable now loses its row (its outputs have rows of their own)."""
    now = utc_now()
    with write_transaction():
        OperationLog.delete().where(
            (OperationLog.session == session_id) & (OperationLog.operation_type == RD_SKIPPED)
        ).execute()
        for sequence, item in enumerate(skipped, start=first_sequence):
            OperationLog.create(
                session=session_id,
                operation_type=RD_SKIPPED,
                operation_name=f"{RD_SKIPPED}:{item.relative.as_posix()}",
                sequence_number=sequence,
                status="skipped",
                progress=0.0,
                start_time=now,
                end_time=now,
                input_file=str(item.relative),
                error_details=item.reason,
            )


def record_run(session_id: str, started: str, seconds: float, status: str, repair: dict | None = None) -> None:
    """Append this run to process_metadata["runs"] (under the session's lock: no other writer), so
    the history's processing time is the sum over every run of a resumed session. A repair's run goes
    to ["repairs"] instead, with `repair` (the files it was to repair, the outputs it made, the
    manifest included): kept, but not processing time."""
    entry: dict = {"started": started, "ended": utc_now(), "seconds": seconds, "status": status, **(repair or {})}
    key = "repairs" if repair is not None else "runs"
    with write_transaction():
        row = ProcessingState.get(ProcessingState.session_id == session_id)
        meta = dict(row.process_metadata or {})
        meta[key] = [*meta.get(key, []), entry]
        ProcessingState.update(process_metadata=meta).where(ProcessingState.id == row.id).execute()


@dataclass(frozen=True)
class Before:
    """What a repair (or a planning that fails) gives back: the session's status as it was."""

    status: str
    completed_at: object  # a datetime, or None
    error_message: str | None


def restore_status(session_id: str, before: Before) -> None:
    """The status (and completion time) the session had before this run set it processing. Two
    statements: the schema's trigger sets completed_at whenever status is set to completed."""
    try:
        with write_transaction():
            ProcessingState.update(
                status=before.status, error_message=before.error_message, current_operation=None
            ).where(ProcessingState.session_id == session_id).execute()
            ProcessingState.update(completed_at=before.completed_at).where(
                ProcessingState.session_id == session_id
            ).execute()
    except Exception as exc:
        if not is_database_fault(exc):
            raise
        log.warning("session %s: its status could not be given back (%s)", session_id, exc)


def apply_daily_retention(session_id: str) -> None:
    """Retention (core.pipeline.retention) when it is due, sparing this session. Housekeeping must
    not stop the work: a backup that cannot be written is logged and the run goes on."""
    from core.pipeline.retention import apply_retention

    try:
        apply_retention(exclude=session_id)  # logs what it did
    except (VatError, OSError) as exc:
        log.warning("retention skipped: %s", exc)


@contextlib.contextmanager
def database_faults_of(session_id: str) -> Iterator[None]:
    """A database fault while the session's row exists: exit 3 saying how to go on (nothing is lost)."""
    try:
        yield
    except Exception as exc:
        if not is_database_fault(exc):
            raise
        raise database_problem(exc, session_id) from exc


def mark_paused(session_id: str, quietly: bool = False) -> None:
    try:
        ProcessingState.update(status="paused").where(
            (ProcessingState.session_id == session_id) & (ProcessingState.status == "processing")
        ).execute()
    except Exception as exc:
        if not (quietly and is_database_fault(exc)):
            raise
