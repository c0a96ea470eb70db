"""Every dashboard form needs the session's CSRF token; the prescriber API, which takes
API keys rather than cookies, does not."""

from __future__ import annotations

import pytest

from pharmacy.domain.workflow import Status
from tests.support.orders import REASON
from tests.support.staff import Desk


def posts(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("dashboard.") and "POST" in rule.methods:
            yield rule


def test_a_form_posted_without_the_token_is_refused_and_changes_nothing(
    app, desk, accounts, pharmacy
):
    held = pharmacy.held()
    station = desk(accounts["pharmacist"])
    before = pharmacy.state(held)
    response = station.client.post(f"/orders/{held}/override", data={"reason": REASON})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert pharmacy.state(held) == before
    # The same form with the token goes through.
    assert station.post(f"/orders/{held}/override", {"reason": REASON}).status_code == 303
    assert pharmacy.status(held) == Status.READY


@pytest.mark.parametrize("token", ["", "forged", "ImFiYyI.Zz9.bad-signature"])
def test_a_missing_or_forged_token_is_refused(desk, accounts, pharmacy, token):
    held = pharmacy.held()
    station = desk(accounts["pharmacist"])
    before = pharmacy.state(held)
    response = station.client.post(
        f"/orders/{held}/override", data={"reason": REASON, "csrf_token": token}
    )
    assert response.status_code == 400
    assert pharmacy.state(held) == before


def test_another_sessions_token_is_refused(app, desk, accounts, pharmacy):
    held = pharmacy.held()
    theirs = desk(accounts["pharmacist2"]).token()
    mine = desk(accounts["pharmacist"])
    before = pharmacy.state(held)
    response = mine.client.post(
        f"/orders/{held}/override", data={"reason": REASON, "csrf_token": theirs}
    )
    assert response.status_code == 400
    assert pharmacy.state(held) == before


def test_every_post_route_needs_the_token(app, desk, accounts):
    """Logged in as an admin (who may post to most of them), with no token, every form
    of the dashboard is refused before its view runs."""
    station = desk(accounts["admin"])
    checked = 0
    for rule in posts(app):
        values = {name: 1 for name in rule.arguments}
        if "change" in rule.arguments:
            values["change"] = "deactivate" if "users" in rule.rule else "quarantine"
        if "dosage_form" in rule.arguments:
            values["dosage_form"] = "capsule"
        url = rule.build(values)[1]
        response = station.client.post(url, data={"reason": REASON})
        assert response.status_code == 400, (rule.rule, response.status_code)
        checked += 1
    assert checked >= 15


def test_the_login_form_needs_the_token_too(app, accounts):
    station = Desk(app.test_client())
    account = accounts["technician"]
    response = station.client.post(
        "/login", data={"username": account.username, "password": account.password}
    )
    assert response.status_code == 400


def test_an_htmx_request_sends_the_token_in_a_header(desk, accounts, pharmacy):
    held = pharmacy.held()
    station = desk(accounts["pharmacist"])
    response = station.client.post(
        f"/orders/{held}/reject",
        data={"reason": REASON},
        headers={"X-CSRFToken": station.token(), "HX-Request": "true"},
    )
    assert response.status_code == 303
    assert pharmacy.status(held) == Status.REJECTED


def test_the_prescriber_api_is_exempt(client, clinic, prescription):
    response = client.post("/api/v1/prescriptions", json=prescription, headers=clinic.headers)
    assert response.status_code == 201
