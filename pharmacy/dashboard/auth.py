"""Logging in and out, the login every page needs, and the idle timeout.

- Sessions are Flask's signed cookies, HttpOnly and SameSite=Lax (Secure in production
  with SESSION_COOKIE_SECURE=true); the session is cleared at login, so an id planted
  before it is worthless, and Flask-Login's "strong" protection drops a session whose
  browser or address changes.
- Revocable: the session carries the account's session version, raised at every
  sign-out (and password change), so a copied cookie is worthless once its user signs
  out; and it ends SESSION_ABSOLUTE_HOURS (12) after its login, however active.
- Idle timeout: a session unused for PERMANENT_SESSION_LIFETIME (default 15 minutes,
  SESSION_IDLE_MINUTES) is signed out at its next request, which is audited. Each
  request refreshes the time; Flask also refuses a cookie older than that lifetime.
- Throttling (`pharmacy.services.counter.logins`): failures are stored in the database per
  username and address, so every gunicorn worker counts the same ones: after
  LOGIN_MAX_FAILURES (5) within LOGIN_FAILURE_WINDOW_S (15 minutes), that username is
  refused from that address (429) until they age out.
- The account is read again at every request: a deactivated account is signed out at
  once, and a changed role counts from the next click.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Protocol
from urllib.parse import urlsplit

from flask import (
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import UserMixin, current_user, login_user, logout_user

from pharmacy.extensions import database, login_manager
from pharmacy.services import ServiceError
from pharmacy.services.admin import users
from pharmacy.services.counter import logins

from . import blueprint
from .roles import EVERYONE, allow, staff

PUBLIC_ENDPOINTS = {"dashboard.login", "dashboard.static"}
SEEN = "seen"  # when the session last made a request, in seconds since the epoch
STARTED = "started"  # when it logged in
VERSION = "version"  # the account's session_version it was made under

login_manager.session_protection = "strong"


class Account(Protocol):
    """What the login reads of the account `users.signed_in` gives."""

    id: int
    active: bool
    session_version: int


class SignedIn(UserMixin):
    """The logged-in user for Flask-Login: the account, read at each request."""

    def __init__(self, user: Account) -> None:
        self.user = user

    def get_id(self) -> str:
        return str(self.user.id)

    @property
    def is_active(self) -> bool:
        return self.user.active


@login_manager.user_loader
def _load_user(user_id: str) -> SignedIn | None:
    if not user_id.isascii() or not user_id.isdigit():
        return None
    user = users.signed_in(database.session, int(user_id))
    return SignedIn(user) if user is not None else None


def _to_login(message: str | None = None) -> Response:
    if message:
        flash(message, "info")
    target = url_for("dashboard.login", next=request.path if request.method == "GET" else None)
    if request.headers.get("HX-Request"):
        response = Response(status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


@blueprint.before_request
def _require_login():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return _to_login()
    now = int(time.time())
    user = current_user.user
    if session.get(VERSION) != user.session_version:  # signed out, here or elsewhere
        _end_session()
        return _to_login("Your session has ended. Sign in again.")
    started = session.get(STARTED)
    longest = float(current_app.config["SESSION_ABSOLUTE_HOURS"]) * 3600
    if not isinstance(started, int) or now - started > longest:
        logins.log_out(database.session, user, reason="expired", request_id=g.get("request_id"))
        _end_session()
        return _to_login("Your session reached its time limit. Sign in again.")
    idle: timedelta = current_app.permanent_session_lifetime
    seen = session.get(SEEN)
    if not isinstance(seen, int) or now - seen > idle.total_seconds():
        logins.log_out(
            database.session, current_user.user, reason="idle", request_id=g.get("request_id")
        )
        _end_session()
        minutes = round(idle.total_seconds() / 60)
        return _to_login(f"You were signed out after {minutes} minutes without activity.")
    session[SEEN] = now
    return None


def _end_session() -> None:
    logout_user()
    session.clear()


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host, never a scheme."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("dashboard.queue"))
    next_page = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("dashboard/login.html", next_page=next_page)
    username = request.form.get("username", "")
    config = current_app.config
    throttle = logins.Throttle(
        int(config["LOGIN_MAX_FAILURES"]),
        timedelta(seconds=float(config["LOGIN_FAILURE_WINDOW_S"])),
    )
    try:
        user = logins.log_in(
            database.session,
            username,
            request.form.get("password", ""),
            request.remote_addr or "unknown",
            throttle,
            request_id=g.get("request_id"),
        )
    except logins.LoginThrottled as refusal:
        response = Response(
            render_template(
                "dashboard/login.html",
                error=refusal.message,
                username=username,
                next_page=next_page,
            ),
            status=429,
        )
        response.headers["Retry-After"] = str(refusal.retry_after_s)
        return response
    except logins.LoginRefused as refusal:
        page = render_template(
            "dashboard/login.html", error=refusal.message, username=username, next_page=next_page
        )
        return Response(page, status=401)
    session.clear()  # a fresh session: nothing from before the login carries over
    login_user(SignedIn(user))
    session.permanent = True
    session[SEEN] = session[STARTED] = int(time.time())
    session[VERSION] = user.session_version
    return redirect(next_page or url_for("dashboard.queue"))


@blueprint.post("/logout")
def logout():
    logins.log_out(
        database.session, current_user.user, reason="signed_out", request_id=g.get("request_id")
    )
    _end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("dashboard.login"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@allow(*EVERYONE)
def change_password():
    """Anyone signed in changes their own password; this session stays signed in."""
    if request.method == "GET":
        return render_template("dashboard/password.html")
    new = request.form.get("new", "")
    user = current_user.user
    try:
        if new != request.form.get("repeat", ""):
            raise ServiceError("the two new passwords are not the same")
        users.change_password(
            database.session, user, request.form.get("current", ""), new, staff().actor
        )
    except ServiceError as refusal:
        return Response(
            render_template("dashboard/password.html", error=refusal.message), status=422
        )
    session[VERSION] = user.session_version
    flash("Your password is changed; your other sessions are signed out.", "info")
    return redirect(url_for("dashboard.queue"))
