"""vat's SQLite storage: the seed's schema as Peewee models, its views and triggers, migrations.

Call open_database() once at start-up; then use db.models, db.queries, db.settings and
db.maintenance. Never imports textual.
"""

from db import models
from db.connection import close_database, database, db_file, open_database
from db.migrations import LATEST_VERSION

__all__ = ["LATEST_VERSION", "close_database", "database", "db_file", "models", "open_database"]
