"""Filesystem completion for path inputs: suggests the first entry that extends what is typed
(accept it with the right arrow or end, as any Input suggestion)."""

from __future__ import annotations

import os
from pathlib import Path

from textual.suggester import Suggester

from core.media.extensions import VIDEO_EXTENSIONS

VIDEO_SUFFIXES = VIDEO_EXTENSIONS  # the R&D scan's list: what is offered is what is accepted


class PathSuggester(Suggester):
    def __init__(self, *, folders_only: bool = False, suffixes: frozenset[str] | None = None):
        super().__init__(use_cache=False, case_sensitive=True)  # the disk changes: no cache
        self.folders_only = folders_only
        self.suffixes = suffixes

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        typed = os.path.expanduser(value)
        folder, _, prefix = typed.rpartition(os.sep)
        base = Path(folder or (os.sep if typed.startswith(os.sep) else "."))
        if value.startswith(os.sep) and not folder:
            base = Path(os.sep)
        try:
            entries = sorted(os.scandir(base), key=lambda e: (not e.is_dir(), e.name.lower()))
        except OSError:
            return None
        for entry in entries:
            if (
                not entry.name.startswith(prefix)
                or entry.name == prefix
                or (entry.name.startswith(".") and not prefix.startswith("."))
            ):
                continue
            is_dir = entry.is_dir()
            if self.folders_only and not is_dir:
                continue
            if self.suffixes and not is_dir and Path(entry.name).suffix.lower() not in self.suffixes:
                continue
            return value + entry.name[len(prefix) :] + (os.sep if is_dir else "")
        return None
