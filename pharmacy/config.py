"""Configuration read from the environment (see the README's table)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

DEFAULT_INSTANCE = Path.cwd() / "instance"


def instance_path() -> Path:
    return Path(os.environ.get("PHARMACY_INSTANCE", DEFAULT_INSTANCE)).resolve()


def from_environment() -> dict[str, object]:
    """Every setting with its default: the embedded SQLite database and broker."""
    instance = instance_path()
    env = os.environ.get
    return {
        "DATABASE_URL": env("DATABASE_URL") or f"sqlite:///{instance / 'pharmacy.sqlite'}",
        # Production: migrations as the tables' owner, the app as a role that may only
        # add to the audit trail and status history (pharmacy.migrations.roles).
        "MIGRATION_DATABASE_URL": env("MIGRATION_DATABASE_URL"),
        "APP_DATABASE_ROLE": env("APP_DATABASE_ROLE"),
        "BROKER_URL": env("BROKER_URL") or f"sqla+sqlite:///{instance / 'broker.sqlite'}",
        "SECRET_KEY": env("SECRET_KEY"),
        "PHARMACY_NAME": env("PHARMACY_NAME", "Demo Compounding Pharmacy"),
        "PHARMACY_ADDRESS": env("PHARMACY_ADDRESS", "100 High St, Columbus, OH 43215"),
        "PHARMACY_PHONE": env("PHARMACY_PHONE", "614-555-0123"),
        # The pharmacy's own NPI, printed on receipts (an HSA/FSA administrator asks for it).
        "PHARMACY_NPI": env("PHARMACY_NPI", "1234567893"),
        # Carriers a fill may be mailed by, each with the days it takes to arrive
        # ("name=days; ..."): counted against the beyond-use date when a fill is shipped.
        "SHIPPING_CARRIERS": transit_days(
            env("SHIPPING_CARRIERS", "USPS Priority Mail=3; UPS Ground=5; FedEx Overnight=1")
        ),
        # Dates on prescriptions ("not in the future") are the pharmacy's dates, not UTC's.
        "PHARMACY_TIMEZONE": env("PHARMACY_TIMEZONE", "America/New_York"),
        "LOG_LEVEL": env("LOG_LEVEL", "INFO"),
        # The sweep publishes unsent outbox messages, and re-publishes any sent this long
        # ago and still not done (a broker that lost its queue).
        "OUTBOX_SWEEP_INTERVAL_S": float(env("OUTBOX_SWEEP_INTERVAL_S", "10")),
        "OUTBOX_REDELIVER_AFTER_S": float(env("OUTBOX_REDELIVER_AFTER_S", "300")),
        "INSTANCE_PATH": str(instance),
        # Dashboard sessions: signed out after this long without a request; cookies
        # HttpOnly and SameSite=Lax always, Secure when served over HTTPS (production).
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=float(env("SESSION_IDLE_MINUTES", "15"))),
        # However active, a session ends this long after its login.
        "SESSION_ABSOLUTE_HOURS": float(env("SESSION_ABSOLUTE_HOURS", "12")),
        "SESSION_COOKIE_SECURE": env("SESSION_COOKIE_SECURE", "false").lower() == "true",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",  # Flask's own default is None: set it here
        # Dashboard logins: this many failures for one username from one address within
        # the window, and that username is refused from that address until they age out.
        "LOGIN_MAX_FAILURES": int(env("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_FAILURE_WINDOW_S": float(env("LOGIN_FAILURE_WINDOW_S", "900")),
        "QUEUE_PAGE_SIZE": int(env("QUEUE_PAGE_SIZE", "50")),  # orders per queue page
        # Behind this many reverse proxies (the TLS proxy: 1), their X-Forwarded-For and
        # -Proto say the client's address and scheme; with none, such headers are ignored.
        "TRUSTED_PROXIES": int(env("TRUSTED_PROXIES", "0")),
        # Rate limits (limits' notation, "N per second|minute|hour"): API requests per
        # API key, login attempts per address; counted where RATELIMIT_STORAGE_URI says
        # (the Redis broker by default, this process on the embedded default).
        "API_RATE_LIMIT": env("API_RATE_LIMIT", "600 per minute"),
        "LOGIN_RATE_LIMIT": env("LOGIN_RATE_LIMIT", "20 per minute"),
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI") or _limit_storage(env("BROKER_URL")),
        # A web process remembers an API key it found live for this many seconds, so a
        # clinic's requests skip the lookup; a key revoked elsewhere works in such a
        # process for at most this long (0: look every key up on every request).
        "API_KEY_CACHE_SECONDS": float(env("API_KEY_CACHE_SECONDS", "10")),
        # Beat starts the next fill of a prescription on automatic refills this many
        # days before the last fill's supply runs out.
        "AUTO_REFILL_LEAD_DAYS": int(env("AUTO_REFILL_LEAD_DAYS", "7")),
        # Beat asks the prescriber to renew a prescription this many days before it
        # expires (and as soon as its last refill is dispensed).
        "RENEWAL_LEAD_DAYS": int(env("RENEWAL_LEAD_DAYS", "10")),
        # Clinics' webhooks (docs/webhooks.md): endpoints on private or loopback addresses
        # are refused unless this is true (tests, development), and then plain http too.
        "WEBHOOK_ALLOW_PRIVATE": env("WEBHOOK_ALLOW_PRIVATE", "false").lower() == "true",
        # Beat turns new status changes into webhook events this often, and sends those due.
        "WEBHOOK_SCAN_INTERVAL_S": float(env("WEBHOOK_SCAN_INTERVAL_S", "5")),
        # A failed delivery is tried again after BACKOFF, then twice as long each time (at
        # most MAX apart), for RETRY_FOR seconds; then it is failed, for an admin to resend.
        "WEBHOOK_BACKOFF_S": float(env("WEBHOOK_BACKOFF_S", "10")),
        "WEBHOOK_BACKOFF_MAX_S": float(env("WEBHOOK_BACKOFF_MAX_S", "3600")),
        "WEBHOOK_RETRY_FOR_S": float(env("WEBHOOK_RETRY_FOR_S", "86400")),
        # How long a clinic's server has to accept a connection, and then to answer.
        "WEBHOOK_CONNECT_TIMEOUT_S": float(env("WEBHOOK_CONNECT_TIMEOUT_S", "3")),
        "WEBHOOK_READ_TIMEOUT_S": float(env("WEBHOOK_READ_TIMEOUT_S", "10")),
        # A delivery handed to the queue is not handed again for this long; lost with a
        # worker or the broker, it is sent again after it. Longer than a delivery may run.
        "WEBHOOK_LEASE_S": float(env("WEBHOOK_LEASE_S", "120")),
        # Refills that have become due are looked for at most this often (they change with
        # the pharmacy's day, not from one second to the next).
        "WEBHOOK_REFILL_DUE_EVERY_S": float(env("WEBHOOK_REFILL_DUE_EVERY_S", "300")),
    }


def transit_days(text: str) -> dict[str, int]:
    """Carriers and their transit days from "USPS Priority Mail=3; UPS Ground=5"."""
    carriers = {}
    for part in text.split(";"):
        name, _, days = part.partition("=")
        if name.strip():
            carriers[name.strip()] = int(days)
    return carriers


def _limit_storage(broker_url: str | None) -> str:
    if broker_url and broker_url.startswith(("redis://", "rediss://")):
        return broker_url
    return "memory://"
