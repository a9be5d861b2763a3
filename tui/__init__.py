"""vat's faces: the Textual app and the command line."""

from db.lazy_driver import import_peewee_without_psycopg

import_peewee_without_psycopg()  # before any module of this package imports peewee (db/lazy_driver.py)
