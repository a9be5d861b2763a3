"""Which database engine holds vat's state, and the few places where SQLite and PostgreSQL differ.

SQLite (a file) is the default: one box, nothing to run. `VAT_DB=postgresql://user@host/dbname` puts the
same tables, views and triggers on a shared PostgreSQL server (the studio's catalogue). Peewee writes
the SQL of the models for either; what vat writes by hand goes through `sql()`, which turns SQLite's
placeholders (`?`, `:name`) into psycopg's (`%s`, `%(name)s`), and `write_transaction()`, which gives
both engines SQLite's one-writer-at-a-time transactions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import peewee

SQLITE = "sqlite"
POSTGRES = "postgresql"
URL_SCHEMES = ("postgresql://", "postgres://")

# pg_advisory_xact_lock's key for write_transaction(): the ASCII of "vatwrite" (any fixed bigint would
# do; vat's other advisory locks hash their names into another range, core/pipeline/db_locks.py)
WRITE_LOCK_KEY = 0x7661747772697465


def is_url(location: str) -> bool:
    return location.startswith(URL_SCHEMES)


def backend_of(database: peewee.Database) -> str:
    return POSTGRES if isinstance(database, peewee.PostgresqlDatabase) else SQLITE


def redact(text: str) -> str:
    """`text` with the password of every URL in it replaced by ***: VAT_DB and VAT_BROKER may carry
    one (in the user part or a `password=` parameter), and it must never reach a log, `vat doctor` or
    an error message."""
    return _URL.sub(lambda m: _shown_url(m[0]), text)


def without_password(url: str) -> str:
    """The URL to show: its password (if any) replaced by ***."""
    return _shown_url(url) if "://" in url else url


# a URL in running text: up to a blank or a quote
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#\s]*")


def _authority_end(rest: str) -> int:
    """Where the URL's authority (user:password@host:port) ends in what follows `scheme://`: at the
    first "/", "?" or "#" after its last "@" (a password may hold "/", "?" or "@" unescaped; an "@" in
    the path or query makes more of the URL hidden, never less)."""
    at = rest.rfind("@")
    return _first_of(rest, "/?#", at + 1)


def _first_of(text: str, characters: str, start: int = 0) -> int:
    found = [i for i in (text.find(c, start) for c in characters) if i >= 0]
    return min(found, default=len(text))


def _shown_url(url: str) -> str:
    scheme, _, rest = url.partition("://")
    end = _authority_end(rest)
    authority, tail = rest[:end], rest[end:]
    if "@" in authority:
        userinfo, _, host = authority.rpartition("@")
        user, colon, password = userinfo.partition(":")
        if colon and password:
            authority = f"{user}:***@{host}"
    tail = _QUERY_PASSWORD.sub(r"\1***", tail)
    return f"{scheme}://{authority}{tail}"


def split_password(url: str) -> tuple[str, str | None]:
    """The URL without its password (in the user part or a `password=` parameter), and the password:
    for a tool that takes the password apart (pg_dump's PGPASSWORD). A URL without one comes back as
    written."""
    parts = urlsplit(url)
    password = unquote(parts.password) if parts.password is not None else None
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}@{hostport}" if user else hostport
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = parts.query
    if any(key == "password" for key, _ in query):  # rebuilt only then: the rest stays as written
        password = [value for key, value in query if key == "password"][-1]
        kept = urlencode([(k, v) for k, v in query if k != "password"])
    if netloc == parts.netloc and kept == parts.query:
        return url, password or None
    # by hand, not urlunsplit(): that drops the "//" of an empty host (postgresql:///db?host=/socket)
    rebuilt = f"{parts.scheme}://{netloc}{parts.path}" + (f"?{kept}" if kept else "")
    return rebuilt + (f"#{parts.fragment}" if parts.fragment else ""), password or None


def sql(statement: str, backend: str) -> str:
    """A statement written for SQLite (`?` and `:name` placeholders) in the form `backend` takes.

    On PostgreSQL (psycopg): `?` becomes `%s`, `:name` becomes `%(name)s` and every literal `%` is
    doubled; text inside single quotes keeps its `?` and `:`; `::` casts are left alone.
    """
    if backend != POSTGRES:
        return statement
    out: list[str] = []
    i, n, quoted = 0, len(statement), False
    while i < n:
        c = statement[i]
        if c == "'":
            quoted = not quoted  # '' inside a literal toggles twice: the same as staying inside
            out.append(c)
        elif c == "%":
            out.append("%%")
        elif quoted:
            out.append(c)
        elif c == "?":
            out.append("%s")
        elif c == ":" and i + 1 < n and statement[i + 1] == ":":
            out.append("::")
            i += 1
        elif c == ":" and (i == 0 or statement[i - 1] != ":") and _NAME.match(statement, i + 1):
            name = _NAME.match(statement, i + 1)
            assert name is not None
            out.append(f"%({name[0]})s")
            i = name.end() - 1
        else:
            out.append(c)
        i += 1
    return "".join(out)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def execute(database: Any, statement: str, params: Any = None) -> Any:
    """database.execute_sql() of a statement written for SQLite, on whichever engine `database` is."""
    return database.execute_sql(sql(statement, backend_of(_concrete(database))), params)


def executemany(database: Any, statement: str, rows: list) -> None:
    """One statement written for SQLite, run for each of `rows` through one cursor (no peewee query
    per row), on whichever engine `database` is."""
    if rows:
        database.cursor().executemany(sql(statement, backend_of(_concrete(database))), rows)


def _concrete(database: Any) -> peewee.Database:
    return database.obj if isinstance(database, peewee.DatabaseProxy) else database


def is_postgres(database: Any) -> bool:
    return backend_of(_concrete(database)) == POSTGRES


def bytewise(database: Any, column: Any) -> Any:
    """A text column to sort by as SQLite sorts text (by its bytes: code points in UTF-8): on
    PostgreSQL under the "C" collation, whatever the database's own (en_US.UTF-8 orders "a_b" after
    "ab" and "B" among the b's), so that listings and the files vat writes from them (the process
    log, the manifest, the index page) come in one order on either engine."""
    return peewee.NodeList((column, peewee.SQL('COLLATE "C"'))) if is_postgres(database) else column


# What json_value() casts PostgreSQL's text to, so that a comparison sees the type SQLite's
# json_extract() returns (an integer, a real, a boolean as 0/1); text needs none.
JSON_CASTS = {str: None, int: "BIGINT", float: "DOUBLE PRECISION", bool: "BOOLEAN"}


def json_value(database: Any, column: Any, *path: str, kind: type = str) -> peewee.ColumnBase:
    """The value at `path` (keys) in a JSON text column: SQLite's json_extract(column, '$.a.b');
    on PostgreSQL (column::jsonb #>> '{a,b}') cast to `kind`'s type, as json_extract returns
    typed values (a JSON null, or a key not there, is NULL on both)."""
    if not is_postgres(database):
        return peewee.fn.json_extract(column, "$." + ".".join(path))
    if not all(_NAME.fullmatch(key) for key in path):
        raise ValueError(f"not a JSON key vat uses: {path!r}")  # written into the SQL: names only
    text = peewee.NodeList((column.cast("jsonb"), peewee.SQL(f"#>> '{{{','.join(path)}}}'")), parens=True)
    cast = JSON_CASTS[kind]
    return peewee.Cast(text, cast) if cast else text


def json_valid(database: Any, column: Any) -> peewee.ColumnBase:
    """Whether a text column holds JSON (SQLite's json_valid): on PostgreSQL `IS JSON` (16 and later);
    an older server has no such test and takes the column as JSON (vat writes only JSON there)."""
    if not is_postgres(database):
        return peewee.fn.json_valid(column)
    concrete = _concrete(database)
    if (concrete.server_version or 0) >= 160000:
        return peewee.NodeList((column, peewee.SQL("IS JSON")), parens=True)
    return peewee.SQL("TRUE")


@contextmanager
def write_transaction(database: Any) -> Iterator[None]:
    """A transaction that writes, one at a time across every process: SQLite's BEGIN IMMEDIATE (a second
    writer waits for the first to commit, then reads what it wrote); on PostgreSQL the same through a
    transaction-scoped advisory lock that every such transaction takes first. Nested: a savepoint."""
    concrete = _concrete(database)
    if backend_of(concrete) == POSTGRES:
        with concrete.atomic():
            concrete.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            yield
    else:
        with concrete.atomic("IMMEDIATE"):
            yield
