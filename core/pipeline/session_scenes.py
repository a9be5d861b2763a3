"""A session's scenes as stored (processing_state.scenes_data) and its selection: what was detected,
what is chosen (--scenes/--group or the picker), and the request kept for an unattended run."""

from __future__ import annotations

from core.detection.transition import Transition
from core.errors import BadInput
from core.pipeline import selection
from core.scene import Scene
from db.models import ProcessingState


def scene_record(scene: Scene) -> dict:
    record: dict[str, object] = {
        "index": scene.index,
        "start_frame": scene.start_frame,
        "end_frame": scene.end_frame,
        "start": round(scene.start, 6),
        "end": round(scene.end, 6),
        "midpoint_frame": scene.midpoint_frame,
    }
    if scene.transition_in is not None:
        record["transition_in"] = scene.transition_in.to_dict()
    return record


def scenes_of(session: ProcessingState) -> list[Scene]:
    """The stored scenes; records from before transitions were kept have no transition_in."""
    return [
        Scene(
            index=s["index"],
            start_frame=s["start_frame"],
            end_frame=s["end_frame"],
            start=s["start"],
            end=s["end"],
            transition_in=_transition_of(s),
        )
        for s in session.scenes_data or []
    ]


def _transition_of(record: dict) -> Transition | None:
    t = record.get("transition_in")
    if not isinstance(t, dict):
        return None
    try:
        score = t.get("score")
        return Transition(
            str(t["kind"]),
            int(t["first_frame"]),
            int(t["last_frame"]),
            int(record["start_frame"]),
            float(score) if isinstance(score, (int, float)) else None,
        )
    except (KeyError, TypeError, ValueError):
        return None  # a damaged record costs the span, not the scene


def scene_titles(session: ProcessingState) -> dict[int, str]:
    """Scene number -> its title, for the scenes that have one (a record's "title", the user's
    override, else its "detected_title": core/pipeline/scene_texts.py). Editorial files, chapters,
    the contact sheet, the stills and the manifest all name scenes through this."""
    from core.pipeline.scene_texts import effective_title

    found = ((int(r["index"]), effective_title(r)) for r in session.scenes_data or [])
    return {number: title for number, title in found if title}


def scene_notes(session: ProcessingState) -> dict[int, str]:
    """Scene number -> the user's note, for the scenes that have one."""
    return {int(r["index"]): str(r["note"]) for r in session.scenes_data or [] if r.get("note")}


def scene_credits(session: ProcessingState) -> dict[int, str]:
    """Scene number -> its own credits (core/pipeline/scene_texts.py), for the scenes that have some."""
    return {int(r["index"]): str(r["credits"]) for r in session.scenes_data or [] if r.get("credits")}


def select(session: ProcessingState, scenes_spec: str | None, group_specs: list[str] | None) -> None:
    count = len(session.scenes_data or [])
    groups = selection.parse_groups(group_specs, count)
    chosen = selection.with_groups_selected(selection.parse_scenes(scenes_spec, count), groups)
    save_selection(session, chosen, groups)


def request_selection(session: ProcessingState, scenes_spec: str | None, group_specs: list[str] | None) -> None:
    """A new --scenes/--group for a session that has not started processing (`vat --resume SID --scenes`)."""
    if session.status != "initialized":
        raise BadInput(f"session {session.session_id} has started processing: its selection cannot change")
    meta = dict(session.process_metadata or {})
    meta["requested_selection"] = {"scenes": scenes_spec, "groups": list(group_specs or [])}
    meta.pop("selection_problem", None)
    ProcessingState.update(process_metadata=meta, selected_scenes=None, grouped_scenes=None).where(
        ProcessingState.id == session.id
    ).execute()
    session.process_metadata, session.selected_scenes, session.grouped_scenes = meta, None, None


def select_requested(session: ProcessingState) -> None:
    """Resolve the stored --scenes/--group against the detected scenes (all scenes when none was stored).

    Out of range: the detection is kept and the session waits for a new selection (exit 2 says how).
    """
    requested = (session.process_metadata or {}).get("requested_selection") or {}
    try:
        select(session, requested.get("scenes"), requested.get("groups"))
    except BadInput as exc:
        meta = dict(session.process_metadata or {})
        meta["selection_problem"] = exc.message
        ProcessingState.update(process_metadata=meta).where(ProcessingState.id == session.id).execute()
        session.process_metadata = meta
        raise BadInput(
            f"{exc.message}. The detection is kept: choose again with "
            f"vat --resume {session.session_id} --scenes SPEC [--group A-B]"
        ) from None


def save_selection(
    session: ProcessingState,
    chosen: list[int],
    groups: list[tuple[int, int]],
    cursor: int | None = None,
    view: str | None = None,
    rows: str | None = None,
) -> None:
    """`cursor`, `view` (the picker's "list" or "grid") and `rows` ("tall" or "short"): where and how
    the picker reopens."""
    meta = dict(session.process_metadata or {})
    if cursor is not None:
        meta["picker_cursor"] = cursor
    if view is not None:
        meta["picker_view"] = view
    if rows is not None:
        meta["picker_rows"] = rows
    ProcessingState.update(
        selected_scenes=list(chosen), grouped_scenes=[list(g) for g in groups], process_metadata=meta
    ).where(ProcessingState.id == session.id).execute()
    session.selected_scenes, session.grouped_scenes, session.process_metadata = list(chosen), groups, meta
