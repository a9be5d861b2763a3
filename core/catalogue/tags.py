"""Tags on projects and scenes (the tags table): `artist:Name`, `series:...`, `year:2024`,
`theme:...` or free (`night`). A tag is namespace + value; the namespace is lower-cased, the value kept
as typed (searches ignore case). Tags on a scene are keyed by the scene's first frame in the master,
which survives the scenes being numbered again after another detection."""

from __future__ import annotations

from collections.abc import Iterable

from peewee import Case, Expression, fn

from core.catalogue.collation import ascii_lower, binary
from core.errors import BadInput
from core.text import terminal_safe
from db.connection import write_transaction
from db.models import ProcessingState, Tag

KNOWN_NAMESPACES = ("artist", "series", "year", "theme")
MAX_LENGTH = 200


def parse_tag(text: str) -> tuple[str, str]:
    """`artist:Jane Doe` -> ("artist", "Jane Doe"); `night` -> ("", "night"). BadInput for an empty
    tag, one with control characters, or one longer than MAX_LENGTH."""
    cleaned = text.strip()
    namespace, sep, value = cleaned.partition(":")
    if not sep or " " in namespace or not namespace:
        namespace, value = "", cleaned
    namespace, value = namespace.strip().lower(), value.strip()
    if not value:
        raise BadInput(f"tag {terminal_safe(text)!r}: empty (expected namespace:value or a word)")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned) or len(cleaned) > MAX_LENGTH:
        raise BadInput(f"tag {terminal_safe(text)!r}: control characters or longer than {MAX_LENGTH}")
    return namespace, value


def tag_text(namespace: str, value: str) -> str:
    return f"{namespace}:{value}" if namespace else value


def add_tags(session_id: str, tags: Iterable[str], scene_start_frame: int | None = None) -> int:
    """Add tags (each as typed, parsed by parse_tag) to a project or one of its scenes; returns how
    many were new. All are checked before any is written."""
    parsed = [parse_tag(text) for text in tags]
    added = 0
    with write_transaction():  # read, then write: one writer at a time (PostgreSQL too)
        for namespace, value in parsed:
            if not _has(session_id, scene_start_frame, namespace, value):
                Tag.create(session=session_id, scene_start_frame=scene_start_frame, namespace=namespace, value=value)
                added += 1
    return added


def _has(session_id: str, scene_start_frame: int | None, namespace: str, value: str) -> bool:
    scene = Tag.scene_start_frame.is_null() if scene_start_frame is None else Tag.scene_start_frame == scene_start_frame
    return (
        Tag.select()
        .where((Tag.session == session_id) & scene & (Tag.namespace == namespace) & (Tag.value == value))
        .exists()
    )


def tags_of(session_id: str, scene_start_frame: int | None = None) -> list[str]:
    """A project's (or one scene's) tags as typed, namespaced first, in order."""
    scene = Tag.scene_start_frame.is_null() if scene_start_frame is None else Tag.scene_start_frame == scene_start_frame
    rows = (
        Tag.select()
        .where((Tag.session == session_id) & scene)
        .order_by(Tag.namespace == "", binary(Tag.namespace), binary(Tag.value))
    )
    return [tag_text(row.namespace, row.value) for row in rows]


def remove_tags(session_id: str, tags: Iterable[str], scene_start_frame: int | None = None) -> int:
    """Remove tags (as typed; the value compared without regard to case) from a project or one of its
    scenes; returns how many went. All are parsed before any is removed."""
    parsed = [parse_tag(text) for text in tags]
    removed = 0
    with write_transaction():  # read, then write: one writer at a time (PostgreSQL too)
        for namespace, value in parsed:
            removed += (
                Tag.delete()
                .where(
                    (Tag.session == session_id)
                    & _scene(scene_start_frame)
                    & (Tag.namespace == namespace)
                    & (ascii_lower(Tag.value) == value.lower())
                )
                .execute()
            )
    return removed


def set_tags(session_id: str, tags: Iterable[str], scene_start_frame: int | None = None) -> bool:
    """Make a project's (or a scene's) tags exactly these (the form fields, the scene dialog); True
    when anything changed. All are parsed before anything is written."""
    wanted = {parse_tag(text) for text in tags if text.strip()}
    with write_transaction():  # read, then write: one writer at a time (PostgreSQL too)
        rows = list(Tag.select().where((Tag.session == session_id) & _scene(scene_start_frame)))
        have = {(row.namespace, row.value) for row in rows}
        gone = [row.id for row in rows if (row.namespace, row.value) not in wanted]
        if gone:
            Tag.delete().where(Tag.id.in_(gone)).execute()
        for namespace, value in sorted(wanted - have):
            Tag.create(session=session_id, scene_start_frame=scene_start_frame, namespace=namespace, value=value)
    return bool(gone) or bool(wanted - have)


def split_tags(text: str) -> list[str]:
    """A form field's tags: separated by commas (a tag may hold spaces: `artist:Jane Doe`)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def tags_in_use(prefix: str = "") -> list[tuple[str, int]]:
    """Every tag in the catalogue with how many projects carry it (on the project or a scene), the most
    used first: completion and pick lists. `prefix` narrows them (case ignored)."""
    text = Case(None, [(Tag.namespace == "", Tag.value)], Tag.namespace.concat(":").concat(Tag.value))
    count = fn.count(Tag.session.distinct())
    query = Tag.select(text.alias("tag"), count.alias("projects")).group_by(Tag.namespace, Tag.value)
    if prefix:
        query = query.having(binary(ascii_lower(text)).startswith(prefix.lower()))
    rows: Iterable[tuple[str, int]] = query.order_by(count.desc(), binary(text)).tuples()  # type: ignore[assignment]
    return [(str(tag), int(projects)) for tag, projects in rows]


def _scene(scene_start_frame: int | None) -> Expression:
    return Tag.scene_start_frame.is_null() if scene_start_frame is None else Tag.scene_start_frame == scene_start_frame


def scene_start_frame(session: ProcessingState, number: int) -> int:
    """The first frame of scene `number`, which keys its tags; BadInput when the session has no such scene."""
    for record in session.scenes_data or []:
        if record.get("index") == number and record.get("start_frame") is not None:
            return int(record["start_frame"])
    raise BadInput(f"session {session.session_id}: no scene {number}")
