"""The broker as the coordinator meets it: reached before anything is sent or recorded, and named
without its password when it cannot be (exit 3)."""

from __future__ import annotations

from typing import Any

from core.errors import EnvironmentProblem


def reach_broker(broker: str) -> None:
    """The broker answers (EnvironmentProblem, exit 3, naming it without its password, when not)."""
    from core.farm.app import make_app

    check_broker(make_app(broker), broker)


def check_broker(app: Any, broker: str) -> None:
    """The broker reached before anything is sent or recorded (exit 3 when it cannot be)."""
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0.2)  # one quick second try
    except Exception as exc:
        if is_broker_fault(exc):
            raise broker_problem(broker, exc) from None
        raise


def is_broker_fault(exc: BaseException) -> bool:
    from kombu.exceptions import OperationalError

    return isinstance(exc, (OperationalError, OSError))


def broker_problem(broker: str, exc: BaseException) -> EnvironmentProblem:
    from db.backend import redact, without_password

    return EnvironmentProblem(f"cannot reach the broker {without_password(broker)}: {redact(str(exc))}")
