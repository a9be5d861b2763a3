"""enter / p in the picker: the scene's first, middle and last frames, large; ←/→ walk the scenes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import get_current_worker

from core.scene import Scene
from tui.formatting import duration, timecode
from tui.picks import Picks
from tui.screens.base import WorkerErrors
from tui.thumbs import ThumbnailStore
from tui.widgets.picture import Picture

PREVIEW_WIDTH = 320  # pixels decoded per frame: more than any terminal cell grid will show
SLOTS = ("first", "middle", "last")


@dataclass
class FrameDecoded(Message):
    index: int  # scene (0-based)
    slot: int
    image: Image.Image | None
    error: str = ""


class PreviewScreen(WorkerErrors, ModalScreen[int]):
    """Dismisses with the index of the scene shown last (the picker's cursor follows)."""

    CSS_PATH = "preview.tcss"
    TITLE = "Scene preview"
    HELP = "The first, middle and last frame of the scene. ← → show the previous or next scene."
    BINDINGS = [
        Binding("escape,enter,p,q", "close", "Close", id="preview-close"),
        Binding("left,h,k", "step(-1)", "Previous scene", id="preview-previous"),
        Binding("right,l,j", "step(1)", "Next scene", id="preview-next"),
        Binding("space", "toggle_mark", "Mark", id="preview-toggle"),
    ]

    def __init__(
        self,
        store: ThumbnailStore,
        scenes: list[Scene],
        index: int,
        picks: Picks,
        on_change: Callable[[], None] | None = None,
    ):
        super().__init__()
        self.store, self.scenes, self.index, self.picks = store, scenes, index, picks
        self.on_change = on_change  # saves a mark at once: the connection may drop before the preview closes

    def compose(self) -> ComposeResult:
        with Vertical(id="preview"):
            yield Static("", id="preview-title", markup=False)
            with Horizontal(id="frames"):
                for slot in range(len(SLOTS)):
                    with Vertical(classes="frame"):
                        yield Static("", id=f"caption-{slot}", classes="caption", markup=False)
                        yield Picture(id=f"picture-{slot}")
            yield Static("← → previous/next scene · space mark · escape close", id="preview-hint")

    def on_mount(self) -> None:
        self._show()
        self.call_after_refresh(self._line_up)

    def on_resize(self) -> None:
        self.call_after_refresh(self._line_up)

    def _line_up(self) -> None:
        """Three columns of one whole width, centred (1fr columns round to widths a cell apart, and so
        did the gaps between the pictures: 2 and 3 cells at 120 columns); then their pictures' size."""
        width = self.query_one("#frames").content_size.width // len(SLOTS)
        for column in self.query(".frame"):
            column.styles.width = width
        self.call_after_refresh(self._share_box)

    def _share_box(self) -> None:
        """One size for the three pictures, the smallest column's: the same top, the same size, whatever
        a frame's own shape."""
        pictures = list(self.query(Picture))
        sizes = [picture.content_size for picture in pictures]
        box = (min(size.width for size in sizes), min(size.height for size in sizes))
        for picture in pictures:
            picture.set_box(box)

    def _frames(self, scene: Scene) -> list[int]:
        return [scene.start_frame, scene.midpoint_frame, scene.end_frame]

    def _show(self) -> None:
        scene = self.scenes[self.index]
        self._show_title()
        for slot, frame in enumerate(self._frames(scene)):
            self.query_one(f"#picture-{slot}", Picture).set_image(None, "decoding…")
            self.query_one(f"#caption-{slot}", Static).update(f"{SLOTS[slot]} · frame {frame}")
        self.decode(self.index)

    @work(thread=True, exclusive=True, exit_on_error=False, name="decoding preview frames")
    def decode(self, index: int) -> None:
        worker = get_current_worker()
        for slot, frame in enumerate(self._frames(self.scenes[index])):
            if worker.is_cancelled:
                return
            try:
                image = self.store.decode(frame, PREVIEW_WIDTH)
            except Exception as exc:  # noqa: BLE001 (one bad frame: say so in its slot, show the others)
                self.post_message(FrameDecoded(index, slot, None, str(exc)))
                continue
            self.post_message(FrameDecoded(index, slot, image))

    def on_frame_decoded(self, message: FrameDecoded) -> None:
        if message.index == self.index:  # a late frame of the scene shown before is dropped
            self.query_one(f"#picture-{message.slot}", Picture).set_image(
                message.image, f"cannot decode: {message.error}" if message.error else None
            )

    def action_step(self, step: int) -> None:
        index = max(0, min(self.index + step, len(self.scenes) - 1))
        if index != self.index:
            self.index = index
            self._show()

    def action_toggle_mark(self) -> None:
        self.picks.toggle(self.scenes[self.index].index)
        self._show_title()
        if self.on_change is not None:
            self.on_change()

    def _show_title(self) -> None:
        scene = self.scenes[self.index]
        mark = "marked" if scene.index in self.picks.selected else "not marked"
        self.query_one("#preview-title", Static).update(
            f"Scene {scene.index}/{len(self.scenes)} · {timecode(scene.start)} → {timecode(scene.end)} · "
            f"{duration(scene.duration)} · {mark}"
        )

    def action_close(self) -> None:
        self.dismiss(self.index)
