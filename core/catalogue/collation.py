"""Text compared as SQLite compares it, in the catalogue's Peewee queries, on either engine.

SQLite sorts and compares text byte by byte (BINARY) and its lower() lowers ASCII letters only.
PostgreSQL follows the server's locale (en_US sorts "b" before "C"; C.UTF-8's lower() lowers É too),
so there the same columns are given the "C" collation: byte order, ASCII-only lower(). On SQLite the
expressions are left exactly as they were.
"""

from __future__ import annotations

from typing import Any

from peewee import fn

from db.backend import bytewise
from db.connection import database


def binary(node: Any) -> Any:
    """`node` sorted and compared byte by byte (an ORDER BY term, one side of a comparison)."""
    return bytewise(database, node)


def ascii_lower(node: Any) -> Any:
    """lower(`node`), ASCII letters only, as SQLite's lower() (and its NOCASE) does."""
    return fn.lower(binary(node))
