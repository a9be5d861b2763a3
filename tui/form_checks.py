"""One check per field of the New session form, each returning the message to show under it
(None when the value is fine). They use the same core functions as check_options, so what the form
accepts, creating the session accepts too. No Textual here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.errors import VatError


def _message(check: Callable[..., object], *args: Any) -> str | None:
    try:
        check(*args)
    except VatError as exc:
        return str(exc)
    return None


def check_master(text: str) -> str | None:
    """Slow-ish (probes the file): call it from a worker."""
    from core.media.probe import probe

    if not text.strip():
        return "choose the master video file"
    return _message(lambda: probe(Path(text.strip()).expanduser(), require_video=True))


def check_rd(text: str) -> str | None:
    if not text.strip():
        return None
    folder = Path(text.strip()).expanduser()
    return None if folder.is_dir() else f"{folder}: R&D folder does not exist or is not a folder"


def check_artwork(text: str) -> str | None:
    from core.pipeline.naming import artwork_slug

    return _message(artwork_slug, text)


def check_date(text: str) -> str | None:
    from core.pipeline.naming import parse_project_date

    return _message(parse_project_date, text.strip() or None)


def check_copyright(text: str) -> str | None:
    from core.pipeline.naming import embedded_text

    return _message(lambda: embedded_text(text, what="copyright"))


def check_credits(text: str) -> str | None:
    from core.pipeline.naming import embedded_text

    return _message(lambda: embedded_text(text, what="credits"))


def check_tags(text: str) -> str | None:
    """Tags, separated by commas: each namespace:value or a word (core/catalogue/tags.py)."""
    from core.catalogue.tags import parse_tag, split_tags

    return _message(lambda: [parse_tag(tag) for tag in split_tags(text)])


def check_ids(text: str) -> str | None:
    """External ids, separated by commas: inventory numbers or scheme:value (core/catalogue/external_ids.py)."""
    from core.catalogue.external_ids import parse_external_id
    from core.catalogue.tags import split_tags

    return _message(lambda: [parse_external_id(text) for text in split_tags(text)])


def check_output(text: str) -> str | None:
    from core.pipeline.session import check_writable

    if not text.strip():
        return "choose where the project folder goes"
    return _message(check_writable, Path(text.strip()))


def check_encoder(choice: str) -> str | None:
    """May run a test encode (NVENC): call it from a worker."""
    from core.pipeline.session import resolve_encoder

    return _message(resolve_encoder, choice)


def check_preset(preset_id: str) -> str | None:
    from core.pipeline.preset_store import load_preset

    return _message(load_preset, preset_id)


def check_detector(detector: str) -> str | None:
    """A learned detector whose extra is not installed: the command line's own install hint."""
    from core.detection.learned import require

    return _message(require, detector)


QUICK = {
    "rd": check_rd,
    "artwork": check_artwork,
    "date": check_date,
    "copyright": check_copyright,
    "credits": check_credits,
    "tags": check_tags,
    "inventory": check_ids,
    "output": check_output,
}
SLOW = {"master": check_master}
