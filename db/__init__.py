"""vat's storage (SQLite, or a shared PostgreSQL catalogue): the seed's schema as Peewee models, its
views and triggers, migrations.

Call open_database() once at start-up; then use db.models, db.queries, db.settings and
db.maintenance. Never imports textual.
"""

from db.lazy_driver import import_peewee_without_psycopg

import_peewee_without_psycopg()  # first: every way into vat's code passes here or in core/tui's __init__

from db import models  # noqa: E402
from db.connection import close_database, database, db_file, open_database  # noqa: E402
from db.migrations import LATEST_VERSION  # noqa: E402

__all__ = ["LATEST_VERSION", "close_database", "database", "db_file", "models", "open_database"]
