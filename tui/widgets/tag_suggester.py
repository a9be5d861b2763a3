"""Completion for a field of tags separated by commas: the tag being typed (after the last comma)
is completed with one already in the catalogue, the most used first (core/catalogue/tags.py
tags_in_use). Accept it with the right arrow or end, as any Input suggestion."""

from __future__ import annotations

from textual.suggester import Suggester


class TagSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._in_use: list[str] | None = None  # read once, when first needed (the database is open by then)

    def in_use(self) -> list[str]:
        if self._in_use is None:
            from core.catalogue.tags import tags_in_use

            self._in_use = [tag for tag, _ in tags_in_use()]
        return self._in_use

    async def get_suggestion(self, value: str) -> str | None:
        done, comma, typing = value.rpartition(",")
        typed = typing.lstrip()
        if not typed:
            return None
        for tag in self.in_use():
            if tag.lower().startswith(typed.lower()) and len(tag) > len(typed):
                return value + tag[len(typed) :]
        return None
