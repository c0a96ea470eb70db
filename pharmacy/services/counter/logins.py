"""Staff logins to the dashboard: a slow password check, throttled after failures.

Throttling counts failures per username *and* address, in the database (so every web
worker sees the same count): after `max_failures` within `window`, that username is
refused from that address, without its password being checked, until the oldest of
those failures ages out of the window. Someone guessing one account's password gets a
handful of tries per window; the account's owner at another workstation is not locked
out by it. A success clears the failures of that username and address.

Every attempt is audited. A username that names no one is not written to the audit
trail (people type their password into the wrong box), and an unknown username costs
the same hash check as a known one, so timing does not tell which usernames exist.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from pharmacy.domain.passwords import MAX_CHARS
from pharmacy.models import LoginFailure, User, utcnow
from pharmacy.services import Actor, ServiceError
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

USERNAME_MAX_CHARS = 80
PASSWORD_MAX_CHARS = MAX_CHARS  # a longer "password" is refused before it is hashed


@dataclass(frozen=True)
class Throttle:
    max_failures: int
    window: timedelta


class LoginRefused(ServiceError):
    code = "login_refused"


class LoginThrottled(ServiceError):
    code = "login_throttled"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@functools.cache
def _stand_in_hash() -> str:
    """Checked against for an unknown username, so it costs what a real check costs."""
    return generate_password_hash("no user has this password")


def user_actor(user: User) -> Actor:
    return Actor("user", str(user.id), user.username)


def log_in(
    session: Session,
    username: str,
    password: str,
    address: str,
    throttle: Throttle,
    *,
    now: datetime | None = None,
    request_id: str | None = None,
) -> User:
    """The active user with this username and password, or a refusal saying why not.
    A refusal is audited (and a failure counted) before it is raised."""
    with unit_of_work(session):
        user, refusal = _attempt(session, username, password, address, throttle, now, request_id)
    if refusal is not None:
        raise refusal
    return user


def _attempt(
    session: Session,
    username: str,
    password: str,
    address: str,
    throttle: Throttle,
    now: datetime | None,
    request_id: str | None,
) -> tuple[User | None, ServiceError | None]:
    now = now or utcnow()
    username = username.strip()[:USERNAME_MAX_CHARS]
    address = address[:64]
    user = session.scalar(select(User).where(User.username == username)) if username else None
    actor = user_actor(user) if user else Actor("user", "0", "unknown")
    recent = session.scalars(
        select(LoginFailure.at)
        .where(
            LoginFailure.username == username,
            LoginFailure.address == address,
            LoginFailure.at > now - throttle.window,
        )
        .order_by(LoginFailure.at.desc())
        .limit(throttle.max_failures)
    ).all()
    if len(recent) >= throttle.max_failures:
        wait = recent[-1] + throttle.window - now
        trail.record(session, actor, "login.throttled", request_id=request_id, failures=len(recent))
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        return None, LoginThrottled(
            f"Too many failed logins for this username from this computer. "
            f"Try again in {minutes} minute{'s' if minutes > 1 else ''}, or ask an "
            "administrator.",
            max(1, math.ceil(wait.total_seconds())),
        )
    hashed = user.password_hash if user else _stand_in_hash()
    matches = len(password) <= PASSWORD_MAX_CHARS and check_password_hash(hashed, password)
    if user is None or not matches:
        session.execute(delete(LoginFailure).where(LoginFailure.at <= now - throttle.window))
        session.add(LoginFailure(username=username, address=address, at=now))
        trail.record(session, actor, "login.failed", request_id=request_id)
        return None, LoginRefused("Wrong username or password.")
    if not user.active:
        trail.record(session, actor, "login.refused_inactive", request_id=request_id)
        return None, LoginRefused("This account is deactivated. Ask an administrator.")
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.username == username, LoginFailure.address == address
        )
    )
    trail.record(session, actor, "login.succeeded", request_id=request_id)
    return user, None


def log_out(session: Session, user: User, *, reason: str, request_id: str | None = None) -> None:
    """`reason`: "signed_out" by the user, "idle" or "expired" when the session timed
    out. Every session of the account ends with it (`User.session_version`)."""
    with unit_of_work(session):
        user.session_version += 1
        trail.record(session, user_actor(user), "logout", request_id=request_id, reason=reason)
