"""The end of a run: the process log, manifest.json and the project_history row."""

from __future__ import annotations

import json
from pathlib import Path

from core.catalogue.kinds import NOT_DELIVERABLES  # what compression_ratio weighs the master against
from core.catalogue.roots import resolve
from core.media.probe import MediaInfo
from core.media.timecode import SourceTimecode
from core.pipeline.index_page import write_index_page
from core.pipeline.plan import Operation
from core.pipeline.runner import RunSummary
from core.pipeline.scene_texts import effective_title
from db.backend import bytewise
from db.connection import database, write_transaction
from db.fields import utc_now
from db.models import FileRegistry, OperationLog, ProcessingState, ProjectHistory, ProjectHistoryArchive


def _outputs(session_id: str) -> list[FileRegistry]:
    return list(
        FileRegistry.select()
        .where(FileRegistry.session == session_id)
        .order_by(bytewise(database, FileRegistry.file_path))
    )


def _rd_source(session: ProcessingState, row: FileRegistry) -> dict:
    """An R&D output names its input (relative to the R&D folder): two inputs may differ only by
    their extension, and both outputs must say which is which."""
    if row.file_type not in ("rd_image", "rd_video") or not row.source_file or not session.rd_folder_path:
        return {}
    source, folder = resolve(row.source_file), resolve(session.rd_folder_path)  # either may predate a move
    return {"source": source.relative_to(folder).as_posix() if source.is_relative_to(folder) else source.name}


def _scene_entries(session: ProcessingState, tc: SourceTimecode) -> list[dict]:
    """Each detected scene's frames, seconds and timecode in the master's own (end: the frame after
    the last, as the end seconds and an EDL's out point), the transition that starts it (null:
    the first scene, or one detected before transitions were recorded), its title and note if any."""
    return [
        {
            "index": s.get("index"),
            "start_frame": s.get("start_frame"),
            "end_frame": s.get("end_frame"),
            "start": s.get("start"),
            "end": s.get("end"),
            "start_timecode": tc.label(s["start_frame"]),
            "end_timecode": tc.label(s["end_frame"] + 1),
            "transition_in": s.get("transition_in"),
            **({"title": effective_title(s)} if effective_title(s) else {}),
            **({"note": s["note"]} if s.get("note") else {}),
        }
        for s in session.scenes_data or []
    ]


def clip_trims(plan: list[Operation] | None) -> dict[str, dict]:
    """Output path -> what the manifest says of a clip whose frames are not its scenes' (the preset's
    trim_transitions): its actual first and last frames and the untrimmed range, or why it was kept whole."""
    trims: dict[str, dict] = {}
    for op in plan or []:
        if op.kind != "clip":
            continue
        if "trimmed_from" in op.params:
            trims[str(op.output)] = {
                "first_frame": op.params["first_frame"],
                "last_frame": op.params["last_frame"],
                "trimmed_from": op.params["trimmed_from"],
            }
        elif "untrimmed" in op.params:
            trims[str(op.output)] = {"untrimmed": op.params["untrimmed"]}
    return trims


def write_manifest(
    session: ProcessingState, root: Path, op: Operation, tmp: Path, plan: list[Operation] | None = None
) -> None:
    from core.editorial.export import source_of

    trims = clip_trims(plan)
    tc = source_of(session)[0].timecode
    entries = []
    for row in _outputs(session.session_id):
        path = resolve(row.file_path)  # on this machine: the root is (storage roots)
        if row.file_type == "manifest" or not path.exists():
            continue
        settings = row.compression_settings or {}
        width, _, height = (row.resolution or "").partition("x")
        entries.append(
            {
                "path": path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path),
                "kind": row.file_type,
                "scene": settings.get("scene"),
                "group": settings.get("group"),
                "size": row.file_size_bytes,
                "width": int(width) if width else None,
                "height": int(height) if height else None,
                "duration": row.duration_seconds,
                "frames": settings.get("frames"),
                "sha256": settings.get("sha256"),
                **_rd_source(session, row),
                **trims.get(str(path), {}),
            }
        )
    manifest = {
        "artwork": session.artwork_name,
        "project_date": session.project_date,
        "session_id": session.session_id,
        "master": Path(session.master_path).name,
        "master_sha256": session.master_sha256,
        "copyright": session.copyright_text,
        "credits": session.credits or None,
        "preset": session.preset_id,
        "encoder": session.encoder_type,
        "generated_at": utc_now() + " UTC",
        "start_timecode": tc.start,
        "drop_frame": tc.rate.drop,
        "outputs": entries,
        "scenes": _scene_entries(session, tc),
    }
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_editorial(session: ProcessingState, op: Operation, tmp: Path) -> None:
    """One editorial file of the selection (core/editorial); the key names its format."""
    from core.editorial.export import session_events, source_of
    from core.editorial.formats import render

    source, size = source_of(session)
    fmt = op.key.partition(":")[2]
    tmp.write_text(render(fmt, session.artwork_name, source, session_events(session), size), encoding="utf-8")


