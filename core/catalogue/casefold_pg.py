"""Python's str.casefold() on PostgreSQL, for the catalogue's search (core/catalogue/search_sql.py).

On SQLite the search folds a word with other than ASCII letters through a registered Python function
(FOLD); PostgreSQL cannot call Python, and its lower() follows the server's locale (C.UTF-8 lowers É,
C does not; neither turns ß into ss as casefold does). So the same folding is written in SQL: a
translate() of every character whose casefold is one character, then a replace() for each whose
casefold is several (ß -> ss, ﬁ -> fi), the table read from this Python's Unicode database, the one
FOLD uses. Text of ASCII only (most paths and names) takes a 26-letter translate instead.

The function lives in the connection's temporary schema (pg_temp, called by that name): nothing is
added to the shared catalogue's schema, and each connection defines it once, the first time a search
needs it.
"""

from __future__ import annotations

import string
import weakref
from functools import cache
from typing import Any

NAME = "pg_temp.vat_casefold"

# Unicode has no case beyond the Supplementary Multilingual Plane (its last fold, Adlam, is U+1E921);
# scanning to there costs some 35 ms, once per process, and only on PostgreSQL with such a word
_LAST = 0x20000

_defined: weakref.WeakSet[Any] = weakref.WeakSet()  # the connections that have the function


@cache
def definition() -> str:
    """CREATE FUNCTION pg_temp.vat_casefold(text): casefold() of its text (NULL for NULL)."""
    single_from, single_to, multi = [], [], []
    for code in range(_LAST):
        if 0xD800 <= code < 0xE000:  # surrogates: not text
            continue
        char = chr(code)
        folded = char.casefold()
        if folded == char:
            continue
        if len(folded) == 1:
            single_from.append(char)
            single_to.append(folded)
        else:
            multi.append((char, folded))
    folded_sql = f"translate(t, {_literal(''.join(single_from))}, {_literal(''.join(single_to))})"
    for char, folded in multi:
        folded_sql = f"replace({folded_sql}, {_literal(char)}, {_literal(folded)})"
    ascii_sql = f"translate(t, {_literal(string.ascii_uppercase)}, {_literal(string.ascii_lowercase)})"
    return (
        f"CREATE OR REPLACE FUNCTION {NAME}(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fold$ "
        f"SELECT CASE WHEN octet_length(t) = char_length(t) THEN {ascii_sql} ELSE {folded_sql} END $fold$"
    )


def _literal(text: str) -> str:
    assert "%" not in text  # the statement is sent without parameters, but keep it placeholder-safe
    return "'" + text.replace("'", "''") + "'"


def ensure(database: Any) -> None:
    """Define the function on `database`'s connection (the thread's own) unless it already has it."""
    connection = database.connection()
    if connection in _defined:
        return
    database.execute_sql(definition())
    if not database.in_transaction():  # a rollback would take it away again
        _defined.add(connection)
