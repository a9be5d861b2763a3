"""The render farm: a session's operations as tasks of Celery on a Redis broker, made by render nodes
(`vat farm worker`) over the shared PostgreSQL catalogue. Celery is imported only by app.py and
worker.py, and only when called: a plain SQLite vat never loads it (the farm extra)."""
