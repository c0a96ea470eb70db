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
    env = {**os.environ, "POSTGRES_PASSWORD": "example", "SECRET_KEY": "example"}
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
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
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