def write_process_log(session: ProcessingState, op: Operation, tmp: Path, plan: list[Operation] | None = None) -> None:
    """Every operation_log row of the session but its own; the R&D files skipped (rows too, status
    skipped, the reason in error_details) are listed apart at the end, then the clips that the preset's
    trim_transitions trimmed (or kept whole: no frames outside their transitions)."""
    lines = [
        f"vat process log — {session.artwork_name} ({session.project_date})",
        f"session   {session.session_id}",
        f"master    {session.master_path}",
        f"sha256    {session.master_sha256 or '-'}",
        f"copyright {session.copyright_text or '-'}",
        f"credits   {session.credits or '-'}",
        f"R&D       {session.rd_folder_path or '-'}",
        f"output    {session.output_path}",
        f"preset    {session.preset_id}   encoder {session.encoder_type}",
        "",
    ]
    scenes = session.scenes_data or []
    lines.append(
        f"scenes detected: {len(scenes)}; selected: {len(session.selected_scenes or [])}; "
        f"groups: {', '.join(f'{a}-{b}' for a, b in session.grouped_scenes or []) or '-'}"
    )
    detector = str((session.process_metadata or {}).get("detector") or "")
    if detector.startswith("file:"):  # vat run --scenes-from: listed, not detected
        lines.append(f"scenes from the file {detector[5:]}")
    lines += ["", *_scene_lines(session), ""]
    lines.append(f"{'#':>4}  {'operation':<44} {'status':<10} {'seconds':>8}  detail")
    rows = (
        OperationLog.select()
        .where(OperationLog.session == session.session_id)
        .order_by(OperationLog.sequence_number, OperationLog.id)
    )
    skipped = []
    for row in rows:
        if row.operation_name == op.key:
            continue
        if row.status == "skipped" and row.operation_type == "rd_skipped":
            skipped.append(f"{row.input_file}: {row.error_details}")
            continue
        detail = row.error_details or ", ".join(Path(p).name for p in row.output_files or [])
        seconds = f"{row.duration_seconds:.2f}" if row.duration_seconds is not None else "-"
        lines.append(f"{row.sequence_number:>4}  {row.operation_name[:44]:<44} {row.status:<10} {seconds:>8}  {detail}")
    if skipped:
        lines += ["", "R&D files skipped:"] + [f"  {item}" for item in skipped]
    trims = [
        (o.key, o.params)
        for o in plan or []
        if o.kind == "clip" and ("trimmed_from" in o.params or "untrimmed" in o.params)
    ]
    if trims:
        lines += ["", "Clips trimmed of their transitions (trim_transitions), or kept whole:"]
        for key, params in trims:
            if "untrimmed" in params:
                lines.append(f"  {key}: frames {params['first_frame']}-{params['last_frame']}, {params['untrimmed']}")
            else:
                a, b = params["trimmed_from"]
                lines.append(f"  {key}: frames {params['first_frame']}-{params['last_frame']} (of {a}-{b})")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _scene_lines(session: ProcessingState) -> list[str]:
    """One line a scene: its frames, seconds and source timecode (the master's start timecode on;
    the end is the frame after it, as in the manifest and an EDL), marked * when selected."""
    from core.editorial.export import source_of

    tc = source_of(session)[0].timecode
    chosen = set(session.selected_scenes or [])
    lines = [f"{'scene':>5}  {'frames':<15} {'seconds':<21} {'timecode':<27} title"]
    for entry in _scene_entries(session, tc):
        mark = "*" if entry["index"] in chosen else " "
        frames = f"{entry['start_frame']}-{entry['end_frame']}"
        seconds = f"{entry['start']:.3f}-{entry['end']:.3f}"
        timecode = f"{entry['start_timecode']}-{entry['end_timecode']}"
        title = " ".join(str(entry.get("title") or "").split())  # one line whatever was typed
        lines.append(f"{mark}{entry['index']:>4}  {frames:<15} {seconds:<21} {timecode:<27} {title}".rstrip())
    return lines


def finalizers(session: ProcessingState, root: Path, plan: list[Operation] | None = None) -> dict:
    return {
        "manifest": lambda op, tmp, ctx: write_manifest(session, root, op, tmp, plan),
        "process_log": lambda op, tmp, ctx: write_process_log(session, op, tmp, plan),
        "editorial": lambda op, tmp, ctx: write_editorial(session, op, tmp),
        "index_page": lambda op, tmp, ctx: write_index_page(session, root, op, tmp),
    }


def master_size_of(session: ProcessingState) -> int | None:
    """The master's size as it was archived: recorded when the session was created (a repair may run
    after the master has gone or changed), else the file's, else what an earlier history row said."""
    recorded = (session.process_metadata or {}).get("master_size")
    if recorded:
        return int(recorded)
    master = resolve(session.master_path)
    if master.is_file():
        return master.stat().st_size
    earlier = ProjectHistory.get_or_none(ProjectHistory.session == session.session_id)
    return int(earlier.master_size_mb * 1e6) if earlier is not None and earlier.master_size_mb else None


