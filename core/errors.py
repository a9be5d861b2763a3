"""Typed errors with the exit codes of the command line (see README: exit codes).

Defined in db/errors.py, the bottom floor, so db/ raises the same classes without importing core/.
"""

from db.errors import (
    EXIT_BAD_INPUT,
    EXIT_ENVIRONMENT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    BadInput,
    Busy,
    Cancelled,
    EnvironmentProblem,
    MediaError,
    VatError,
)

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_ENVIRONMENT",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "BadInput",
    "Busy",
    "Cancelled",
    "EnvironmentProblem",
    "MediaError",
    "VatError",
]
