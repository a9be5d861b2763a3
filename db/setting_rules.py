"""What each setting may hold, beyond its value_type: enumerations, ranges, references, read-only.

One table serves db.settings.set_setting (so the Settings screen and `vat settings set` refuse the same
values with the same one line) and the screens that offer a pick list for an enumeration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from db.errors import BadInput

# Textual's built-in theme names (textual.theme.BUILTIN_THEMES). db/ must not import Textual, so they are
# kept here; tests/test_setting_rules.py compares them with Textual's own list on every upgrade.
TEXTUAL_THEMES = (
    "ansi-dark",
    "ansi-light",
    "atom-one-dark",
    "atom-one-light",
    "catppuccin-frappe",
    "catppuccin-latte",
    "catppuccin-macchiato",
    "catppuccin-mocha",
    "dracula",
    "flexoki",
    "gruvbox",
    "monokai",
    "nord",
    "rose-pine",
    "rose-pine-dawn",
    "rose-pine-moon",
    "solarized-dark",
    "solarized-light",
    "textual-dark",
    "textual-light",
    "tokyo-night",
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
ENCODERS = ("auto", "x264", "nvenc")
EMPTY_CHOICE = '"" (empty)'  # how an enumeration's empty value is written in its rule and pick list
MAX_WORKERS = 64  # more operations at once than this only thrash the disk (--workers caps at 4 x cores)


@dataclass(frozen=True)
class Rule:
    """The values a setting accepts. `choices` is a fixed enumeration, or a function for one that lives
    in the database (default_preset: the stored presets)."""

    choices: tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None  # an exclusive minimum (a threshold of 0 would cut at every frame)
    read_only: bool = False

    def options(self) -> tuple[str, ...] | None:
        return self.choices() if callable(self.choices) else self.choices

    def allowed(self) -> str:
        """The accepted values in words, for the Settings screen, `vat settings` and every refusal."""
        if self.read_only:
            return "set by vat (read-only)"
        options = self.options()
        if options is not None:
            # an empty choice (watch_rd_from: none) is named, not shown as nothing between two commas
            return (
                "one of " + ", ".join(o or EMPTY_CHOICE for o in options) if options else "a stored preset (none yet)"
            )
        if self.above is not None:
            return f"a number above {_num(self.above)}"
        if self.minimum is not None and self.maximum is not None:
            return f"{_num(self.minimum)} to {_num(self.maximum)}"
        if self.minimum is not None:
            return f"{_num(self.minimum)} or more"
        return ""

    def canonical(self, key: str, value: object) -> object:
        """`value` (already of the setting's type) as stored, or BadInput naming the key and the allowed
        values. An enumeration is matched regardless of case and stored in its own spelling."""
        options = self.options()
        if options is not None:
            match = next((o for o in options if o.lower() == str(value).strip().lower()), None)
            if match is None:
                raise BadInput(f"{key}: expected {self.allowed()}, got {_shown(value)}")
            return match
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            too_low = (self.minimum is not None and value < self.minimum) or (
                self.above is not None and value <= self.above
            )
            if too_low or (self.maximum is not None and value > self.maximum):
                raise BadInput(f"{key}: expected {self.allowed()}, got {_num(value)}")
        return value


def _num(value: float) -> str:
    return f"{value:g}"


def _shown(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _preset_ids() -> tuple[str, ...]:
    from db.models import UserPreset

    return tuple(r.preset_id for r in UserPreset.select(UserPreset.preset_id).order_by(UserPreset.preset_id))


RULES: dict[str, Rule] = {
    "log_level": Rule(choices=LOG_LEVELS),
    "encoder_preference": Rule(choices=ENCODERS),
    "ui_theme": Rule(choices=TEXTUAL_THEMES),
    "default_preset": Rule(choices=_preset_ids),
    "parallel_workers": Rule(minimum=1, maximum=MAX_WORKERS),
    "concurrent_sessions": Rule(minimum=1, maximum=MAX_WORKERS),
    "watch_preset": Rule(choices=lambda: ("", *_preset_ids())),  # empty: the default preset
    "watch_scenes": Rule(choices=("all", "pick")),
    "watch_artwork_from": Rule(choices=("name", "parent")),
    "watch_settle_seconds": Rule(minimum=0),
    "watch_rd_from": Rule(choices=("", "sibling")),
    "max_resume_age_days": Rule(minimum=1),
    "log_retention_days": Rule(minimum=0),
    "abandoned_session_days": Rule(minimum=0),  # 0 keeps them (core/pipeline/retention.py)
    "scene_threshold_default": Rule(above=0),
    "min_scene_length_default": Rule(minimum=1),
    "db_version": Rule(read_only=True),  # db/migrations.py
    "app_version": Rule(read_only=True),  # db/connection.py, on every open
    "retention_last_run": Rule(read_only=True),  # retention, at most daily
}
NO_RULE = Rule()


def rule_of(key: str) -> Rule:
    return RULES.get(key, NO_RULE)


def is_read_only(key: str) -> bool:
    return rule_of(key).read_only
