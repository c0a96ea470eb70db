"""The `pharmacy` command, run as an operator would, on a fresh SQLite database."""

import pytest
from click.testing import CliRunner

from pharmacy import create_app
from pharmacy.cli import main
from pharmacy.extensions import database
from pharmacy.models import Prescription, User


@pytest.fixture
def run(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    env = {"DATABASE_URL": url, "PHARMACY_INSTANCE": str(tmp_path), "LOG_LEVEL": "WARNING"}

    def invoke(*args, **extra_env):
        return CliRunner().invoke(main, list(args), env={**env, **extra_env})

    invoke.url = url
    assert invoke("db", "upgrade").exit_code == 0
    return invoke


def app_for(url):
    return create_app({"DATABASE_URL": url, "TESTING": True})


def test_db_upgrade_is_safe_to_run_again(run):
    again = run("db", "upgrade")
    assert again.exit_code == 0
    assert "added" not in again.output
    assert "database is up to date" in again.output


def test_create_api_key_prints_a_working_key_on_the_last_line(run):
    result = run("create-api-key", "--clinic", "Riverside Pain Clinic")
    assert result.exit_code == 0
    key = result.output.strip().splitlines()[-1]
    app = app_for(run.url)
    listed = app.test_client().get(
        "/api/v1/prescriptions", headers={"Authorization": f"Bearer {key}"}
    )
    assert listed.status_code == 200
    assert run("revoke-api-key", key[:12]).exit_code == 0
    refused = app.test_client().get(
        "/api/v1/prescriptions", headers={"Authorization": f"Bearer {key}"}
    )
    assert refused.status_code == 401
    database.bound(app).engine.dispose()


def test_revoking_an_unknown_key_fails_with_a_reason(run):
    result = run("revoke-api-key", "ldn_nope")
    assert result.exit_code != 0
    assert "no API key starts with" in result.output


def test_create_user_takes_the_password_from_the_environment(run):
    result = run(
        "create-user",
        "--username",
        "rph1",
        "--role",
        "pharmacist",
        PHARMACY_PASSWORD="correct horse battery",
    )
    assert result.exit_code == 0, result.output
    app = app_for(run.url)
    with app.app_context():
        user = database.session.query(User).filter_by(username="rph1").one()
        assert user.role == "pharmacist"
        assert "correct horse" not in user.password_hash
    database.bound(app).engine.dispose()


@pytest.mark.parametrize(
    ("args", "password", "reason"),
    [
        (["--role", "pharmacist"], "short", "at least 10 characters"),
        (["--role", "janitor"], "long enough password", "Invalid value for '--role'"),
        (["--role", "pharmacist"], "password1234", "too easy to guess"),
        (["--role", "pharmacist"], "x" * 129, "at most 128 characters"),
    ],
)
def test_create_user_refuses_with_a_clear_reason(run, args, password, reason):
    result = run("create-user", "--username", "u", *args, PHARMACY_PASSWORD=password)
    assert result.exit_code != 0
    assert reason in result.output


def test_a_second_user_with_the_same_name_is_refused(run):
    first = run(
        "create-user",
        "--username",
        "tech1",
        "--role",
        "technician",
        PHARMACY_PASSWORD="long enough password",
    )
    second = run(
        "create-user",
        "--username",
        "tech1",
        "--role",
        "admin",
        PHARMACY_PASSWORD="long enough password",
    )
    assert first.exit_code == 0
    assert second.exit_code != 0
    assert "already exists" in second.output


def test_load_demo_adds_a_clinic_staff_and_sample_orders(run):
    result = run("load-demo")
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    app = app_for(run.url)
    listed = (
        app.test_client()
        .get("/api/v1/prescriptions", headers={"Authorization": f"Bearer {key}"})
        .get_json()
    )
    names = {p["patient"]["last_name"] for p in listed["items"]}
    assert {"Lovelace", "O'Brien", "小龙"} <= names
    with app.app_context():
        assert {u.role for u in database.session.query(User)} == {
            "technician",
            "pharmacist",
            "admin",
        }
        assert database.session.query(Prescription).count() == len(listed["items"])
    database.bound(app).engine.dispose()


def test_a_user_without_a_full_name_still_has_initials_for_labels(run):
    result = run(
        "create-user",
        "--username",
        "rph9",
        "--role",
        "pharmacist",
        PHARMACY_PASSWORD="verify-every-capsule",
    )
    assert result.exit_code == 0, result.output
    app = app_for(run.url)
    with app.app_context():
        assert database.session.query(User).filter_by(username="rph9").one().initials == "RP"
    database.bound(app).engine.dispose()
