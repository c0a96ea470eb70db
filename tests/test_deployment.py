"""The production compose file parses and wires every role the README promises."""

import os
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose_config() -> dict:
    command = ["docker", "compose"] if _has_compose_plugin() else ["docker-compose"]
    assert shutil.which(command[0]), "bin/test installs docker-compose"
    env = {
        **os.environ,
        "POSTGRES_PASSWORD": "example",
        "SECRET_KEY": "example",
        "APP_DB_PASSWORD": "example-app",
    }
    result = subprocess.run(
        [*command, "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def _has_compose_plugin() -> bool:
    if not shutil.which("docker"):
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return probe.returncode == 0


def test_compose_has_every_role_with_healthchecks_and_durable_redis():
    services = compose_config()["services"]
    assert set(services) == {
        "proxy",
        "postgres",
        "redis",
        "migrate",
        "web",
        "worker",
        "webhooks",
        "beat",
        "backup",
    }
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert "healthcheck" in services[name], name
    assert "--appendonly" in services["redis"]["command"]
    assert services["migrate"]["command"] == ["pharmacy", "db", "upgrade"]
    for role in ("web", "worker", "beat"):
        assert services[role]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert services[role]["environment"]["BROKER_URL"].startswith("redis://")
        assert services[role]["environment"]["DATABASE_URL"].startswith("postgresql")


def test_the_app_connects_as_its_own_role_and_migrations_as_the_owner():
    services = compose_config()["services"]
    for role in ("web", "worker", "beat"):
        url = services[role]["environment"]["DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://pharmacy_app:"), role
        assert "MIGRATION_DATABASE_URL" not in services[role]["environment"]
    migrate = services["migrate"]["environment"]
    assert migrate["MIGRATION_DATABASE_URL"].startswith("postgresql+psycopg://pharmacy:")
    assert migrate["APP_DATABASE_ROLE"] == "pharmacy_app"
    init = [v for v in services["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in str(v)]
    assert init, "the app role is made when the database is first created"


def test_every_setting_reaches_the_app_and_only_the_proxy_is_published():
    services = compose_config()["services"]
    for role in ("web", "worker", "beat", "migrate"):
        environment = services[role]["environment"]
        # deploy/settings.env reaches every app container, not a fixed list.
        assert environment["SESSION_COOKIE_SECURE"] == "true", role
        assert environment["TRUSTED_PROXIES"] == "1", role
        assert environment["API_RATE_LIMIT"], role
    assert "ports" not in services["web"]
    assert {str(p.get("target", p)) for p in services["proxy"]["ports"]} >= {"80", "443"}
    assert any("Caddyfile" in str(v) for v in services["proxy"]["volumes"])
    assert "pg_dump" in " ".join(services["backup"]["command"])


def test_behind_the_proxy_the_client_address_is_the_forwarded_one(app):
    from pharmacy import create_app

    proxied = create_app({**app.config, "TRUSTED_PROXIES": 1})
    seen = {}

    @proxied.get("/_who")
    def who():
        from flask import request

        seen["address"], seen["scheme"] = request.remote_addr, request.scheme
        return "ok"

    proxied.test_client().get(
        "/_who", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    )
    assert seen == {"address": "203.0.113.7", "scheme": "https"}
    from pharmacy.extensions import database

    database.bound(proxied).engine.dispose()
