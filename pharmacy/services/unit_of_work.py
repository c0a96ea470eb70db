"""The one transaction of a service call.

Every service that changes something runs inside `unit_of_work(session)`: the block
commits when it ends, and any refusal or error rolls everything back, so nothing is
left half-written and no row lock outlives the call. Callers (web views, the command
line, tasks) never commit or roll back themselves. Work that must follow the commit
(publishing an outbox message) is done by the caller after the block, or registered
with `after_commit`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.orm import Session

_AFTER = "pharmacy.after_commit"
P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Commit at the end of the block, roll back if it raises. Nested blocks join the
    outermost one: only it commits."""
    if session.info.get("pharmacy.in_unit"):
        yield session
        return
    session.info["pharmacy.in_unit"] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop(_AFTER, None)
        raise
    finally:
        session.info.pop("pharmacy.in_unit", None)
    for call in session.info.pop(_AFTER, []):
        call()


def after_commit(session: Session, call: Callable[[], object]) -> None:
    """Run `call` once the unit of work this session is in has committed (never if it
    rolls back)."""
    session.info.setdefault(_AFTER, []).append(call)


def in_unit_of_work(service: Callable[P, R]) -> Callable[P, R]:
    """A service whose whole call is one unit of work; its first argument is the
    session."""

    @functools.wraps(service)
    def call(*args: Any, **kwargs: Any) -> Any:
        with unit_of_work(args[0]):
            return service(*args, **kwargs)

    return call  # type: ignore[return-value]
