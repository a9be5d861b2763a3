"""vat's domain services: ffmpeg, probing, scenes, presets, plans and the runner. Never imports Textual."""

from db.lazy_driver import import_peewee_without_psycopg

import_peewee_without_psycopg()  # before any module of this package imports peewee (db/lazy_driver.py)
