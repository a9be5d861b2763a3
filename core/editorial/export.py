"""A session's editorial files: from what the database holds (its scenes, selection, groups, titles)
and the master (its start timecode, audio, rate); written into <project>/editorial/ or where asked."""

from __future__ import annotations

from pathlib import Path

from core.editorial.events import Event, events_of
from core.editorial.formats import EXTENSIONS, FORMATS, Size, render, write_atomically
from core.editorial.timeline import Source
from core.errors import BadInput, EnvironmentProblem, MediaError
from core.media.timecode import SourceTimecode
from core.pipeline import naming
from core.pipeline.session_scenes import scene_titles, scenes_of
from db.models import ProcessingState

FOLDER = "editorial"
EXPORT_FOLDER = "export"  # editorial/export/: `vat export` of a session whose run made editorial/


def default_path(session: ProcessingState, fmt: str) -> Path:
    slug = naming.artwork_slug(session.artwork_name)
    return Path(session.output_path) / FOLDER / f"{slug}.{EXTENSIONS[fmt]}"


def format_of(path: Path) -> str:
    """-o FILE without --format: the format its extension names."""
    by_extension = {f".{ext}": fmt for fmt, ext in EXTENSIONS.items()}
    fmt = by_extension.get(path.suffix.lower())
    if fmt is None:
        raise BadInput(
            f"{path}: no format for the extension {path.suffix or '(none)'}; use --format {'|'.join(FORMATS)}"
        )
    return fmt


def source_of(session: ProcessingState) -> tuple[Source, Size | None]:
    """The master as the files describe it: read from the file where it is still there, else as
    recorded when the session was created (a master moved away since)."""
    meta = session.process_metadata or {}
    media = dict(meta.get("media") or {})
    from core.catalogue.roots import resolve

    master = resolve(session.master_path)  # where it is on this machine (storage roots)
    try:
        from core.media.probe import probe

        info = probe(master, require_video=True)
        media.update(
            fps=info.fps,
            timecode=info.timecode,
            audio_codec=info.audio_codec,
            vfr=info.vfr,
            width=info.width,
            height=info.height,
        )
    except MediaError:
        pass  # as recorded
    # the container's average rate (avg_frame_rate, as the issue of VFR masters wants it); the
    # detection's where the master cannot be read any more
    fps = float(media.get("fps") or meta.get("fps") or 0)
    if fps <= 0:
        raise BadInput(f"session {session.session_id}: the master's frame rate is not known")
    frames = int(meta.get("frames") or media.get("frame_count") or 0)
    size = Size(int(media["width"]), int(media["height"])) if media.get("width") and media.get("height") else None
    source = Source(
        path=master,
        fps=fps,
        frame_count=frames,
        timecode=SourceTimecode.of(fps, media.get("timecode")),
        has_audio=bool(media.get("audio_codec")),
        vfr=bool(media.get("vfr")),
    )
    return source, size


def session_events(session: ProcessingState) -> list[Event]:
    """The selection's events; a session not yet through its picker exports every scene."""
    if not session.scenes_data:
        raise BadInput(f"session {session.session_id} has no detection yet: nothing to export")
    scenes = scenes_of(session)
    selected = session.selected_scenes if session.selected_scenes is not None else [s.index for s in scenes]
    groups = [(int(a), int(b)) for a, b in session.grouped_scenes or []]
    return events_of(scenes, list(selected), groups, scene_titles(session))


def export_path(session: ProcessingState, fmt: str) -> Path:
    """Where `vat export` without -o writes: <project>/editorial/, unless a run made that file. Then
    it is the archive's (registered, in the manifest and checksums.sha256 with its SHA-256): a copy
    written over it would make `vat verify` report it modified, and re-registering it would leave the
    manifest and checksums.sha256 saying otherwise. So the export goes to editorial/export/ beside it;
    `vat run` (resume) is what changes the archive's."""
    from db.models import FileRegistry

    path = default_path(session, fmt)
    registered = FileRegistry.select().where(
        (FileRegistry.session == session.session_id) & (FileRegistry.file_path == str(path))
    )
    return path.parent / EXPORT_FOLDER / path.name if registered.exists() else path


def export_session(session: ProcessingState, formats: list[str], output: Path | None = None) -> list[Path]:
    """Write the files; `output` (one format only) instead of export_path. A file that cannot be
    written: BadInput for -o (the user's path), EnvironmentProblem for the project's folder."""
    events = session_events(session)
    source, size = source_of(session)
    written = []
    for fmt in formats:
        path = output if output is not None else export_path(session, fmt)
        text = render(fmt, session.artwork_name, source, events, size)
        try:
            write_atomically(path, text)
        except OSError as exc:
            problem = BadInput if output is not None else EnvironmentProblem
            raise problem(f"{path}: cannot be written ({exc.strerror or exc})") from None
        written.append(path)
    return written
