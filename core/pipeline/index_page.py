"""index.html: the archive's own page, for whoever opens the project folder in a browser.

Self-contained: inline CSS, no script, no network, every link relative to the project folder (and
only to files that are there as it is written). Every text on it (artwork, copyright, credits,
titles, file names) is typed by someone or derived from it: all of it is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path
from urllib.parse import quote

from core.catalogue.roots import resolve
from core.pipeline.contact_sheet import seconds_timecode
from core.pipeline.plan import Operation
from core.pipeline.session_scenes import scenes_of
from db.backend import bytewise
from db.connection import database
from db.fields import utc_now
from db.models import FileRegistry, ProcessingState

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:24px;color:#1a1a1a}
h1{margin:0 0 4px}header p{margin:2px 0;color:#555}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}
dt{color:#666}dd{margin:0;overflow-wrap:anywhere}p a{overflow-wrap:anywhere}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:20px}
article{border:1px solid #ddd;border-radius:6px;padding:10px}
article img,article video{width:100%;height:auto;display:block}
h3{font-size:15px;margin:8px 0 2px;overflow-wrap:anywhere}.meta{color:#555;font-size:13px;margin:2px 0}
.stills{display:flex;gap:4px}.stills a{flex:1}footer{margin-top:32px;color:#777;font-size:13px}
"""


def _text(value: object) -> str:
    return escape(str(value), quote=True)


class Links:
    """The outputs that exist, by what they are, each as an escaped relative URL."""

    def __init__(self, root: Path, rows: list[FileRegistry]):
        self.root = root
        self.paths = {r.id: resolve(r.file_path) for r in rows}  # on this machine, as the root (storage roots)
        self.rows = [r for r in rows if self.paths[r.id].is_file() and self.paths[r.id].is_relative_to(root)]

    def url(self, row: FileRegistry) -> str:
        return _text(quote(self.paths[row.id].relative_to(self.root).as_posix()))

    def of(self, kind: str, *, scene: int | None = None, group: str | None = None) -> list[FileRegistry]:
        found = [r for r in self.rows if r.file_type == kind]
        if scene is not None:
            found = [r for r in found if (r.compression_settings or {}).get("scene") == scene]
        if group is not None:
            found = [r for r in found if (r.compression_settings or {}).get("group") == group]
        return found

    def file(self, name: str) -> str | None:
        return _text(quote(name)) if (self.root / name).is_file() else None


def _still(links: Links, scene: int, title: str) -> str:
    web, hq = links.of("still_web", scene=scene), links.of("still_hq", scene=scene)
    if not web and not hq:
        return ""
    img = f'<img src="{links.url((web or hq)[0])}" alt="{_text(title)}" loading="lazy">'
    return f'<a href="{links.url((hq or web)[0])}">{img}</a>' if hq else img


def _unit(
    links: Links,
    scenes: dict,
    span: tuple[int, int],
    titles: dict[str, str],
    source: list[str] | None,
    timecode: Callable[[float], str],
) -> str:
    """One unit: `source`, the master's timecode at its first frame and after its last (the plan's)."""
    a, b = span
    first, last = scenes[a], scenes[b]
    label = f"Scenes {a}–{b}" if b != a else f"Scene {a}"
    title = titles.get(str(a), "")
    stills = "".join(_still(links, n, title or f"scene {n}") for n in range(a, b + 1))
    clips = links.of("clip", group=f"{a}-{b}") if b != a else links.of("clip", scene=a)
    poster = links.of("still_web", scene=a)
    video = ""
    if clips:
        poster_attr = f' poster="{links.url(poster[0])}"' if poster else ""
        video = f'<video controls preload="none"{poster_attr} src="{links.url(clips[0])}"></video>'
    frames = last.end_frame - first.start_frame + 1
    return (
        f'<article><div class="stills">{stills}</div>'
        f"<h3>{_text(label)}{' — ' + _text(title) if title else ''}</h3>"
        + (f'<p class="meta">timecode {_text(source[0])} – {_text(source[1])}</p>' if source else "")
        + f'<p class="meta">{_text(timecode(first.start))} – {_text(timecode(last.end))} · '
        f"{last.end - first.start:.3f} s</p>"
        f'<p class="meta">frames {first.start_frame}–{last.end_frame} ({frames})</p>{video}</article>'
    )


