"""A contact sheet for a pack whose project has none registered (a project made before sheets were,
or one without): the pack's scenes and groups drawn from their registered stills with
core/pipeline/contact_sheet.py, as a PNG in memory."""

from __future__ import annotations

import io

from core.catalogue.pack_select import Chosen, stored_path
from core.pipeline.contact_sheet import SheetUnit, render_sheet
from db.models import FileRegistry, ProcessingState


def _stills(session_id: str) -> dict[int, str]:
    """scene number -> its registered web still (else its HQ still)."""
    rows = FileRegistry.select(FileRegistry.file_path, FileRegistry.file_type, FileRegistry.compression_settings).where(
        (FileRegistry.session == session_id) & FileRegistry.file_type.in_(("still_hq", "still_web"))
    )
    found: dict[int, str] = {}
    for row in sorted(rows, key=lambda r: r.file_type == "still_web"):  # the web still wins
        scene = (row.compression_settings or {}).get("scene")
        if scene is not None:
            found[int(scene)] = str(stored_path(row.file_path))  # where it is on this machine (storage roots)
    return found


def made_sheet(session: ProcessingState, chosen: list[Chosen]) -> bytes | None:
    """The PNG of the chosen units (every selected unit when the pack holds none of them), each
    drawn from its still; None when no unit has a still to show."""
    scenes = {int(s["index"]): s for s in session.scenes_data or []}
    groups = [(int(a), int(b)) for a, b in session.grouped_scenes or []]
    grouped = {n for a, b in groups for n in range(a, b + 1)}
    # (first, last, the labels the unit answers to): g01 for a group, and its scenes' s003
    spans = [(a, b, {f"g{i:02d}", *(f"s{n:03d}" for n in range(a, b + 1))}) for i, (a, b) in enumerate(groups, 1)]
    spans += [(n, n, {f"s{n:03d}"}) for n in session.selected_scenes or [] if n not in grouped]
    labels = {item.unit for item in chosen if item.unit}
    if labels:  # the pack's own units only
        spans = [span for span in spans if span[2] & labels]
    spans.sort()
    stills = _stills(session.session_id)
    units = []
    for a, b, _ in spans:
        if a not in scenes or b not in scenes or a not in stills or not stored_path(stills[a]).is_file():
            continue
        first, last = scenes[a], scenes[b]
        units.append(
            SheetUnit(
                f"{a}-{b}" if b != a else str(a),
                a,
                int(first["start_frame"]),
                int(last["end_frame"]),
                float(first["start"]),
                float(last["end"]),
                stored_path(stills[a]),
                stored_path(session.master_path),
                {},
            )
        )
    if not units:
        return None
    sheet = render_sheet(
        units,
        artwork=session.artwork_name,
        copyright_text=session.copyright_text or "",
        credits_text=session.credits or "",
    )
    buffer = io.BytesIO()
    sheet.save(buffer, "PNG")
    return buffer.getvalue()
