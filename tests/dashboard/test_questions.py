"""A pharmacist's question to the prescriber from the order page: the form for a
pharmacist only, the order waiting on the queue's "Awaiting prescriber" tab, the
question and the answer on the page, and the versions the answer made, diffed."""

from __future__ import annotations

import html

from tests.support.orders import QUESTION
from tests.support.refills import rows_of, snapshot, text_of

THREE_MG = {
    "medication": {"strength_mg": 3},
    "directions": {"steps": [{"dose_mg": 3, "days": 30}]},
}


def page_of(station, url: str) -> str:
    response = station.get(url)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def ask_form(page: str, rx: int) -> bool:
    return f'action="/orders/{rx}/ask-prescriber"' in page


def test_only_a_pharmacist_is_offered_the_question_on_an_order_on_hold_or_ready(
    desk, accounts, pharmacy
):
    held, ready, compounded = pharmacy.held(), pharmacy.ready(), pharmacy.compounded()
    pharmacist = desk(accounts["pharmacist"])
    assert ask_form(page_of(pharmacist, f"/orders/{held}"), held)
    assert ask_form(page_of(pharmacist, f"/orders/{ready}"), ready)
    assert not ask_form(page_of(pharmacist, f"/orders/{compounded}"), compounded)
    technician = desk(accounts["technician"])
    assert not ask_form(page_of(technician, f"/orders/{held}"), held)
    before = snapshot(pharmacy, held)
    refused = technician.post(f"/orders/{held}/ask-prescriber", {"reason": QUESTION})
    assert refused.status_code == 403
    assert snapshot(pharmacy, held) == before


def test_a_pharmacist_asks_and_the_order_waits_on_its_own_tab(desk, accounts, pharmacy):
    rx = pharmacy.held()
    station = desk(accounts["pharmacist"])

    response = station.post(f"/orders/{rx}/ask-prescriber", {"reason": QUESTION})

    assert response.status_code == 303
    page = page_of(station, f"/orders/{rx}")
    assert text_of(page, "status") == "Awaiting prescriber"
    assert QUESTION in text_of(page, "questions")
    assert "Waiting for the prescriber's answer." in text_of(page, "questions")
    assert not ask_form(page, rx)
    tab = page_of(station, "/?view=awaiting_prescriber")
    assert f'data-rx="{rx}"' in tab
    assert f'data-rx="{rx}"' not in page_of(station, "/?view=on_hold")


def test_a_question_too_short_is_refused_with_what_was_typed(desk, accounts, pharmacy):
    rx = pharmacy.ready()
    station = desk(accounts["pharmacist"])
    before = pharmacy.state(rx)["status"]

    response = station.post(f"/orders/{rx}/ask-prescriber", {"reason": "Dose?"})

    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Dose?" in page
    assert "Question for the prescriber" in page
    assert pharmacy.state(rx)["status"] == before == "ready"
    assert "questions" not in page_of(station, f"/orders/{rx}").split('id="actions"')[0]


def test_the_answer_and_the_versions_it_made_are_on_the_order_page(desk, accounts, pharmacy):
    rx = pharmacy.asked(pharmacy.ready())
    answered = pharmacy.answer(rx, "Yes, 3 mg from now on.", changes=THREE_MG)
    assert answered.status_code == 201
    pharmacy.work(rx)
    station = desk(accounts["technician"])

    page = page_of(station, f"/orders/{rx}")

    questions = text_of(page, "questions")
    assert QUESTION in questions
    assert "Yes, 3 mg from now on." in questions
    assert "version 2 in force" in questions
    versions = text_of(page, "versions")
    assert "Version 1: as first sent" in versions
    assert "Version 2" in versions
    changed = {row[0]: row[1:] for row in rows_of(page, "versions")}
    assert changed["medication.strength_mg"] == ["1.5", "3"]
    assert changed["directions.steps[0].dose_mg"] == ["1.5", "3"]
    assert "patient.last_name" not in changed
    fills = rows_of(page, "fills")
    assert [row[2] for row in fills] == ["Replaced by the answer", "Ready"]
    assert "worked again after the prescriber answered" in fills[1][1]
