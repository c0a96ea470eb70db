"""Rate limits: API requests per API key, dashboard logins per address.

A clinic's integration that loops, or someone guessing passwords from one address, is
slowed down before it costs the pharmacy anything: over the limit, 429 with
Retry-After. An API key is counted by its SHA-256 hash, never by the key itself.
The limits are settings (API_RATE_LIMIT, LOGIN_RATE_LIMIT).
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import HeaderNames, Limiter
from flask_limiter.util import get_remote_address

from .services.api_keys import hash_key

RETRY_AFTER = "X-RateLimit-Retry-After"


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
    from .dashboard.auth import login

    # Registered first, so it runs after the limiter's own after-request hook.
    app.after_request(_retry_after_on_429)
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        headers_enabled=True,
        # The library would set Retry-After on every answer (a 503's own included):
        # its figure goes under a name of its own, and only a 429 copies it.
        header_name_mapping={HeaderNames.RETRY_AFTER: RETRY_AFTER},
        # Redis away: count in this process for the while, never refuse for it.
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    limiter.limit(_api_limit, key_func=api_caller)(api)
    app.view_functions["dashboard.login"] = limiter.limit(
        _login_limit, methods=["POST"], key_func=get_remote_address
    )(login)


def _retry_after_on_429(response):
    if response.status_code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = response.headers.get(RETRY_AFTER, "60")
    return response
