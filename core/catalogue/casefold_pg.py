"""Python's str.casefold() on PostgreSQL, for the catalogue's search (core/catalogue/search_sql.py).

On SQLite the search folds a word with other than ASCII letters through a registered Python function
(FOLD); PostgreSQL cannot call Python, and its lower() follows the server's locale (C.UTF-8 lowers É,
C does not; neither turns ß into ss as casefold does). So the folding is written in SQL, per word: a
text's casefold holds the folded word exactly when the text, with every character whose casefold
shares a character with the word folded (a translate() for those that fold to one character, a
replace() for those that fold to several: ß -> ss), holds it. Any other character cannot be part of
a match, folded or not. The table is this Python's Unicode database, the one FOLD uses; a word's
part of it is a few characters, so the translate() stays cheap on 100,000 paths.
"""

from __future__ import annotations

from functools import cache

# Unicode has no case beyond the Supplementary Multilingual Plane (its last fold, Adlam, is U+1E921);
# scanning to there costs some 35 ms, once per process, and only on PostgreSQL with such a word
_LAST = 0x20000


@cache
def _table() -> tuple[tuple[str, str], ...]:
    """Every (character, its casefold) where the two differ."""
    pairs = []
    for code in range(_LAST):
        if 0xD800 <= code < 0xE000:  # surrogates: not text
            continue
        char = chr(code)
        folded = char.casefold()
        if folded != char:
            pairs.append((char, folded))
    return tuple(pairs)


@cache
def folding(folded_word: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """What folds a text for `folded_word` (a casefold()ed word): translate()'s from and to (the
    characters that fold to one character of the word's), and replace()'s (character, fold) pairs
    (those that fold to several, one of them the word's)."""
    wanted = set(folded_word)
    source, target, several = [], [], []
    for char, folded in _table():
        if wanted.isdisjoint(folded):
            continue
        if len(folded) == 1:
            source.append(char)
            target.append(folded)
        else:
            several.append((char, folded))
    return "".join(source), "".join(target), tuple(several)


def holds(column: str, folded_word: str, pattern: str, params: list) -> str:
    """SQL: `column`, folded for `folded_word`, is LIKE `pattern` (the parameters appended to `params`).
    A text of ASCII only folds to its ASCII lower case (and the word's non-ASCII characters cannot be
    in it): what the text's lengths in bytes and in characters tell, cheaply, before any translate()
    (which costs some 5 us a path). A word that folds to ASCII (straße: strasse) is in such a text
    when ILIKE under "C" finds it."""
    multibyte = f"octet_length({column}) <> char_length({column})"
    if folded_word.isascii():
        params.append(pattern)
        ascii_text = f"({column}) COLLATE \"C\" ILIKE ? ESCAPE '\\' OR "
    else:
        ascii_text = ""
    source, target, several = folding(folded_word)
    sql = f"({column})"
    if source:
        sql = f"translate({sql}, ?, ?)"
        params += [source, target]
    for char, folded in several:
        sql = f"replace({sql}, ?, ?)"
        params += [char, folded]
    params.append(pattern)
    return f"({ascii_text}({multibyte} AND {sql} LIKE ? ESCAPE '\\'))"
