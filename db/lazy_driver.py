"""psycopg, imported only for a PostgreSQL catalogue.

Peewee imports psycopg at its own import whenever psycopg is installed (the postgres and farm extras):
0.1-0.2 s on every start of vat, with a SQLite database too (bench/startup.py times the start). So vat
imports peewee with psycopg hidden, and hands peewee the driver when a PostgreSQL catalogue is opened:
the four names peewee binds at import and the adapter's three constants (peewee 4, pinned below 5).
"""

from __future__ import annotations

import sys


def import_peewee_without_psycopg() -> None:
    """Import peewee without its psycopg import (nothing to do when either is imported already)."""
    if "peewee" in sys.modules or "psycopg" in sys.modules:
        return
    sys.modules["psycopg"] = None  # type: ignore[assignment]  # None in sys.modules: `import psycopg` fails
    try:
        import peewee  # noqa: F401
    finally:
        if "psycopg" in sys.modules and sys.modules["psycopg"] is None:
            del sys.modules["psycopg"]


def hand_psycopg_to_peewee() -> None:
    """Give peewee the driver it would have bound at import (raises ImportError without psycopg)."""
    import peewee
    import psycopg

    if getattr(peewee, "psycopg", None) is not None:
        return
    from psycopg.pq import TransactionStatus
    from psycopg.types.json import Json, Jsonb

    bound = {"psycopg": psycopg, "TransactionStatus": TransactionStatus, "Json_pg3": Json, "Jsonb_pg3": Jsonb}
    for name, value in bound.items():
        setattr(peewee, name, value)
    adapter = peewee.Psycopg3Adapter
    adapter.txn_idle = TransactionStatus.IDLE
    adapter.txn_inerror = TransactionStatus.INERROR
    adapter.txn_unknown = TransactionStatus.UNKNOWN
