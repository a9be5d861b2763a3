"""ctrl+o in the New session form: browse for the master (a video file) or a folder."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Static

from tui.widgets.list_keys import NAV_BINDINGS, ListKeys
from tui.widgets.path_suggester import VIDEO_SUFFIXES


class VideoTree(ListKeys, DirectoryTree):
    """Folders and, unless only folders are wanted, video files; no hidden entries."""

    BINDINGS = NAV_BINDINGS

    def __init__(self, path: Path, folders: bool, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self.folders = folders

    def nav_position(self) -> tuple[int, int]:
        return self.cursor_line, self.last_line + 1

    def nav_to(self, row: int) -> None:
        self.cursor_line = row
        self.scroll_to_line(row, animate=False)

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        for path in paths:
            if path.name.startswith("."):
                continue
            if path.is_dir() or (not self.folders and path.suffix.lower() in VIDEO_SUFFIXES):
                yield path


def start_folder(typed: str) -> Path:
    path = Path(typed).expanduser() if typed.strip() else Path.cwd()
    while not path.is_dir() and path != path.parent:
        path = path.parent
    return path


class FilePickerScreen(ModalScreen[Path | None]):
    CSS_PATH = "file_picker.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="browse-cancel"),
        Binding("backspace", "up", "Parent folder", id="browse-up"),
        Binding("ctrl+s", "choose_folder", "Choose this folder", id="browse-choose"),
    ]

    def __init__(self, typed: str, folders: bool = False):
        super().__init__()
        self.folders = folders
        self.root = start_folder(typed)

    def compose(self) -> ComposeResult:
        what = "a folder: ctrl+s chooses the highlighted one" if self.folders else "the master video: enter chooses"
        with Vertical(id="browser"):
            yield Static(f"Choose {what} · backspace: parent folder · escape: cancel", id="browser-title")
            yield VideoTree(self.root, self.folders, id="tree")

    def on_mount(self) -> None:
        self.query_one(VideoTree).focus()

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        if not self.folders:
            self.dismiss(event.path)

    def action_choose_folder(self) -> None:
        tree = self.query_one(VideoTree)
        node = tree.cursor_node
        path = node.data.path if node is not None and node.data is not None else Path(tree.path)
        self.dismiss(path if path.is_dir() else path.parent)

    def action_up(self) -> None:
        tree = self.query_one(VideoTree)
        tree.path = Path(tree.path).parent

    def action_cancel(self) -> None:
        self.dismiss(None)
