"""What the farm needs before anything starts: a broker, the shared catalogue, and Celery itself.
Each missing one is said in one line (a broker's password never shown)."""

from __future__ import annotations

import os
from types import ModuleType

from core.errors import BadInput, EnvironmentProblem
from db import backend, connection

BROKER_ENV = "VAT_BROKER"
BROKER_SCHEMES = ("redis://", "rediss://")


def broker_url(given: str | None) -> str:
    """--broker, else $VAT_BROKER; a Redis URL (redis://host:port/N)."""
    url = given or os.environ.get(BROKER_ENV) or ""
    if not url:
        raise BadInput(f"the farm needs a broker: give --broker redis://HOST:PORT/N or set {BROKER_ENV}")
    if not url.startswith(BROKER_SCHEMES):
        shown = backend.without_password(url) if "://" in url else url
        raise BadInput(f"{shown}: not a Redis broker URL (redis://HOST:PORT/N)")
    return url


def farm_intent(url: str) -> dict[str, str | None]:
    """What a session sent to the farm records at once (process_metadata["farm"]), so that whichever
    queue runner's turn it is sends it to the farm too: its broker, only where the URL has no password (one
    is never stored: that runner needs VAT_BROKER then)."""
    return {"broker": None if backend.split_password(url)[1] else url}


def broker_of(session_id: str, intent: dict) -> str:
    """The broker a session sent to the farm goes to in its turn: $VAT_BROKER, else the one it recorded."""
    url = os.environ.get(BROKER_ENV) or intent.get("broker") or ""
    if not url:
        raise BadInput(
            f"session {session_id} goes to the render farm, whose broker has a password and was not recorded: "
            f"set {BROKER_ENV}, or run vat --resume --farm {session_id}"
        )
    return broker_url(url)


def shown_broker(url: str) -> str:
    """The broker as it may be shown (logs, the ready line): without its password."""
    return backend.without_password(url)


def require_shared_catalogue() -> None:
    """The farm's nodes and coordinator meet in the catalogue: a SQLite file is one machine's."""
    shared = connection.is_postgres() if not connection.database.deferred else backend.is_url(connection.db_location())
    if not shared:
        raise BadInput("the farm needs the shared catalogue: set VAT_DB=postgresql://...")


def require_celery() -> ModuleType:
    """Celery (the farm extra), imported only here and when the farm is used."""
    try:
        import celery
    except ImportError:
        raise EnvironmentProblem("the farm needs Celery, which is not installed: pip install 'vat[farm]'") from None
    return celery
