"""A scene's title, note and credits (the picker's `e`): the user's override kept beside any detected
value.

A scene's record (processing_state.scenes_data) may hold "detected_title" (found in the master, e.g.
its chapters) and "title"/"note", the user's override. The override wins; an emptied override is
removed, so the detected value shows again. Texts are stored as typed: they are untrusted, so every
screen shows them through tui/safe_text.py, and a title, which also goes into file names, one-line
formats (EDL) and metadata, is refused when it holds control characters or line breaks.

Saving a text of a session whose outputs exist marks it (process_metadata["texts_changed"]): a
resume of the completed session then runs its plan again, and the outputs that embed the texts
(their params hash changes: core/pipeline/plan.py) are made again; the others are skipped.

A scene's "credits" (who made that part: `camera: Ann Lee`) are embedded in its stills after the
project's credits (plan.scene_texts), as its title is after the artwork's.
"""

from __future__ import annotations

from core.errors import BadInput
from core.text import terminal_safe, unsafe_characters
from db.connection import write_transaction
from db.models import FileRegistry, ProcessingState

MAX_TITLE_LENGTH = 300
MAX_NOTE_LENGTH = 5000
MAX_CREDITS_LENGTH = 500  # as the project's (core/pipeline/naming.py MAX_TEXT_LENGTH)
TEXTS_CHANGED = "texts_changed"


def effective_title(record: dict) -> str:
    """The title a scene goes by: the user's, else the detected one, else none ("")."""
    return str(record.get("title") or record.get("detected_title") or "")


def title_problem(title: str) -> str | None:
    """Why a title cannot be stored, or None: it is one line of text, of a bounded length."""
    found = unsafe_characters(title)
    if found:
        return f"a title is one line without control characters (found {', '.join(found)})"
    if len(title) > MAX_TITLE_LENGTH:
        return f"a title has at most {MAX_TITLE_LENGTH} characters ({len(title)} typed)"
    return None


def note_problem(note: str) -> str | None:
    if len(note) > MAX_NOTE_LENGTH:
        return f"a note has at most {MAX_NOTE_LENGTH} characters ({len(note)} typed)"
    return None


def credits_problem(text: str) -> str | None:
    """Why a scene's credits cannot be stored, or None: embedded like the project's (naming.embedded_text)."""
    found = unsafe_characters(text)
    if found:
        return f"credits are one line without control characters (found {', '.join(found)})"
    if len(text) > MAX_CREDITS_LENGTH:
        return f"credits have at most {MAX_CREDITS_LENGTH} characters ({len(text)} typed)"
    return None


def credits_of(session: ProcessingState, number: int) -> str:
    """Scene `number`'s own credits, as stored ("" where none)."""
    return str(_record(session, number).get("credits") or "")


def texts_of(session: ProcessingState, number: int) -> tuple[str, str]:
    """(the user's title, the user's note) of scene `number`, as stored ("" where none)."""
    record = _record(session, number)
    return str(record.get("title") or ""), str(record.get("note") or "")


def _record(session: ProcessingState, number: int) -> dict:
    for record in session.scenes_data or []:
        if record.get("index") == number:
            return record
    raise BadInput(f"session {session.session_id}: no scene {number}")


def set_texts(session: ProcessingState, number: int, title: str, note: str, scene_credits: str | None = None) -> bool:
    """Store scene `number`'s title and note, and its credits unless None (empty: the override goes).
    Refused (BadInput) when the title is not one safe line or would make two output names the same.
    True when anything changed."""
    title = title if title.strip() else ""  # spaces only: no title of the user's
    texts = [("title", title), ("note", note)]
    if scene_credits is not None:
        scene_credits = scene_credits.strip()
        texts.append(("credits", scene_credits))
    problem = (
        title_problem(title)
        or note_problem(note)
        or (credits_problem(scene_credits) if scene_credits else None)
        or name_problem(session, number, title)
    )
    if problem:
        raise BadInput(f"scene {number}: {problem}")
    # read and written in one write transaction, the lock taken first: a redetect (or another edit)
    # that commits meanwhile is read, never overwritten with the records read before it
    with write_transaction():
        fresh = ProcessingState.get_by_id(session.id)
        records = [dict(r) for r in fresh.scenes_data or []]
        changed = False
        for record in records:
            if record.get("index") != number:
                continue
            for key, value in texts:
                if (record.get(key) or "") != value:
                    changed = True
                    if value:
                        record[key] = value
                    else:
                        record.pop(key, None)
        meta = dict(fresh.process_metadata or {})
        if changed:
            if FileRegistry.select().where(FileRegistry.session == session.session_id).exists():
                meta[TEXTS_CHANGED] = True  # outputs exist that embed the old texts: a resume makes them again
            ProcessingState.update(scenes_data=records, process_metadata=meta).where(
                ProcessingState.id == session.id
            ).execute()
    session.scenes_data, session.process_metadata = records, meta
    return changed


def name_problem(session: ProcessingState, number: int, title: str) -> str | None:
    """Where the session's file-name template uses {title}: the names the new title would give
    collide with another output's (core/pipeline/name_template.py), or None."""
    from core.pipeline.name_template import clash_with_title

    clash = clash_with_title(session, number, title)
    return None if clash is None else terminal_safe(clash)


def carry_texts(old: list[dict], new: list[dict]) -> None:
    """A detection again keeps the titles, notes and credits of the scenes that did not change (same
    frames). Their tags are keyed by the first frame (tags.py) and need no carrying."""
    kept = {(r.get("start_frame"), r.get("end_frame")): r for r in old}
    for record in new:
        before = kept.get((record.get("start_frame"), record.get("end_frame")))
        if before is None:
            continue
        for key in ("title", "note", "credits", "detected_title"):
            if before.get(key):
                record[key] = before[key]
