"""escape on a form the user has filled asks before throwing the typing away (as the preset editor does)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen
else:
    _ScreenBase = object


class GuardsItsForm(_ScreenBase):
    """Mixin for a screen with fields: `remember_form` once they hold their first values (on mount),
    `leave_form` on escape: dismisses at once when nothing changed, else asks "Discard?" first."""

    _form_at_start: dict[str, Any] | None = None

    def _form_values(self) -> dict[str, Any]:
        # by type name and attribute: no widget module imported here (TextArea's is heavy)
        fields = self.query("Input, Select, Switch, Checkbox, RadioSet, TextArea")
        return {w.id: (getattr(w, "value", None), getattr(w, "text", None)) for w in fields if w.id is not None}

    def remember_form(self) -> None:
        self._form_at_start = self._form_values()

    def form_changed(self) -> bool:
        return self._form_at_start is not None and self._form_values() != self._form_at_start

    def leave_form(self, result: Any = None, *, what: str = "what you typed") -> None:
        from tui.screens.confirm import ConfirmScreen

        if not self.form_changed():
            self.dismiss(result)
            return

        def answered(discard: bool | None) -> None:
            if discard:  # n and escape both keep editing
                self.dismiss(result)

        self.app.push_screen(
            # danger: the focus opens on "Keep editing", so a stray enter keeps the typing
            ConfirmScreen(
                f"Leave and discard {what}?", title="Discard changes?", yes="Discard", no="Keep editing", danger=True
            ),
            answered,
        )
