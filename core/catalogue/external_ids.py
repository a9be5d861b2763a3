"""A project's ids in other systems (the external_ids table): `inventory:INV-2024-001`. The scheme
names the system (lower-cased, one word; `inventory` when none is given), the value is kept as typed
(searches ignore case)."""

from __future__ import annotations

from collections.abc import Iterable

from core.catalogue.collation import ascii_lower, binary
from core.errors import BadInput
from core.text import terminal_safe
from db.connection import write_transaction
from db.models import ExternalId

DEFAULT_SCHEME = "inventory"
MAX_LENGTH = 200


def parse_external_id(text: str) -> tuple[str, str]:
    """`inventory:INV-2024-001` -> ("inventory", "INV-2024-001"); `INV-7` -> ("inventory", "INV-7");
    `collection:A 12` -> ("collection", "A 12"). BadInput for an empty id, one with control characters
    or longer than MAX_LENGTH."""
    cleaned = text.strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned) or len(cleaned) > MAX_LENGTH:
        raise BadInput(f"id {terminal_safe(text)!r}: control characters or longer than {MAX_LENGTH}")
    scheme, sep, value = cleaned.partition(":")
    if sep and not scheme.strip():
        raise BadInput(f"id {terminal_safe(text)!r}: no scheme before ':' (expected e.g. inventory:INV-2024-001)")
    if not sep or " " in scheme.strip():
        scheme, value = DEFAULT_SCHEME, cleaned
    scheme, value = scheme.strip().lower(), value.strip()
    if not value:
        raise BadInput(f"id {terminal_safe(text)!r}: empty (expected scheme:value, e.g. inventory:INV-2024-001)")
    return scheme, value


def id_text(scheme: str, value: str) -> str:
    return f"{scheme}:{value}"


def add_ids(session_id: str, ids: Iterable[str]) -> int:
    """Add ids (as typed) to a project; returns how many were new. All are checked before any is written."""
    parsed = [parse_external_id(text) for text in ids]
    added = 0
    with write_transaction():  # read, then write: one writer at a time (PostgreSQL too)
        for scheme, value in parsed:
            exists = (
                ExternalId.select()
                .where((ExternalId.session == session_id) & (ExternalId.scheme == scheme) & (ExternalId.value == value))
                .exists()
            )
            if not exists:
                ExternalId.create(session=session_id, scheme=scheme, value=value)
                added += 1
    return added


def remove_ids(session_id: str, ids: Iterable[str]) -> int:
    """Remove ids (the value compared without regard to case); returns how many went."""
    parsed = [parse_external_id(text) for text in ids]
    removed = 0
    with write_transaction():  # read, then write: one writer at a time (PostgreSQL too)
        for scheme, value in parsed:
            removed += (
                ExternalId.delete()
                .where(
                    (ExternalId.session == session_id)
                    & (ExternalId.scheme == scheme)
                    & (ascii_lower(ExternalId.value) == value.lower())
                )
                .execute()
            )
    return removed


def set_ids(session_id: str, ids: Iterable[str]) -> bool:
    """Make a project's ids exactly these (the new-session form); True when anything changed."""
    wanted = {parse_external_id(text) for text in ids if text.strip()}
    with write_transaction():  # read, then write: one writer at a time (PostgreSQL too)
        rows = list(ExternalId.select().where(ExternalId.session == session_id))
        have = {(row.scheme, row.value) for row in rows}
        gone = [row.id for row in rows if (row.scheme, row.value) not in wanted]
        if gone:
            ExternalId.delete().where(ExternalId.id.in_(gone)).execute()
        for scheme, value in sorted(wanted - have):
            ExternalId.create(session=session_id, scheme=scheme, value=value)
    return bool(gone) or bool(wanted - have)


def ids_of(session_id: str) -> list[str]:
    rows = (
        ExternalId.select()
        .where(ExternalId.session == session_id)
        .order_by(binary(ExternalId.scheme), binary(ExternalId.value))
    )
    return [id_text(row.scheme, row.value) for row in rows]
