"""LDN order and label service: the Flask application factory."""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
import uuid
from typing import Any

from flask import Flask, g, jsonify, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import text
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config, logs, rate_limits
from .extensions import database
from .queue import broker_reachable, queue

MAX_BODY_BYTES = 64 * 1024
# Where programs call with API keys: the JSON API and its HL7 FHIR front door.
MACHINE_PATHS = ("/api/", "/fhir/")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
log = logging.getLogger("pharmacy.http")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=config.instance_path(), instance_relative_config=True)
    app.config.from_mapping(config.from_environment())
    if test_config:
        app.config.update(test_config)
    register_settings(app)
    os.makedirs(app.instance_path, exist_ok=True)  # home of the embedded database
    logs.configure(app.config["LOG_LEVEL"])
    database.init_app(app)
    queue.init_app(app)
    register_request_ids(app)
    register_blueprints(app)
    register_dashboard(app)
    register_error_handlers(app)
    rate_limits.init_app(app)
    return app


class StaffSessions(SecureCookieSessionInterface):
    """Cookie sessions are the dashboard staff's; the API knows its callers by their
    keys alone, so its requests neither read nor write a session cookie."""

    def open_session(self, app: Flask, request):
        if request.path.startswith(MACHINE_PATHS):
            return self.null_session_class()
        return super().open_session(app, request)


def register_settings(app: Flask) -> None:
    app.session_interface = StaffSessions()
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    if not app.config.get("SECRET_KEY"):
        # Sessions then last only as long as this process; production sets SECRET_KEY.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.json.sort_keys = False


def register_request_ids(app: Flask) -> None:
    """Every request gets an id, returned to the caller and carried into logs and tasks."""

    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if request.path.startswith(MACHINE_PATHS):
            # Prescriptions carry patient data: no cache keeps them, no browser guesses
            # their type.
            response.headers.setdefault("Cache-Control", "no-store")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
        log.info(
            "request",
            extra={
                "request_id": g.get("request_id"),
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.get("started", 0)) * 1000, 2),
            },
        )
        return response


def register_blueprints(app: Flask) -> None:
    from .api import blueprint as api
    from .api.fhir import blueprint as fhir
    from .extensions import csrf

    app.register_blueprint(api)
    app.register_blueprint(fhir)
    csrf.exempt(fhir)  # API keys, not cookies, as for the JSON API (dashboard.init_app)

    @app.get("/healthz")
    def health():
        database.session.execute(text("SELECT 1"))  # a dead database answers 503
        if not broker_reachable(str(app.config["BROKER_URL"])):
            # Orders are still taken (the outbox keeps them) but none is worked.
            return jsonify(status="degraded", broker="down", database="up"), 503
        return jsonify(status="ok", broker="up", database="up")


def register_dashboard(app: Flask) -> None:
    """The staff's pages at /: login, CSRF on every form (the API is exempt), roles."""
    from .dashboard import init_app

    init_app(app)

    @app.get("/favicon.ico")
    def favicon():  # browsers ask for it whatever the page says
        return redirect(url_for("dashboard.static", filename="favicon.svg"), 301)


def _wants_json() -> bool:
    return request.path.startswith(MACHINE_PATHS)


def _answer(refusal):
    """An ApiError as the caller's API states refusals: FHIR's as an OperationOutcome."""
    if request.path.startswith("/fhir/"):
        from .api.fhir.outcome import from_api_error

        return from_api_error(refusal)
    return refusal.response()


def _caller_refusal():
    """The 401 for a caller with no key or an unknown one, else None."""
    from .api.auth import require_clinic
    from .api.errors import ApiError

    try:
        require_clinic()
    except ApiError as refusal:
        return refusal
    return None


def register_error_handlers(app: Flask) -> None:
    from .api.errors import ApiError

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if not _wants_json():
            return error
        if error.code in (404, 405):
            refusal = _caller_refusal()  # a bad key does not learn which routes exist
            if refusal is not None:
                return _answer(refusal)
        codes = {
            413: "body_too_large",
            404: "not_found",
            405: "method_not_allowed",
            429: "rate_limited",
        }
        messages = {
            413: f"the body is over {MAX_BODY_BYTES // 1024} KiB",
            429: "too many requests for this API key; wait as Retry-After says, then go on",
        }
        return _answer(
            ApiError(
                error.code or 500,
                codes.get(error.code or 0, "http_error"),
                messages.get(error.code or 0, error.description or error.name),
            )
        )

    @app.errorhandler(DataError)
    def _unstorable(error: DBAPIError):
        # A value the database cannot hold that validation let through: the client's
        # input, never a reason for a 500.
        database.session.rollback()
        log.warning("value refused by the database", extra={"request_id": g.get("request_id")})
        return _answer(
            ApiError(400, "unstorable_value", "a value in the request cannot be stored as sent")
        )

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_down(error: DBAPIError):
        database.session.rollback()
        log.error("database unavailable", extra={"request_id": g.get("request_id")})
        return _answer(
            ApiError(
                503,
                "unavailable",
                "the pharmacy's database is unavailable; try again shortly",
                headers={"Retry-After": "5"},
            )
        )

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unexpected error", extra={"request_id": g.get("request_id")})
        return _answer(
            ApiError(
                500,
                "internal_error",
                "the service failed; the request id in X-Request-ID helps us find out why",
            )
        )
