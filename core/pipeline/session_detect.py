"""A session's scene detection: detect the master's scenes as the session steers, and store them with
their markers and the detection's record in one transaction (re-exported by core.pipeline.session)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from core.catalogue.roots import resolve
from core.detection.options import steered
from core.errors import BadInput, VatError
from core.events import DetectProgress
from core.media.probe import packet_times, probe
from core.pipeline import markers
from core.pipeline.lock import SessionLock
from core.pipeline.scene_texts import TEXTS_CHANGED, carry_texts
from core.pipeline.session_scenes import save_selection, scene_record
from core.scenes import Detection, detect_scenes
from db.connection import write_transaction
from db.fields import utc_now
from db.models import OperationLog, ProcessingState
from db.settings import get_setting

log = logging.getLogger(__name__)


def detect(
    session: ProcessingState,
    detector: str,
    threshold: float,
    min_len: int,
    on_progress: Callable[[DetectProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> Detection:
    """Detect the scenes of the session's master and store them (scenes_data), as the session steers."""
    started, t0 = utc_now(), time.monotonic()
    steering, options, window = steered(session.process_metadata, detector)
    found = detect_scenes(
        resolve(session.master_path),  # where it is on this machine (storage roots)
        detector=detector,
        threshold=threshold,
        min_scene_len=min_len,
        on_progress=on_progress,
        cancel=cancel,
        options=options,
        window=window,
    )
    seconds = time.monotonic() - t0
    # the steering as given (--min-scene-len 0.6s: the frames in min_scene_len, the text here)
    given = {("min_scene_len_given" if k == "min_scene_len" else k): v for k, v in steering.items()}
    store_detection(
        session, found, detector, threshold, min_len, started, seconds, {"from_cache": found.from_cache, **given}
    )
    return found


def store_detection(
    session: ProcessingState,
    found: Detection,
    detector: str,
    threshold: float | None,
    min_len: int | None,
    started: str,
    seconds: float,
    extra: dict | None = None,
    chapters: list[markers.Chapter] | None = None,
) -> None:
    """Store a detection's scenes (scenes_data), markers and operation_log row: a detection's, or the
    scene list of `vat run --scenes-from` (detector "file:<name>"), which resume, the picker and the
    plan then take alike (threshold and min_len None: the file decided). `chapters`: the master's
    chapters as stored already (a detection derived again: the master is not read); None: read them."""
    scenes = [scene_record(s) for s in found.scenes]
    if chapters is None:
        chapters = master_chapters(resolve(session.master_path), found)
    meta = dict(session.process_metadata or {})
    meta.pop("detection_window", None)  # a whole-master detection after a windowed one
    meta.update(detector=detector, **found.summary())
    meta["master_chapters"] = len(chapters)  # read, and kept as markers: known even once the master is gone
    with write_transaction():
        # titles and notes of the scenes that did not change, as stored now: one saved while detecting stays
        fresh = ProcessingState.get_by_id(session.id)
        carry_texts(fresh.scenes_data or [], scenes)
        if (fresh.process_metadata or {}).get(TEXTS_CHANGED):
            meta[TEXTS_CHANGED] = True
        ProcessingState.update(
            scenes_data=scenes, scene_threshold=threshold, min_scene_length=min_len, process_metadata=meta
        ).where(ProcessingState.id == session.id).execute()
        markers.replace_detected(session, scenes, chapters)
        row = OperationLog.get_or_none(
            (OperationLog.session == session.session_id) & (OperationLog.operation_name == "scene_detection")
        )
        values = dict(
            operation_type="scene_detection",
            sequence_number=0,
            status="completed",
            progress=1.0,
            start_time=started,
            end_time=utc_now(),
            duration_seconds=round(seconds, 3),
            input_file=session.master_path,
            settings_used={"detector": detector, "threshold": threshold, "min_scene_len": min_len, **(extra or {})},
            output_files=None,
        )
        if row is None:
            OperationLog.create(session=session.session_id, operation_name="scene_detection", **values)
        else:
            OperationLog.update(**values).where(OperationLog.id == row.id).execute()
    # the caller's row too: a save_selection on it next must not write the old metadata back
    session.scenes_data, session.process_metadata = scenes, meta
    session.scene_threshold, session.min_scene_length = threshold, min_len


def store_derived(
    session: ProcessingState, found: Detection, chosen: list[int], groups: list[tuple[int, int]], cursor: int
) -> None:
    """The picker's live threshold: a detection derived again from the cached statistics
    (core.detection.live), stored as a detection is, with the picks carried over to its scenes, all in
    one transaction. Under the session's lock, as a detached detection takes it: BadInput while another
    process works on the session (a detection, processing), or once its scenes can no longer change."""
    with SessionLock(session.session_id):
        status = ProcessingState.get_by_id(session.id).status
        if status != "initialized":
            raise BadInput(f"session {session.session_id} is {status}: its scenes can no longer change")
        with write_transaction():
            store_detection(
                session,
                found,
                found.detector,
                found.threshold,
                found.min_scene_len,
                utc_now(),
                0.0,
                {"from_cache": True, "derived_live": True},
                chapters=markers.file_chapters(session.session_id),
            )
            save_selection(session, chosen, groups, cursor)


def store_scene_file(session: ProcessingState, found: Detection, path: Path) -> None:
    """`vat run --scenes-from FILE`: the file's scenes (core.detection.scene_file), stored as a
    detection by "file:<name>" (resume, the picker and the plan take them alike)."""
    store_detection(session, found, found.detector, None, None, utc_now(), 0.0, {"scenes_from": str(path.absolute())})


def master_chapters(master: Path, found: Detection) -> list[markers.Chapter]:
    """The master's own chapters on its frames' timeline (none where it cannot be read again: its scenes
    were just detected, so that is a master changed meanwhile, and the next detection reads them).
    A window's frame times are only the window's: its chapters are read against the whole master's
    (as plan_for does), so their frames are the master's, as the scenes' are."""
    try:
        chapters = probe(master, require_video=True).chapters
        times = packet_times(master)[0] if chapters and found.windowed else found.frame_times
    except VatError as exc:
        log.warning("%s: chapters not read (%s)", master, exc)
        return []
    return markers.chapters_on_frames(chapters, times)


def detection_parameters(detector: str, threshold: float | None, min_len: int | None) -> tuple[str, float, int]:
    """The options given, else the app settings (mapped to the detector's own scale)."""
    from core.scenes import default_threshold

    if threshold is None:
        threshold = default_threshold(detector, float(get_setting("scene_threshold_default")))
    if min_len is None:
        min_len = int(get_setting("min_scene_length_default"))
    return detector, threshold, min_len
