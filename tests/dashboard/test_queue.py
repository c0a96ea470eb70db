"""The work queue: counts per status, alerts first, search by Rx number, name and day,
pages by keyset, and no patient data in the logs or the audit detail."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from pharmacy.extensions import database
from pharmacy.models import AuditEvent
from pharmacy.services.reads import work_queue

ROW = re.compile(r'<tr class="[^"]*" data-rx="(\d+)">')
TAB = re.compile(r'data-status="(\w+)">\s*([^<]+?) <span class="count">([^<]+)</span>')


def rows(page: str) -> list[int]:
    return [int(rx) for rx in ROW.findall(page)]


def counts(page: str) -> dict[str, str]:
    return {status: count for status, _, count in TAB.findall(page)}


@pytest.fixture
def family(pharmacy):
    """Orders for one family name (first names differ, so each is its own patient and
    no order is held as a second LDN order for the same person)."""
    surname = f"Queuetest{uuid.uuid4().hex[:6]}"
    made = {}
    made["ready"] = pharmacy.ready(last_name=surname, first_name="Ann")
    made["held"] = pharmacy.held(last_name=surname, first_name="Bea")
    made["ready2"] = pharmacy.ready(last_name=surname, first_name="Cy")
    made["received"] = pharmacy.submit(last_name=surname, first_name="Dot")
    rx = pharmacy.ready(last_name=surname, first_name="Eve")
    pharmacy.call("cancel", "pharmacist", rx, "Prescriber asked to stop this order")
    made["cancelled"] = rx
    return surname, made


def test_searching_a_name_lists_every_state_alerts_first_then_oldest(desk, accounts, family):
    surname, made = family
    page = desk(accounts["technician"]).get(f"/?q={surname}").get_data(as_text=True)
    assert rows(page) == [
        made["held"],  # on hold: alerts first
        made["ready"],
        made["ready2"],
        made["received"],
        made["cancelled"],  # closed orders after the open ones
    ]
    shown = counts(page)
    assert shown["on_hold"] == "1" and shown["ready"] == "2" and shown["received"] == "1"
    assert shown["cancelled"] == "1" and shown["open"] == "4" and shown["all"] == "5"
    assert "1 hard stop" in page


def test_a_status_tab_lists_only_that_status(desk, accounts, family):
    surname, made = family
    page = desk(accounts["pharmacist"]).get(f"/?q={surname}&view=ready").get_data(as_text=True)
    assert rows(page) == [made["ready"], made["ready2"]]
    page = desk(accounts["pharmacist"]).get(f"/?q={surname}&view=open").get_data(as_text=True)
    assert made["cancelled"] not in rows(page) and len(rows(page)) == 4


@pytest.mark.parametrize(
    "query",
    [
        "{surname}",
        "{surname_upper}",
        "{prefix}",
        "ann {surname}",
        "{surname}, ann",
        "{surname} an",
    ],
)
def test_names_match_by_prefix_in_any_case_first_or_last_name_first(desk, accounts, family, query):
    surname, made = family
    text = query.format(surname=surname, surname_upper=surname.upper(), prefix=surname[:-2])
    page = desk(accounts["pharmacist"]).get("/", query_string={"q": text}).get_data(as_text=True)
    assert made["ready"] in rows(page)


def test_accents_and_case_do_not_matter(desk, accounts, pharmacy):
    tag = uuid.uuid4().hex[:5]
    rx = pharmacy.ready(last_name=f"Núñez{tag}", first_name="José")
    for query in (f"nunez{tag}", f"NÚÑEZ{tag}", f"jose nunez{tag}", f"Núñez{tag}, J"):
        page = (
            desk(accounts["pharmacist"]).get("/", query_string={"q": query}).get_data(as_text=True)
        )
        assert rows(page) == [rx], query


def test_a_name_search_finds_no_one_else(desk, accounts, family):
    page = desk(accounts["pharmacist"]).get("/?q=ann+zzznobody").get_data(as_text=True)
    assert rows(page) == [] and "No order matches" in page
    page = desk(accounts["pharmacist"]).get("/", query_string={"q": "%_"}).get_data(as_text=True)
    assert rows(page) == []  # LIKE wildcards are matched literally


def test_an_rx_number_finds_exactly_that_order(desk, accounts, family):
    _, made = family
    page = desk(accounts["pharmacist"]).get(f"/?q={made['held']}").get_data(as_text=True)
    assert rows(page) == [made["held"]]
    assert rows(desk(accounts["pharmacist"]).get("/?q=99999").get_data(as_text=True)) == []


def test_the_date_finds_orders_received_that_day(desk, accounts, family, pharmacy):
    surname, _ = family
    today = pharmacy.today
    station = desk(accounts["pharmacist"])
    page = station.get(f"/?q={surname}&date={today.isoformat()}").get_data(as_text=True)
    assert len(rows(page)) == 5
    yesterday = (today - timedelta(days=1)).isoformat()
    assert rows(station.get(f"/?q={surname}&date={yesterday}").get_data(as_text=True)) == []
    bad = station.get("/?date=21/11/2026").get_data(as_text=True)
    assert "The date must be a day" in bad


def test_pages_follow_the_queue_order_both_ways(app, desk, accounts, family):
    surname, made = family
    station = desk(accounts["pharmacist"])
    app.config["QUEUE_PAGE_SIZE"] = 2
    try:
        seen, url, pages = [], f"/?q={surname}", []
        while url:
            page = station.get(url).get_data(as_text=True)
            pages.append(page)
            seen += rows(page)
            found = re.search(r'<a class="button secondary" href="([^"]+)"[^>]*>Next', page)
            url = found.group(1).replace("&amp;", "&") if found else None
        assert seen == [
            made["held"],
            made["ready"],
            made["ready2"],
            made["received"],
            made["cancelled"],
        ]
        assert len(pages) == 3
        last = pages[-1]
        back = re.search(r'href="([^"]+)"[^>]*>← Previous', last).group(1).replace("&amp;", "&")
        assert rows(station.get(back).get_data(as_text=True)) == [made["ready2"], made["received"]]
    finally:
        app.config["QUEUE_PAGE_SIZE"] = 50


def test_counts_stop_at_the_cap_and_say_so(desk, accounts, family, monkeypatch):
    surname, _ = family
    monkeypatch.setattr(work_queue, "COUNT_CAP", 1)
    page = desk(accounts["pharmacist"]).get(f"/?q={surname}").get_data(as_text=True)
    shown = counts(page)
    assert shown["ready"] == "1+" and shown["on_hold"] == "1" and shown["open"] == "3+"


def test_listing_is_audited_with_the_rx_numbers_and_never_the_search(app, desk, accounts, family):
    surname, made = family
    station = desk(accounts["technician"])
    station.get(f"/?q={surname}", headers={"X-Request-ID": f"q-{surname}"})
    with app.app_context():
        [event] = database.session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == f"q-{surname}")
        ).all()
    assert event.action == "queue.viewed"
    assert event.actor_name == accounts["technician"].username
    assert event.detail["searched"] is True
    assert set(event.detail["rx_numbers"]) == {str(rx) for rx in made.values()}
    assert surname not in str(event.detail)


def test_a_name_searched_for_never_reaches_the_logs(desk, accounts, family, caplog):
    surname, _ = family
    station = desk(accounts["pharmacist"])
    with caplog.at_level(logging.DEBUG):
        station.get(f"/?q={surname}&date=2026-11-21")
        station.get(f"/?q={surname}", headers={"HX-Request": "true", "HX-Target": "queue"})
    assert caplog.records
    logged = "\n".join(
        f"{r.getMessage()} {sorted(vars(r).items(), key=str)}" for r in caplog.records
    )
    assert surname not in logged
    assert "q=" not in logged


def test_htmx_gets_only_the_results(desk, accounts, family):
    surname, made = family
    response = desk(accounts["pharmacist"]).get(
        f"/?q={surname}", headers={"HX-Request": "true", "HX-Target": "queue"}
    )
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="queue">')
    assert "<html" not in body
    assert made["held"] in rows(body)
    assert "HX-Request" in response.headers["Vary"]


def test_every_role_sees_the_queue(desk, accounts):
    for role in ("technician", "pharmacist", "admin"):
        assert desk(accounts[role]).get("/").status_code == 200


def test_a_page_is_whole_even_when_the_counts_were_stale(app, family):
    """The counts steer which statuses a page reads; if orders moved between the two
    reads, the page reads them all rather than come back short."""
    from pharmacy.models import Patient, Prescription

    surname, made = family
    with app.app_context():
        session = database.session
        mine = Prescription.patient_id.in_(select(Patient.id).where(Patient.last_name == surname))
        stale = {status: work_queue.Count(0, False) for status in work_queue.VIEWS["all"]}
        stale["on_hold"] = work_queue.Count(1000, True)  # says: the page is all on hold
        ids, more = work_queue._window(
            session, work_queue.VIEWS["all"], [mine], None, forward=True, limit=3, counts=stale
        )
    assert ids == [made["held"], made["ready"], made["ready2"]] and more
