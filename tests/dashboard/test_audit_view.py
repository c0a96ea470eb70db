"""The audit view: every event, newest first, filtered; nothing can be edited or deleted."""

from __future__ import annotations

import re

import pytest

from pharmacy.services.reads import audit_log

EVENT = re.compile(r'<tr data-action="([^"]+)">\s*<td class="num muted">(\d+)</td>')


def events(page: str) -> list[tuple[str, int]]:
    return [(action, int(number)) for action, number in EVENT.findall(page)]


def test_a_pharmacist_sees_every_event_newest_first(desk, accounts, pharmacy):
    pharmacy.ready()
    page = desk(accounts["pharmacist"]).get("/audit").get_data(as_text=True)
    shown = events(page)
    assert len(shown) > 3
    numbers = [number for _, number in shown]
    assert numbers == sorted(numbers, reverse=True)


def test_filters_narrow_by_order_event_and_person(desk, accounts, pharmacy):
    rx = pharmacy.verified()
    station = desk(accounts["admin"])
    by_order = events(station.get(f"/audit?rx={rx}").get_data(as_text=True))
    assert [a for a, _ in reversed(by_order)] == [
        "prescription.received",
        "prescription.worked",
        "prescription.compounded",
        "prescription.verified",
        "label.printed",
        "payment.taken",  # verified and labelled: paid, ready to hand over
    ]
    verified = events(
        station.get(f"/audit?rx={rx}&action=prescription.verified").get_data(as_text=True)
    )
    assert [a for a, _ in verified] == ["prescription.verified"]
    mine = station.get(f"/audit?actor={accounts['pharmacist'].username}&rx={rx}")
    assert [a for a, _ in events(mine.get_data(as_text=True))] == ["prescription.verified"]


def test_filters_by_day(desk, accounts, pharmacy):
    rx = pharmacy.ready()
    station = desk(accounts["pharmacist"])
    today = pharmacy.today.isoformat()
    found = events(
        station.get(f"/audit?rx={rx}&since={today}&until={today}").get_data(as_text=True)
    )
    assert len(found) == 2
    assert events(station.get(f"/audit?rx={rx}&until=2000-01-01").get_data(as_text=True)) == []
    page = station.get("/audit?since=yesterday").get_data(as_text=True)
    assert "From must be a day" in page


def test_older_events_come_page_by_page(desk, accounts, pharmacy, monkeypatch):
    rx = pharmacy.verified()
    monkeypatch.setattr(audit_log, "PER_PAGE", 3)
    station = desk(accounts["pharmacist"])
    first = station.get(f"/audit?rx={rx}").get_data(as_text=True)
    older = re.search(r'href="([^"]+)"[^>]*>Older', first).group(1).replace("&amp;", "&")
    second = station.get(older).get_data(as_text=True)
    numbers = [n for _, n in events(first)] + [n for _, n in events(second)]
    assert len(numbers) == 6 and numbers == sorted(numbers, reverse=True)
    assert "Older" not in second


def test_a_technician_may_not_read_the_audit_trail(desk, accounts):
    assert desk(accounts["technician"]).get("/audit").status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_audit_view_takes_no_change(desk, accounts, method):
    station = desk(accounts["admin"])
    response = getattr(station.client, method)("/audit", data={"csrf_token": station.token()})
    assert response.status_code == 405


def test_no_route_edits_or_deletes_anything(app):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("dashboard."):
            continue
        assert not {"PUT", "PATCH", "DELETE"} & rule.methods, rule
        assert not re.search(r"edit|delete|remove|update", rule.rule), rule
        if "audit" in rule.rule:
            assert "POST" not in rule.methods, rule
