"""The project folder as a terminal hyperlink (OSC 8): the auto_open_output setting's meaning over SSH.

vat cannot open a window on the user's machine from a server, but most terminals (iTerm2, GNOME
Terminal, Windows Terminal, kitty, WezTerm, tmux 3.4 passing it on) make a file:// link clickable;
the host name lets the terminal tell a remote folder from a local one."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import quote


def folder_url(folder: Path | str) -> str:
    """file://HOST/absolute/path, percent-encoded (spaces, brackets and control characters included)."""
    return f"file://{quote(socket.gethostname())}{quote(str(Path(folder).absolute()))}"


def wanted() -> bool:
    """The auto_open_output setting: show the link when a run ends."""
    from db.settings import get_setting

    return bool(get_setting("auto_open_output"))
