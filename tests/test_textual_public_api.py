"""The TUI and the benchmarks use Textual's public API only: its private attributes change without notice
(a minor Textual release may rename them), and the dependency range allows every Textual 8 release."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Private attributes of Textual's DOM nodes, screens and app that have public counterparts
# (Screen.active_bindings, App.active_bindings, DOMNode.check_action).
TEXTUAL_PRIVATE = {"_bindings", "_merged_bindings", "_binding_chain", "_modal_binding_chain", "_check_action_state"}


def private_uses(folder: str) -> list[str]:
    found = []
    paths = sorted((ROOT / folder).rglob("*.py"))
    assert len(paths) > 3, f"nothing to check in {folder}/"
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Attribute) and node.attr in TEXTUAL_PRIVATE:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.attr}")
    return found


def test_tui_and_bench_use_no_private_textual_attributes() -> None:
    assert private_uses("tui") + private_uses("bench") == []
