"""Rate limits: API requests per API key, dashboard logins per address.

A clinic's integration that loops, or someone guessing passwords from one address, is
slowed down before it costs the pharmacy anything: over the limit, 429 with
Retry-After. An API key is counted by its SHA-256 hash, never by the key itself.
The limits are settings (API_RATE_LIMIT, LOGIN_RATE_LIMIT).
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, g, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address

from .services.intake.keys import hash_key


def api_caller() -> str:
    """The API key a request presents, hashed; the address when it presents none."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and key.strip():
        return "key:" + hash_key(key.strip())
    return "address:" + (get_remote_address() or "unknown")


def _api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def init_app(app: Flask) -> None:
    """A limiter of the app's own (counted in Redis in production, so every web
    process counts the same requests)."""
    from .api import blueprint as api
    from .api.fhir import blueprint as fhir
    from .dashboard.auth import login

    app.after_request(_retry_after_on_429)
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        # No X-RateLimit-* headers on every answer: each costs the counter another
        # round trip. A refusal says when to come back (`_retry_after_on_429`).
        headers_enabled=False,
        on_breach=_remember_breach,
        # Redis away: count in this process for the while, never refuse for it.
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    # One budget per key, shared by the JSON API and the FHIR front door.
    shared = limiter.shared_limit(_api_limit, scope="api", key_func=api_caller)
    shared(api)
    shared(fhir)
    app.view_functions["dashboard.login"] = limiter.limit(
        _login_limit, methods=["POST"], key_func=get_remote_address
    )(login)


def _remember_breach(limit: RequestLimit) -> None:
    g.rate_limit_breach = limit


def _retry_after_on_429(response):
    breach = g.pop("rate_limit_breach", None)
    if response.status_code == 429 and breach is not None:
        window = breach.limit.get_expiry()
        try:  # when the window the caller filled has room again
            wait = min(window, math.ceil(breach.reset_at - time.time()))
        except Exception:  # the counter is away: the whole window, to be safe
            wait = window
        response.headers.setdefault("Retry-After", str(max(1, wait)))
    return response
