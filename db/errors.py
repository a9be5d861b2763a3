"""Typed errors with the exit codes of the command line (see README: exit codes).

They live at the bottom floor so db/ can raise them without importing core/ (the arrows point
down only); core.errors re-exports them for core/ and tui/.
"""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERRUPTED = 130


class VatError(Exception):
    """An error meant for the user: one line, naming the file and what is wrong."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))

    @property
    def message(self) -> str:
        return str(self)


class BadInput(VatError):
    """The user gave a file, name or option that cannot be used."""

    exit_code = EXIT_BAD_INPUT


class Busy(BadInput):
    """The session is being worked on elsewhere (the render farm): refused, and nothing of it changes."""


class MediaError(BadInput):
    """A file is not media, is empty or is truncated."""


class EnvironmentProblem(VatError):
    """The machine lacks something vat needs (ffmpeg, a writable folder, a working encoder)."""

    exit_code = EXIT_ENVIRONMENT


class Cancelled(VatError):
    """Work was stopped on request (Ctrl-C, SIGTERM, SIGHUP, the user's cancel)."""

    exit_code = EXIT_INTERRUPTED