def _rd(links: Links) -> str:
    items = []
    images = {(r.compression_settings or {}).get("key", ""): r for r in links.of("rd_image")}
    for key, row in images.items():
        if key.endswith(":web"):  # the web image shown, linking the HQ one
            hq = images.get(key.removesuffix(":web") + ":hq", row)
            img = f'<img src="{links.url(row)}" alt="{_text(Path(row.file_path).name)}" loading="lazy">'
            items.append(
                f'<article><a href="{links.url(hq)}">{img}</a>'
                f'<p class="meta">{_text(Path(row.file_path).name)}</p></article>'
            )
    for row in links.of("rd_video"):
        items.append(
            f'<article><video controls preload="none" src="{links.url(row)}"></video>'
            f'<p class="meta">{_text(Path(row.file_path).name)}</p></article>'
        )
    return f'<section><h2>R&amp;D</h2><div class="grid">{"".join(items)}</div></section>' if items else ""


def _archive(session: ProcessingState, links: Links, records: list[str]) -> str:
    rows = [
        ("Project date", session.project_date),
        ("Session", session.session_id),
        ("Master", Path(session.master_path).name),
        ("Master SHA-256", session.master_sha256 or "-"),
        ("Preset", session.preset_id),
        ("Encoder", session.encoder_type),
    ]
    files = [
        (Path(r.file_path).name, links.url(r))
        for k in ("master", "contact_sheet", "contact_sheet_pdf", "editorial")
        for r in links.of(k)
    ]
    files += [(name, _text(quote(name))) for name in records]  # written right after this page
    listed = "".join(f"<dt>{_text(k)}</dt><dd>{_text(v)}</dd>" for k, v in rows)
    anchors = " · ".join(f'<a href="{url}">{_text(name)}</a>' for name, url in files)
    return f"<section><h2>Archive</h2><dl>{listed}</dl><p>{anchors}</p></section>"


def write_index_page(
    session: ProcessingState,
    root: Path,
    op: Operation,
    tmp: Path,
    timecode: Callable[[float], str] = seconds_timecode,
) -> None:
    """`timecode`: how a time (seconds from the master's first frame) is shown."""
    rows = list(
        FileRegistry.select()
        .where(FileRegistry.session == session.session_id)
        .order_by(bytewise(database, FileRegistry.file_path))
    )
    links = Links(root, rows)
    scenes = {s.index: s for s in scenes_of(session)}
    groups = [tuple(g) for g in session.grouped_scenes or []]
    grouped = {n for a, b in groups for n in range(a, b + 1)}
    spans = sorted([(n, n) for n in session.selected_scenes or [] if n not in grouped and n in scenes] + groups)
    titles = op.params.get("titles") or {}
    timecodes = op.params.get("timecodes") or {}
    units = "".join(
        _unit(links, scenes, (a, b), titles, timecodes.get(f"{a}-{b}" if b != a else str(a)), timecode)
        for a, b in spans
        if a in scenes and b in scenes
    )
    artwork = _text(session.artwork_name)
    credit_line = f"<p>{_text(session.credits)}</p>" if session.credits else ""
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{artwork}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{artwork}</h1><p>{_text(session.copyright_text or '')}</p>{credit_line}</header>"
        f"{_archive(session, links, op.params.get('records') or [])}"
        f'<section><h2>Scenes</h2><div class="grid">{units}</div></section>{_rd(links)}'
        f"<footer>Made by vat, {_text(utc_now())} UTC. Times are from the master's first frame.</footer>"
        "</body></html>\n"
    )
    tmp.write_text(page, encoding="utf-8")
