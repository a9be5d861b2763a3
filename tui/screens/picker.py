"""Scene picker: mark scenes, group adjacent ones, preview, re-detect, then start processing.

Every change is saved to the session at once (the cursor at most every half second), so a dropped
connection reopens the picker where the user left it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker

from core.catalogue.roots import resolve
from core.errors import VatError
from core.media.timecode import SourceTimecode
from core.pipeline.markers import file_chapters
from core.pipeline.selection import format_numbers
from core.pipeline.session_scenes import save_selection, scene_titles, scenes_of
from db.models import ProcessingState
from db.settings import get_setting
from tui.picker_selection import PickerSelection
from tui.picks import Picks
from tui.safe_text import markup_safe, terminal_safe
from tui.screens.base import WorkerErrors
from tui.screens.picker_graph import PickerGraph
from tui.screens.scene_texts import SceneTexts
from tui.thumbs import ThumbnailStore, Wanted
from tui.widgets.detection_graph import DetectionGraph
from tui.widgets.scene_grid import SceneGrid
from tui.widgets.scene_list import ColumnsChanged, Highlighted, RangeChanged, SceneList, VisibleChanged
from tui.widgets.scene_panel import ScenePanel, panel_width

log = logging.getLogger(__name__)
PREFETCH_ROWS = 30  # beyond the visible rows, both ways: thumbnails ready before the user gets there


@dataclass
class ThumbnailReady(Message):
    frame: int


class PickerScreen(WorkerErrors, Screen):
    CSS_PATH = "picker.tcss"
    TITLE = "Scene picker"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # a larger panel on wide terminals
    HELP = (
        "Mark the scenes to export with space (a: all, i: invert, x: none). Adjacent marked scenes\n"
        "become one clip with g (u undoes it). enter or p previews the first, middle and last frame;\n"
        "t detects again with another detector or threshold, keeping marks on scenes that did not\n"
        "change. Everything is saved as you go; ctrl+r starts processing in the background.\n"
        "begins: how each scene begins, a cut or a gradual transition and its length in frames:\n"
        "dis a dissolve, blk/wht a fade through black/white, oth another; the panel gives its span.\n"
        "e gives the scene a title, a note, its own credits and tags (names, metadata, editorial files, the\n"
        "manifest; the tags for the Catalogue).\n"
        "§ after a number: one of the master's own chapters starts in that scene (its title in the panel).\n"
        "d shows the detection graph: every frame's score, the threshold and the cuts; there -/+ lower or\n"
        "raise the threshold and </> the shortest scene: the scenes change at once, without decoding.\n"
        "o shows the scenes as a grid of thumbnails and back: the same keys, the arrows and h j k l move across.\n"
        "A range: shift+↑/↓ or J/K from the cursor, or V then any movement (V or escape leaves it);\n"
        "space, g, u, a, i and x then act on the range. ctrl+z undoes a selection change, ctrl+y redoes.\n"
        "/ goes to a scene number, a timecode (HH:MM:SS:FF) or a time from the start (MM:SS)."
    )
    BINDINGS = [
        Binding("space", "toggle_mark", "Mark", id="picker-toggle"),
        Binding("a", "select_all", "Mark all", show=False, id="picker-all"),
        Binding("i", "invert", "Invert marks", show=False, id="picker-invert"),
        Binding("x", "clear", "Clear marks", show=False, id="picker-clear"),
        Binding("g", "group", "Group", id="picker-group"),
        Binding("u", "ungroup", "Ungroup", show=False, id="picker-ungroup"),
        # Preview and Back in ? and ctrl+p: with Graph and Grid the footer fits 80 columns only without them
        Binding("enter,p", "preview", "Preview", show=False, id="picker-preview"),
        Binding("slash", "jump", "Jump", show=False, id="picker-jump"),  # in ? and ctrl+p: the footer is full at 80
        Binding("t", "redetect", "Re-detect", show=False, id="picker-redetect"),
        Binding("e", "edit_texts", "Title", show=False, id="picker-texts"),
        Binding("v", "tall", "Row size", show=False, id="picker-tall"),
        Binding("d", "graph", "Graph", id="picker-graph"),
        Binding("minus", "threshold(-1)", "Lower threshold", show=False, id="picker-threshold-down"),
        Binding("plus,equals_sign", "threshold(1)", "Raise threshold", show=False, id="picker-threshold-up"),
        Binding("less_than_sign", "min_len(-1)", "Shorter scenes", show=False, id="picker-min-len-down"),
        Binding("greater_than_sign", "min_len(1)", "Longer scenes", show=False, id="picker-min-len-up"),
        Binding("o", "grid", "Grid", id="picker-grid"),
        Binding("ctrl+z", "undo", "Undo", show=False, id="picker-undo"),
        Binding("ctrl+y", "redo", "Redo", show=False, id="picker-redo"),
        Binding("ctrl+s", "save", "Save", show=False, id="picker-save"),
        Binding("ctrl+r", "process", "Process", id="picker-process"),
        Binding("escape", "back", "Back", show=False, id="picker-back"),
    ]

    def __init__(self, session_id: str):
        super().__init__()
        self.session_id = session_id
        self.session = ProcessingState.get(ProcessingState.session_id == session_id)
        self.scenes = scenes_of(self.session)
        self.chapters = file_chapters(session_id)  # the master's own, read when it was detected
        meta = self.session.process_metadata or {}
        self.picks = Picks.from_saved(len(self.scenes), self.session.selected_scenes, self.session.grouped_scenes)
        self.titles = scene_titles(self.session)
        self.store = self._thumbnail_store(meta)
        self.wanted = Wanted()
        self._cursor_dirty = False
        self._cursor = int(meta.get("picker_cursor") or 0)  # kept here too: saved after unmount
        self._grid = meta.get("picker_view") == "grid"  # the view it was left in: the list or the grid
        self._tall = meta.get("picker_rows") == "tall"  # and the list's rows (v)
        self._status_text: str | None = None
        self._picks_status: tuple[Picks, tuple[int, int], str] | None = None  # status text of these picks
        self.graph = PickerGraph(self)  # d: the detection graph and live threshold
        self.selection = PickerSelection(self)  # the selection keys, their range and undo history

    def _thumbnail_store(self, meta: dict) -> ThumbnailStore | None:
        rotation = int((meta.get("media") or {}).get("rotation") or 0)
        try:
            return ThumbnailStore(resolve(self.session.master_path), rotation, bool(get_setting("cache_thumbnails")))
        except OSError:
            return None  # the master moved away: the picker still works, without pictures

    def thumbnail(self, frame: int) -> Image.Image | None:
        return self.store.cached(frame) if self.store else None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._title_text(), id="picker-title", markup=False)
        with Horizontal(id="picker-body"):
            with Vertical(id="list-column"):
                scene_list = SceneList(
                    self.scenes,
                    self.picks,
                    self.thumbnail,
                    cursor=self._cursor,
                    titles=self.titles,
                    chapters=self.chapters,
                    id="scenes",
                )
                yield Static(scene_list.header_text(), id="list-header", markup=False)
                yield scene_list
                yield SceneGrid(scene_list, self.thumbnail, id="grid")
            hours = bool(self.scenes) and self.scenes[-1].end >= 3600  # as the list shows times
            yield ScenePanel(
                self.thumbnail,
                hours=hours,
                chapters=self.chapters,
                id="scene-panel",
                source_timecode=self._source_timecode(),
            )
        yield DetectionGraph(id="detection-graph")
        yield Static("", id="picker-status", markup=False)
        yield Footer(compact=True)  # every key, ? included, fits in 80 columns

    def _source_timecode(self) -> SourceTimecode | None:
        """The master's start timecode as recorded with the session (no probe here), counting on."""
        meta = self.session.process_metadata or {}
        media = meta.get("media") or {}
        fps = float(media.get("fps") or meta.get("fps") or 0)
        return SourceTimecode.of(fps, media.get("timecode")) if fps > 0 else None

    def _title_text(self) -> str:
        meta = self.session.process_metadata or {}
        detector = str(meta.get("detector", "adaptive"))
        names = terminal_safe(f"{self.session.artwork_name} · {Path(self.session.master_path).name}")
        if detector.startswith("file:"):  # vat run --scenes-from: no threshold, no minimum length
            return f"{names} · {len(self.scenes)} scenes (from {terminal_safe(detector[5:])})"
        threshold = self.session.scene_threshold
        setting = f"{detector} {threshold:g}" if threshold is not None else detector
        shortest = self.session.min_scene_length
        frames = "frame" if shortest == 1 else "frames"
        return f"{names} · {len(self.scenes)} scenes ({setting}, min {shortest} {frames})"

    @property
    def scene_list(self) -> SceneList:
        return self.query_one(SceneList)

    @property
    def grid(self) -> SceneGrid:
        return self.query_one(SceneGrid)

    def on_mount(self) -> None:
        self.selection.take_up()  # ctrl+z reaches back past leaving the picker and coming back
        if self._tall:
            self._set_tall(True)
        self._show_view()
        self._show_current()
        self._warn_if_archived()
        self.set_interval(0.5, self.flush_cursor)
        if self.store is not None:
            self.make_thumbnails()
        else:
            self.notify(
                f"{markup_safe(resolve(self.session.master_path))}: cannot read the master, so no thumbnails",
                severity="warning",
            )

    def _warn_if_archived(self) -> None:
        """As `vat run` warns: this master (by its hash, taken beside the detection) is archived already."""
        from core.pipeline.archived import archived_as, describe_latest

        digest = self.session.master_sha256
        earlier = archived_as(digest, exclude=self.session.session_id) if digest else []
        if earlier:
            self.notify(
                f"This master is already archived: {markup_safe(describe_latest(earlier))}",
                severity="warning",
                timeout=15,
            )

    def on_resize(self) -> None:
        self._fit_panel()

    def _fit_panel(self) -> None:
        """The panel (and its picture) as wide as the list leaves room for."""
        column = self.query_one("#list-column")  # its border is the list's too
        wants = self.scene_list.wanted_width() + column.styles.gutter.width
        self.query_one(ScenePanel).styles.width = panel_width(self.size.width, wants)

    def on_unmount(self) -> None:
        self.wanted.close()
        if not self.graph.flush():  # a new threshold being applied: it saves the picks it renumbers
            self.flush_cursor()

    # --- thumbnails --------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="thumbnails", exit_on_error=False, name="making thumbnails")
    def make_thumbnails(self) -> None:
        worker = get_current_worker()
        store = self.store
        if store is None:  # on_mount starts this only with a store
            return
        failed: set[int] = set()
        while not worker.is_cancelled and not self.wanted.closed:  # closed: next() no longer waits
            frame = self.wanted.next(timeout=0.25)
            if frame is None or frame in failed:
                continue
            if store.cached(frame) is not None:
                continue
            try:
                store.load(frame)
            except (VatError, OSError, ValueError, IndexError) as exc:
                failed.add(frame)  # one undecodable frame must not stop the others
                log.warning("thumbnail of frame %s: %s", frame, exc)
                continue
            self.post_message(ThumbnailReady(frame))

    def _want_thumbnails(self) -> None:
        scene_list = self.scene_list
        rows = self.grid.visible_rows() if self._grid else scene_list.visible_rows()
        order = [scene_list.cursor, *rows]
        order += [i for k in range(1, PREFETCH_ROWS + 1) for i in (rows.stop - 1 + k, rows.start - k)]
        self.wanted.set([scene_list.picture_frames[i] for i in order if 0 <= i < len(self.scenes)])

    def on_thumbnail_ready(self, message: ThumbnailReady) -> None:
        self.scene_list.thumbnail_ready(message.frame)
        self.grid.thumbnail_ready(message.frame)
        self.query_one(ScenePanel).thumbnail_ready(message.frame)

    @on(VisibleChanged)
    def _visible_changed(self) -> None:
        self._want_thumbnails()

    @on(ColumnsChanged)
    def _columns_changed(self, message: ColumnsChanged) -> None:
        self.query_one("#list-header", Static).update(message.header)

    @on(RangeChanged)
    def _range_changed(self) -> None:
        if self._grid:
            self.grid.refresh()  # the range is drawn in its cells
        self._show_status()

    @on(Highlighted)
    def _highlighted(self, message: Highlighted) -> None:
        self._cursor, self._cursor_dirty = message.index, True
        if self._grid:
            self.grid.cursor_moved()
        self._show_current()

    # --- what the screen shows ---------------------------------------------------------------
    def _show_current(self) -> None:
        self.graph.sync()
        if not self.scenes:
            self.query_one(ScenePanel).show(None, False, "")
            self._show_status()
            return
        at = self.scene_list.cursor
        scene = self.scenes[at]
        after = self.scenes[at + 1] if at + 1 < len(self.scenes) else None  # its transition ends this scene
        found = self.picks.group_of(scene.index)
        group = f"in group g{found[0]}: scenes {found[1]}-{found[2]}, one clip" if found else ""
        panel = self.query_one(ScenePanel)
        panel.texts = (self.titles.get(scene.index, ""), self._note_of(scene.index))
        panel.show(scene, scene.index in self.picks.selected, group, after)
        self._show_status()
        self._want_thumbnails()

    def _picks_text(self) -> str:
        """The status line's marks and groups, made again only when the picks change: every scene's
        number goes through it, 1 ms a key at 3,000 scenes, and a cursor move changes none of it."""
        picks, key = self.picks, (self.picks.version, len(self.scenes))
        kept = self._picks_status
        if kept is None or kept[0] is not picks or kept[1] != key:  # picks are replaced on re-detection
            marked = len(self.picks.selected)
            groups = ", ".join(f"g{i} {a}-{b}" for i, (a, b) in enumerate(self.picks.groups, start=1))
            text = f"{marked}/{len(self.scenes)} marked"
            if marked and marked < len(self.scenes):
                text += f" ({format_numbers(self.picks.chosen())})"
            text += f" · groups: {groups}" if groups else " · no groups"
            kept = self._picks_status = (picks, key, text)
        return kept[2]

    def _show_status(self) -> None:
        text = self._picks_text()
        span = self.scene_list.range_span()
        if span is not None:  # first: at 80 columns the end of the line may be cut
            kind = "visual range" if self.scene_list.range.visual else "range"
            text = f"{kind} {span[0]}-{span[1]} (esc ends it) · {text}"
        text += " · saved"
        if text != self._status_text:  # a cursor move changes nothing here: no repaint at all
            self._status_text = text
            # one line high and as wide as the screen whatever it says: no layout of the screen
            self.query_one("#picker-status", Static).update(text, layout=False)

    def _changed(self) -> None:
        self.scene_list.picks_changed()
        self.grid.refresh()
        self.save()
        self._show_current()

    # --- keys ----------------------------------------------------------------------------------
    def _current_number(self) -> int | None:
        return self.scenes[self.scene_list.cursor].index if self.scenes else None

    # the selection keys act on the range when there is one: tui.picker_selection
    def action_toggle_mark(self) -> None:
        self.selection.toggle_mark()

    def action_select_all(self) -> None:
        self.selection.select_all()

    def action_invert(self) -> None:
        self.selection.invert()

    def action_clear(self) -> None:
        self.selection.clear()

    def action_group(self) -> None:
        self.selection.group()

    def action_ungroup(self) -> None:
        self.selection.ungroup()

    def action_undo(self) -> None:
        self.selection.undo()

    def action_redo(self) -> None:
        self.selection.redo()

    def action_grid(self) -> None:
        """o: the list or the grid of thumbnails, one cursor for both; remembered with the session."""
        self._grid = not self._grid  # a range goes on in the other view: one cursor, one range
        self._show_view()
        self.save()

    def _show_view(self) -> None:
        self.query_one("#list-header").display = self.scene_list.display = not self._grid
        self.grid.display = self._grid
        (self.grid if self._grid else self.scene_list).focus()
        if not self._grid:
            self.scene_list.call_after_refresh(self.scene_list.scroll_to_cursor, center=True)

    def action_tall(self) -> None:
        """v: tall rows (three lines, a larger thumbnail) or short ones; remembered with the session."""
        self._set_tall(not self._tall)
        self.save()

    def _set_tall(self, tall: bool) -> None:
        self._tall = tall
        self.scene_list.set_tall(tall)
        self.query_one("#list-header", Static).update(self.scene_list.header_text())
        self._fit_panel()  # the thumbnails' width changed what the list wants

    def action_graph(self) -> None:
        self.graph.toggle()

    def action_threshold(self, direction: int) -> None:
        self.graph.step(threshold=direction)

    def action_min_len(self, direction: int) -> None:
        self.graph.step(min_len=direction)

    def _note_of(self, number: int) -> str:
        from core.pipeline.scene_texts import texts_of

        return texts_of(self.session, number)[1]

    def action_edit_texts(self) -> None:
        from core.catalogue.tags import scene_start_frame, tags_of
        from core.pipeline.scene_texts import credits_of, texts_of
        from tui.screens.scene_texts import SceneTextsScreen

        number = self._current_number()
        if number is None:
            return
        title, note = texts_of(self.session, number)
        detected = next(
            (str(r.get("detected_title") or "") for r in self.session.scenes_data or [] if r.get("index") == number), ""
        )
        tags = ", ".join(tags_of(self.session.session_id, scene_start_frame(self.session, number)))
        dialog = SceneTextsScreen(self.session, number, title, note, detected, credits_of(self.session, number), tags)
        self.app.push_screen(dialog, lambda texts: self._save_texts(number, texts))

    def _save_texts(self, number: int, texts: SceneTexts | None) -> None:
        """Saved at once, as every change in the picker (a dropped connection loses nothing). A scene's
        tags are keyed by its first frame (core/catalogue/tags.py): they stay with it over re-detection."""
        from core.catalogue.tags import scene_start_frame, set_tags, split_tags
        from core.pipeline.scene_texts import set_texts

        if texts is None:
            return
        try:
            set_texts(self.session, number, texts.title, texts.note, texts.credits)
            set_tags(self.session.session_id, split_tags(texts.tags), scene_start_frame(self.session, number))
        except VatError as exc:  # the dialog checked it; another writer may have changed the names since
            self.notify(markup_safe(exc.message), severity="error")
            return
        self.titles = scene_titles(self.session)
        self.scene_list.set_titles(self.titles)
        self._fit_panel()
        self._show_current()

    def action_preview(self) -> None:
        from tui.screens.preview import PreviewScreen

        if not self.scenes:
            return
        if self.store is None:  # say why enter does nothing
            self.notify(
                f"{markup_safe(resolve(self.session.master_path))}: cannot read the master, so cannot preview",
                severity="warning",
            )
            return
        self.app.push_screen(
            PreviewScreen(
                self.store, self.scenes, self.scene_list.cursor, self.picks, on_change=self.selection.outside_change
            ),
            self._preview_closed,
        )

    def _preview_closed(self, index: int | None) -> None:
        if index is not None:
            self.scene_list.move_to(index)
        self.scene_list.picks_changed()  # the preview may have marked scenes
        self.grid.refresh()
        self.save()
        self._show_current()

    def action_jump(self) -> None:
        from tui.screens.jump import JumpScreen

        if self.scenes:
            self.app.push_screen(JumpScreen(self.scenes, self._source_timecode()), self._jump_to)

    def _jump_to(self, number: int | None) -> None:
        if number is not None:
            self.scene_list.move_to(number - 1)
            self.scene_list.scroll_to_cursor(center=True)

    def action_redetect(self) -> None:
        from tui.screens.redetect import RedetectScreen

        meta = self.session.process_metadata or {}
        self.app.push_screen(
            RedetectScreen(
                meta.get("detector", "adaptive"), self.session.scene_threshold, self.session.min_scene_length
            ),
            self._redetect_with,
        )

    def _redetect_with(self, params: tuple[str, float, int] | None) -> None:
        from tui.screens.detection import DetectionScreen

        if params is None:
            return
        self.flush_cursor()
        carry = (self.scenes, self.picks, self.scene_list.cursor)
        self.app.push_screen(DetectionScreen(self.session_id, *params, carry=carry), self._redetected)

    def _redetected(self, done: bool | None) -> None:
        if not done:
            return
        self.session = ProcessingState.get(ProcessingState.session_id == self.session_id)
        self.scenes = scenes_of(self.session)
        self.titles = scene_titles(self.session)  # carried for the scenes that did not change
        self.scene_list.set_titles(self.titles)
        self._fit_panel()
        self.picks = Picks.from_saved(len(self.scenes), self.session.selected_scenes, self.session.grouped_scenes)
        self._cursor = int((self.session.process_metadata or {}).get("picker_cursor") or 0)
        self.scene_list.set_scenes(self.scenes, self.picks, self._cursor)
        self.grid.scenes_changed()
        self.selection.reset()  # undo would name other scenes now
        self.scene_list.scroll_to_cursor(center=True)
        self.query_one("#list-header", Static).update(self.scene_list.header_text())
        self.query_one("#picker-title", Static).update(self._title_text())
        self._show_current()

    def action_save(self) -> None:
        self.save()
        self.notify("selection saved")

    def save(self) -> None:
        view, rows = "grid" if self._grid else "list", "tall" if self._tall else "short"
        save_selection(self.session, self.picks.chosen(), list(self.picks.groups), self._cursor, view, rows)
        self._cursor_dirty = False

    def flush_cursor(self) -> None:
        if self._cursor_dirty:
            self.save()

    def action_back(self) -> None:
        self.flush_cursor()
        self.app.action_sessions()

    def action_process(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        self.save()
        if self.picks.selected:
            self._start_processing(True)
            return
        self.app.push_screen(
            ConfirmScreen(
                "No scene is marked. Process only the master copy and the R&D folder?", title="Nothing marked"
            ),
            self._start_processing,
        )

    def _start_processing(self, go: bool | None) -> None:
        from core.pipeline.background import started_alive
        from tui.queue_start import process_or_queue
        from tui.screens.processing import ProcessingScreen

        if not go:
            return
        queued = process_or_queue(self.session_id)  # in line if another is processing (source tui)
        if queued is not None:
            from tui.screens.queue import QueueScreen

            self.notify(markup_safe(queued.message()))
            self.app.switch_screen(QueueScreen(select=self.session_id))
            return
        if started_alive(self.session_id):  # started now (not one already running)
            self.app.started_here.add(self.session_id)
        self.app.switch_screen(ProcessingScreen(self.session_id, just_started=True))
