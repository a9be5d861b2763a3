"""Output names for the R&D files: safe, and distinct even where two inputs make the same safe name.

`a b.png` and `a_b.png`, `sketch.png` and `sketch.jpg`, `clip.mov` and `clip.mp4` would each give one
output name. The rule, deterministic from the folder's content alone:
  - a file whose plain name (the safe form of its path, without the extension) is shared by no other
    file keeps it: the names vat gave before this rule, so an earlier session still resumes;
  - among files sharing a plain name, the first in sorted order of their paths keeps it, and each
    other one gets its extension in its name (`sketch_jpg`), then a number if that is taken too.
The first keeps the plain name (rather than all getting their extension) so that a file that had it
keeps it whatever is added later after it in order, and a session interrupted before the rule finds
its outputs where it left them. Names are compared ignoring case, so an archive copied to a
case-insensitive disk (macOS, Windows) keeps every output. Images and videos never share a folder
(rd/images, rd/videos), so they are named apart.
"""

from __future__ import annotations

from pathlib import Path

from core.pipeline.naming import safe_component


def plain_name(relative: Path) -> Path:
    """The safe form of the relative path, without the extension (the name vat has always given)."""
    safe = Path(*[safe_component(part, what="R&D file name") for part in relative.parts])
    return safe.with_name(safe.stem)


def output_names(files: list[tuple[Path, str]]) -> dict[Path, Path]:
    """{relative path: safe relative name without extension} for (relative path, kind) pairs."""
    ordered = sorted(files, key=lambda item: (item[1], item[0].as_posix()))
    plain = {rel: plain_name(rel) for rel, _ in ordered}
    key = lambda kind, name: (kind, name.as_posix().casefold())  # noqa: E731
    names: dict[Path, Path] = {}
    taken: set[tuple[str, str]] = set()
    # the plain names first (unique ones, and the first of each shared one), so that no extended
    # name can take a plain name that a file without any collision would otherwise lose
    for rel, kind in ordered:
        if key(kind, plain[rel]) not in taken:
            names[rel] = plain[rel]
            taken.add(key(kind, plain[rel]))
    for rel, kind in ordered:
        if rel in names:
            continue
        ext = rel.suffix.lstrip(".").lower() or "noext"
        base = plain[rel].with_name(f"{plain[rel].name}_{ext}")
        candidate, number = base, 1
        while key(kind, candidate) in taken:
            number += 1
            candidate = base.with_name(f"{base.name}_{number}")
        names[rel] = candidate
        taken.add(key(kind, candidate))
    return names
