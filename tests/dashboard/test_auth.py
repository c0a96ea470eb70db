"""Who gets in: login and logout, throttling, idle timeout, cookies, and a login on
every page."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from pharmacy.extensions import database
from pharmacy.models import AuditEvent, LoginFailure, User, utcnow
from pharmacy.services import SYSTEM
from pharmacy.services.admin.users import create_user
from tests.support.staff import Desk, add_account


def audit_actions(app, actor_name: str) -> list[str]:
    with app.app_context():
        return list(
            database.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.actor_name == actor_name)
                .order_by(AuditEvent.id)
            )
        )


def test_a_real_account_logs_in_with_its_slow_hash_and_lands_on_the_queue(app, desk):
    with app.app_context():
        user = create_user(
            database.session,
            f"real-{uuid.uuid4().hex[:8]}",
            "pharmacist",
            "correct horse 1",
            SYSTEM,
        )
        assert user.password_hash.startswith("scrypt:")
        username = user.username
    station = desk()
    response = station.client.post(
        "/login",
        data={
            "username": username,
            "password": "correct horse 1",
            "csrf_token": station.read_token("/login"),
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = station.get("/")
    assert page.status_code == 200 and "Work queue" in page.get_data(as_text=True)
    assert audit_actions(app, username)[0] == "login.succeeded"


def test_a_wrong_password_is_refused_and_audited_without_the_password(app, desk):
    account = add_account(app, "technician")
    response = desk().login(account, password="not the password at all")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)
    assert audit_actions(app, account.username) == ["login.failed"]
    with app.app_context():
        details = database.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.actor_name == account.username)
        ).all()
    assert "not the password" not in str(details)


def test_an_unknown_username_is_refused_like_a_wrong_password(app, desk):
    ghost = add_account(app, "technician")
    with app.app_context():
        database.session.execute(
            update(User).where(User.id == ghost.id).values(username="x" + ghost.username)
        )
        database.session.commit()
    response = desk().login(ghost)
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)
    assert audit_actions(app, ghost.username) == []  # a name that is no one's is not kept


def test_a_deactivated_account_cannot_log_in(app, desk):
    account = add_account(app, "pharmacist", active=False)
    response = desk().login(account)
    assert response.status_code == 401
    assert "deactivated" in response.get_data(as_text=True)


def test_a_deactivated_account_is_signed_out_at_its_next_click(app, desk):
    account = add_account(app, "pharmacist")
    station = desk(account)
    with app.app_context():
        database.session.execute(update(User).where(User.id == account.id).values(active=False))
        database.session.commit()
    response = station.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_logout_ends_the_session_and_is_audited(app, desk, accounts):
    station = desk(accounts["technician"])
    response = station.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert station.get("/").status_code == 302
    assert audit_actions(app, accounts["technician"].username)[-1] == "logout"


def test_logout_needs_a_post_with_the_token(desk, accounts):
    station = desk(accounts["technician"])
    assert station.get("/logout").status_code == 405
    assert station.client.post("/logout").status_code == 400
    assert station.get("/").status_code == 200  # still signed in


@pytest.mark.parametrize(
    "target, lands",
    [
        ("/audit", "/audit"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_after_login_only_a_page_of_this_site_is_followed(desk, accounts, target, lands):
    station = desk()
    response = station.client.post(
        "/login",
        data={
            "username": accounts["pharmacist"].username,
            "password": accounts["pharmacist"].password,
            "next": target,
            "csrf_token": station.read_token("/login"),
        },
    )
    assert response.headers["Location"] == lands


def test_the_session_cookie_is_httponly_and_samesite(desk, accounts):
    station = desk()
    response = station.client.post(
        "/login",
        data={
            "username": accounts["pharmacist"].username,
            "password": accounts["pharmacist"].password,
            "csrf_token": station.read_token("/login"),
        },
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Expires=" in cookie  # a permanent session: it lapses when idle


def test_pages_come_with_protective_headers(desk, accounts):
    response = desk(accounts["pharmacist"]).get("/")
    headers = response.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "same-origin"


# --- throttling ----------------------------------------------------------------------------


def failures_for(app, username: str) -> int:
    with app.app_context():
        return len(
            database.session.scalars(
                select(LoginFailure.id).where(LoginFailure.username == username)
            ).all()
        )


def test_five_failures_lock_that_username_from_that_address(app, accounts):
    account = add_account(app, "pharmacist")
    here = Desk(app.test_client())
    for _ in range(5):
        assert here.login(account, password="wrong password!").status_code == 401
    refused = here.login(account)  # even the right password, now
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 60
    assert "Too many failed logins" in refused.get_data(as_text=True)
    assert failures_for(app, account.username) == 5  # a refused try is not counted again
    assert audit_actions(app, account.username)[-1] == "login.throttled"

    elsewhere = Desk(app.test_client())
    elsewhere.client.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert elsewhere.login(account).status_code == 302  # the owner at another workstation


def test_the_lock_lifts_when_the_failures_age_out_of_the_window(app):
    account = add_account(app, "technician")
    station = Desk(app.test_client())
    for _ in range(5):
        station.login(account, password="wrong password!")
    assert station.login(account).status_code == 429
    with app.app_context():
        database.session.execute(
            update(LoginFailure)
            .where(LoginFailure.username == account.username)
            .values(at=utcnow() - timedelta(minutes=16))
        )
        database.session.commit()
    assert station.login(account).status_code == 302
    assert failures_for(app, account.username) == 0  # a success clears them


def test_fewer_failures_than_the_limit_do_not_lock(app):
    account = add_account(app, "technician")
    station = Desk(app.test_client())
    for _ in range(4):
        station.login(account, password="wrong password!")
    assert station.login(account).status_code == 302


# --- idle timeout --------------------------------------------------------------------------


def test_an_idle_session_is_signed_out_at_its_next_request(app, desk):
    account = add_account(app, "pharmacist")
    station = desk(account)
    idle = app.permanent_session_lifetime.total_seconds()
    with station.client.session_transaction() as session:
        session["seen"] = int(time.time() - idle - 5)
    response = station.get("/orders/1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    page = station.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out after 15 minutes without activity" in page
    assert station.get("/").status_code == 302  # and it stays signed out
    with app.app_context():
        [event] = database.session.scalars(
            select(AuditEvent).where(
                AuditEvent.actor_name == account.username, AuditEvent.action == "logout"
            )
        ).all()
    assert event.detail == {"reason": "idle"}


def test_each_request_keeps_an_active_session_alive(app, desk):
    station = desk(add_account(app, "pharmacist"))
    idle = app.permanent_session_lifetime.total_seconds()
    with station.client.session_transaction() as session:
        session["seen"] = int(time.time() - idle + 30)  # 30 s before it would lapse
    assert station.get("/").status_code == 200
    with station.client.session_transaction() as session:
        assert session["seen"] >= int(time.time()) - 2


def test_the_idle_timeout_is_15_minutes_by_default(app):
    assert app.permanent_session_lifetime == timedelta(minutes=15)


# --- a login on every page -----------------------------------------------------------------


def dashboard_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("dashboard.") and rule.endpoint not in (
            "dashboard.login",
            "dashboard.static",
        ):
            yield rule


def sample_url(rule) -> str:
    values = {name: 1 for name in rule.arguments}
    if "change" in rule.arguments:
        values["change"] = "deactivate" if "users" in rule.rule else "quarantine"
    if "dosage_form" in rule.arguments:
        values["dosage_form"] = "capsule"
    return rule.build(values)[1]


def test_every_page_and_action_needs_a_login(app):
    station = Desk(app.test_client())
    token = station.token()
    rules = list(dashboard_rules(app))
    assert len(rules) > 20
    for rule in rules:
        url = sample_url(rule)
        if "GET" in rule.methods:
            response = station.get(url)
        else:
            response = station.client.post(url, data={"csrf_token": token})
        assert response.status_code == 302, (rule, response.status_code)
        assert response.headers["Location"].startswith("/login"), rule


def test_every_view_names_the_roles_it_allows(app):
    for rule in dashboard_rules(app):
        if rule.endpoint == "dashboard.logout":
            continue
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "allowed_roles", None), rule.endpoint


def test_htmx_requests_are_sent_to_the_login_page_too(app):
    response = app.test_client().get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


# --- revocable sessions --------------------------------------------------------------------


def _cookie(station) -> str:
    return station.client.get_cookie("session").value


def test_a_copied_cookie_is_worthless_after_sign_out(app, desk):
    account = add_account(app, "pharmacist")
    station = desk(account)
    copied = _cookie(station)
    assert station.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_signing_out_ends_the_accounts_other_sessions_too(app, desk):
    account = add_account(app, "pharmacist")
    first, second = desk(account), desk(account)
    first.post("/logout")
    assert second.get("/").status_code == 302


def test_a_session_ends_at_its_absolute_lifetime_however_active(app, desk):
    account = add_account(app, "pharmacist")
    station = desk(account)
    longest = app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    with station.client.session_transaction() as session:
        session["started"] = int(time.time() - longest - 5)
        session["seen"] = int(time.time())  # active a moment ago
    response = station.get("/")
    assert response.status_code == 302
    page = station.get(response.headers["Location"]).get_data(as_text=True)
    assert "time limit" in page
    with app.app_context():
        reasons = [
            e.detail["reason"]
            for e in database.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.actor_name == account.username, AuditEvent.action == "logout"
                )
            )
        ]
    assert reasons == ["expired"]


def test_the_absolute_lifetime_is_12_hours_by_default(app):
    assert app.config["SESSION_ABSOLUTE_HOURS"] == 12


# --- passwords -----------------------------------------------------------------------------


def test_a_password_longer_than_the_cap_is_refused_before_it_is_checked(app, desk):
    account = add_account(app, "pharmacist")
    assert desk().login(account, password="x" * 129).status_code == 401


def test_staff_change_their_own_password_and_other_sessions_end(app, desk):
    account = add_account(app, "technician")
    here, elsewhere = desk(account), desk(account)
    response = here.post(
        "/account/password",
        {
            "current": account.password,
            "new": "amber-vials-on-the-shelf",
            "repeat": "amber-vials-on-the-shelf",
        },
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200  # this session carries on
    assert elsewhere.get("/").status_code == 302  # the other one is signed out
    assert desk().login(account, password="amber-vials-on-the-shelf").status_code == 302
    assert desk().login(account).status_code == 401  # the old one is gone


@pytest.mark.parametrize(
    ("current", "new", "repeat", "says"),
    [
        (
            "wrong current password",
            "amber-vials-on-the-shelf",
            "amber-vials-on-the-shelf",
            "not right",
        ),
        (None, "password123", "password123", "too easy to guess"),
        (None, "amber-vials-on-the-shelf", "amber-vials-on-a-shelf", "not the same"),
    ],
    ids=["wrong-current", "common", "mismatch"],
)
def test_a_refused_password_change_says_why(app, desk, current, new, repeat, says):
    account = add_account(app, "technician")
    station = desk(account)
    response = station.post(
        "/account/password",
        {"current": current or account.password, "new": new, "repeat": repeat},
    )
    assert response.status_code == 422
    assert says in response.get_data(as_text=True)
    assert desk().login(account).status_code == 302  # unchanged
