"""Which scenes a session exports, and which adjacent scenes are exported together as one clip."""

from __future__ import annotations

from itertools import pairwise

from core.errors import BadInput


def _range(part: str, count: int | None, what: str) -> tuple[int, int]:
    """One 'A' or 'A-B'; `count` is the number of scenes, None before detection (bounds unknown)."""
    lo, sep, hi = part.partition("-")
    try:
        a, b = int(lo), int(hi) if sep else int(lo)
    except ValueError:
        raise BadInput(f"{what} {part!r}: expected scene numbers like 3 or 5-8") from None
    if a < 1:
        raise BadInput(f"{what} {part!r}: scenes are numbered from 1")
    if b < a:
        raise BadInput(f"{what} {part!r}: the range is reversed (write {b}-{a})")
    if count is not None and b > count:
        raise BadInput(f"{what} {part!r}: the master has only {count} scene{'s' if count != 1 else ''}")
    return a, b


def parse_scenes(spec: str | None, count: int) -> list[int]:
    """'all' (or nothing) -> every scene; '1,3,5-8' -> those 1-based scene numbers."""
    if spec is None or spec.strip().lower() in ("", "all"):
        return list(range(1, count + 1))
    chosen: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        if part:
            a, b = _range(part, count, "--scenes")
            chosen.update(range(a, b + 1))
    return sorted(chosen)


def parse_groups(specs: list[str] | None, count: int | None) -> list[tuple[int, int]]:
    """Each 'A-B' is a run of adjacent scenes exported as one clip; runs may not overlap."""
    groups = []
    for spec in specs or []:
        a, b = _range(spec.strip(), count, "--group")
        if a == b:
            raise BadInput(f"--group {spec!r}: a group needs at least two adjacent scenes")
        groups.append((a, b))
    groups.sort()
    for (a1, b1), (a2, b2) in pairwise(groups):
        if a2 <= b1:
            raise BadInput(f"--group {a1}-{b1} and {a2}-{b2} overlap")
    return groups


def with_groups_selected(selected: list[int], groups: list[tuple[int, int]]) -> list[int]:
    """All scenes of a group are selected."""
    chosen = set(selected)
    for a, b in groups:
        chosen.update(range(a, b + 1))
    return sorted(chosen)


def format_numbers(numbers: list[int]) -> str:
    """[1,2,3,5] -> '1-3,5' (for messages and the log)."""
    parts: list[str] = []
    run: list[int] = []
    for n in sorted(numbers):
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [n]
    if run:
        parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ",".join(parts)


def check_syntax(scenes_spec: str | None, group_specs: list[str] | None) -> None:
    """Malformed specs are refused before any work; numbers are checked once scenes are known."""
    if scenes_spec is not None and scenes_spec.strip().lower() not in ("", "all"):
        for part in scenes_spec.replace(" ", "").split(","):
            if part:
                _range(part, None, "--scenes")
    parse_groups(group_specs, None)
