"""Column types shared by the models: UTC text timestamps, SQL BOOLEAN, JSON held in TEXT.

SQLite's CURRENT_TIMESTAMP and datetime('now') write UTC as 'YYYY-MM-DD HH:MM:SS'; the views and
triggers compare against that text, so every timestamp vat writes uses exactly that format.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import peewee

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def utc_now() -> str:
    """Now, as SQLite's CURRENT_TIMESTAMP writes it."""
    return datetime.now(timezone.utc).strftime(TIMESTAMP_FORMAT)


def utc_days_ago(days: float) -> str:
    """The same text as SQLite's datetime('now', '-N days'), for comparisons with timestamps."""
    return (datetime.now(timezone.utc) - timedelta(days=days)).strftime(TIMESTAMP_FORMAT)


def to_timestamp(value: datetime | str) -> str:
    """A datetime as stored text. Naive datetimes are local time, as datetime.astimezone() reads them."""
    if isinstance(value, str):
        return value
    return value.astimezone(timezone.utc).strftime(TIMESTAMP_FORMAT)


def sql_default(value: Any) -> dict:
    """Field keywords for a column default the same in Python (inserts via models) and in DDL."""
    if isinstance(value, bool):
        literal = "1" if value else "0"
    elif isinstance(value, (int, float)):
        literal = repr(value)
    else:
        literal = "'" + str(value).replace("'", "''") + "'"
    return {"default": value, "constraints": [peewee.SQL(f"DEFAULT {literal}")]}


def default_now() -> dict:
    """Field keywords for `DEFAULT CURRENT_TIMESTAMP`, with the same value when a model inserts."""
    return {"default": utc_now, "constraints": [peewee.SQL("DEFAULT CURRENT_TIMESTAMP")]}


class TimestampField(peewee.DateTimeField):
    """TIMESTAMP column: stores UTC 'YYYY-MM-DD HH:MM:SS', reads back an aware UTC datetime."""

    field_type = "TIMESTAMP"

    def db_value(self, value: Any) -> Any:
        if value is None or isinstance(value, peewee.Node):
            return value
        return to_timestamp(value)

    def python_value(self, value: Any) -> Any:
        if value is None or isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            return value  # a foreign format: hand back the text rather than fail a whole query
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


class BooleanField(peewee.BooleanField):
    """BOOLEAN column (the seed's type name); SQLite stores 0/1."""

    field_type = "BOOLEAN"


class JsonField(peewee.TextField):
    """TEXT column holding JSON. Assign a new value to change it: in-place edits are not tracked."""

    def db_value(self, value: Any) -> Any:
        if value is None or isinstance(value, peewee.Node):
            return value
        return json.dumps(value, ensure_ascii=False)

    def python_value(self, value: Any) -> Any:
        if value is None:
            return None
        try:
            return json.loads(value)
        except (TypeError, ValueError):
            return value  # text written by another tool: keep it readable
