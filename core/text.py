"""Names made safe to show on a terminal: a file or artwork name may hold control characters
(ESC sequences that clear the screen or retitle the window, a carriage return that overwrites the
line, a bell). They are shown as visible escapes, as the JSON output does, at the output boundary
only: stored data keeps the name as it is."""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls (0x9b is a one-byte CSI), line/paragraph separators and the
# bidirectional overrides and isolates (text that reads differently from what it is).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: object) -> str:
    """`text` with every control character shown as an escape (\\x1b, \\r, \\x07, \\u202e)."""
    return _UNSAFE.sub(_escape, str(text))


def unsafe_characters(text: str) -> list[str]:
    """The control characters of `text` (as terminal_safe would escape them), in order, once each."""
    return list(dict.fromkeys(_escape(m) for m in _UNSAFE.finditer(text)))
