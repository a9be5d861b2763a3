"""Safe names for the archive: artwork folder and file names that no filesystem or user can abuse.

The artwork name as typed is kept in the database and the embedded metadata; only file and folder
names go through here. A name can never climb out of, or point beside, the project folder.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from core.errors import BadInput

MAX_NAME_LENGTH = 80
_UNSAFE = re.compile(r"[^\w.-]+")  # anything but letters, digits, underscore, dot, dash
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def safe_component(text: str, *, what: str = "name") -> str:
    """One path component: spaces become underscores, separators and control characters go."""
    normal = unicodedata.normalize("NFKC", text)
    normal = "".join(ch for ch in normal if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", normal.strip())
    name = re.sub(r"_+", "_", name)
    name = re.sub(r"_+\.", ".", name).strip("._-")
    name = name[:MAX_NAME_LENGTH].rstrip("._-")
    if not name:
        raise BadInput(f"{what} {text!r}: has no letters or digits to make a file name from")
    if name.lower() in _RESERVED:
        name = f"_{name}"
    return name


def artwork_slug(artwork: str) -> str:
    if not artwork or not artwork.strip():
        raise BadInput("artwork name is empty")
    if any(part.strip() == ".." for part in re.split(r"[/\\]", artwork)):
        # a title may contain a slash ("Day/Night"), but a climb out of the folder is no title
        raise BadInput(f"artwork name {artwork!r}: must not contain '..' path parts")
    return safe_component(artwork, what="artwork name")


def parse_project_date(text: str | None) -> str:
    """YY-MM-DD, validated; today when not given."""
    if not text:
        return date.today().strftime("%y-%m-%d")
    try:
        return datetime.strptime(text, "%y-%m-%d").strftime("%y-%m-%d")
    except ValueError:
        raise BadInput(f"project date {text!r}: expected YY-MM-DD, for example 26-11-23") from None


def project_folder_name(project_date: str, artwork: str) -> str:
    return f"{project_date}_{artwork_slug(artwork)}"


MAX_TEXT_LENGTH = 500


def embedded_text(text: str, *, what: str) -> str:
    """A text embedded in every output (copyright, credits), checked: it is typed by a user and shown
    by every viewer of the archive, so control characters (escape sequences, line breaks, bidi
    overrides) are refused, not silently changed. Surrounding spaces go."""
    from core.text import terminal_safe, unsafe_characters

    found = unsafe_characters(text)
    if found:
        raise BadInput(f"{what} '{terminal_safe(text)}': control characters are not allowed ({', '.join(found)})")
    text = text.strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise BadInput(f"{what}: {len(text)} characters, at most {MAX_TEXT_LENGTH} are allowed")
    return text