# what a repair changes in the project's summary row: what the archive now holds. The rest (when it
# was made, how long that took, how it ended, the master as archived) is the processing's.
ARCHIVE_FIGURES = (
    "stills_created",
    "clips_created",
    "rd_files_processed",
    "total_files_created",
    "total_output_size_mb",
    "compression_ratio",
)


def record_history(
    session: ProcessingState, media: MediaInfo, summary: RunSummary, root: Path, gpu: bool, repair: bool = False
) -> ProjectHistory | ProjectHistoryArchive:
    """The project's summary row. compression_ratio is the master's size over the deliverables' (the
    stills, clips, thumbnails and R&D outputs: not the master copy, manifest.json, the process log,
    the contact sheet or index.html); total_processing_time_seconds sums every run of the session
    (process_metadata["runs"]); rd_files_processed counts R&D input files, however many outputs each gave.

    `repair` (`vat verify --repair`): the row is updated where it is, live or archived, and only in
    ARCHIVE_FIGURES (and its metadata's count of repairs); completed_at and the processing time stay."""
    outputs = [r for r in _outputs(session.session_id) if resolve(r.file_path).exists()]
    total_bytes = sum(r.file_size_bytes or 0 for r in outputs)
    deliverable_bytes = sum(r.file_size_bytes or 0 for r in outputs if r.file_type not in NOT_DELIVERABLES)
    kinds = [r.file_type for r in outputs]
    rd_inputs = {r.source_file for r in outputs if r.file_type in ("rd_image", "rd_video")}
    runs = (session.process_metadata or {}).get("runs") or []
    seconds = sum(run.get("seconds") or 0 for run in runs) if runs else summary.elapsed
    master_size = master_size_of(session)
    encode_ops = OperationLog.select().where(
        (OperationLog.session == session.session_id)
        & (OperationLog.operation_type == "clip")
        & (OperationLog.status == "completed")
    )
    encode_seconds = sum(r.duration_seconds or 0 for r in encode_ops)
    clip_frames = sum((r.compression_settings or {}).get("frames") or 0 for r in outputs if r.file_type == "clip")
    started = session.created_at
    values = dict(
        artwork_name=session.artwork_name,
        project_date=session.project_date,
        output_path=str(root),
        master_filename=Path(session.master_path).name,
        master_duration=media.duration,
        # as shown (pixel aspect, rotation), like every output in the manifest and file_registry
        master_resolution="x".join(map(str, media.display_size or ())) or None,
        master_fps=media.fps,
        master_codec=media.video_codec,
        master_size_mb=round(master_size / 1e6, 3) if master_size else None,
        scenes_detected=len(session.scenes_data or []),
        scenes_exported=len(session.selected_scenes or []),
        stills_created=sum(k in ("still_hq", "still_web") for k in kinds),
        clips_created=kinds.count("clip"),
        rd_files_processed=len(rd_inputs),
        total_files_created=len(outputs),
        total_output_size_mb=round(total_bytes / 1e6, 3),
        compression_ratio=round(master_size / deliverable_bytes, 4) if deliverable_bytes and master_size else None,
        total_processing_time_seconds=round(seconds, 2),
        gpu_accelerated=gpu,
        average_fps_processed=round(clip_frames / encode_seconds, 2) if encode_seconds else None,
        preset_used=session.preset_id,
        encoder_used=session.encoder_type,
        completed_successfully=summary.status == "completed",
        completion_notes="; ".join(f"{k}: {v}" for k, v in summary.failed.items()) or None,
        started_at=started,
        completed_at=utc_now(),
        metadata={"skipped": summary.skipped, "done": summary.done, "runs": len(runs)},
    )
    repairs = len((session.process_metadata or {}).get("repairs") or [])
    with write_transaction():  # read then write: take the write lock first (see preset_store)
        for model in (ProjectHistory, ProjectHistoryArchive) if repair else (ProjectHistory,):
            row = model.get_or_none(model.session == session.session_id)
            if row is None:
                continue
            if repair:
                values = {key: values[key] for key in ARCHIVE_FIGURES}
                values["metadata"] = {**(row.metadata or {}), "repairs": repairs}
                if not (session.process_metadata or {}).get("master_size") and row.master_size_mb:
                    # not the size of whatever file is at the master's path now (it may not be the master)
                    master_bytes = row.master_size_mb * 1e6
                    values["compression_ratio"] = (
                        round(master_bytes / deliverable_bytes, 4) if deliverable_bytes else None
                    )
            model.update(**values).where(model.id == row.id).execute()
            return model.get_by_id(row.id)
        if repair:  # no summary yet (made before histories were kept): the processing's, as it ended
            values.update(
                completed_at=session.completed_at or values["completed_at"],
                completed_successfully=session.status == "completed",
                completion_notes=session.error_message,
                metadata={"repairs": repairs},
            )
        return ProjectHistory.create(session=session.session_id, **values)
