"""The information sheet and wallet card that go out with a first fill, read back from
the PDF: in the patient's language, with the calendar's real dates, and their print
audited as a label's is."""

import uuid
from datetime import date

import pytest
from sqlalchemy import select

from pharmacy.domain.labeling import OPIOID_WARNING
from pharmacy.extensions import database
from pharmacy.labels import LabelDoesNotFit
from pharmacy.labels.patient_papers import CARD, SHEET, render_patient_papers
from pharmacy.models import AuditEvent
from pharmacy.services import Actor
from pharmacy.services import worker as work
from pharmacy.services.counter import printing
from tests.support.labels import capsules, titration, weekly_titration
from tests.support.orders import URL, changed, submitted
from tests.support.pdf import flat, page_texts, pages

STAFF = Actor("user", "1", "tester")


def _sheet_and_card(facts) -> tuple[str, str]:
    *sheet, card = page_texts(render_patient_papers(facts))
    return " ".join(sheet), card


def test_the_sheet_says_what_ldn_is_how_to_take_it_and_the_risks():
    sheet, _ = _sheet_and_card(titration())
    assert "What is LDN?" in sheet and "blocks the body's opioid receptors" in sheet
    assert "Days 1-14: 1 capsule (1.5 mg) by mouth at bedtime" in sheet
    assert flat(OPIOID_WARNING) in sheet
    assert "more sensitive to opioids than before" in sheet and "overdose" in sheet
    assert "Vivid dreams" in sheet
    assert "Call the pharmacy: Demo Compounding Pharmacy, 614-555-0123." in sheet


def test_the_calendar_has_real_dates_from_the_fills_start():
    sheet, _ = _sheet_and_card(titration(filled_on=date(2026, 11, 21)))
    assert "Nov 21 – Dec 4, 2026 1 capsule (1.5 mg) by mouth at bedtime" in sheet
    assert "Dec 5 – 18, 2026 2 capsules (3 mg) by mouth at bedtime" in sheet
    assert "Dec 19, 2026 – Jan 1, 2027 3 capsules (4.5 mg) by mouth at bedtime" in sheet


def test_the_sheet_and_card_print_in_spanish():
    sheet, card = _sheet_and_card(weekly_titration(language="es"))
    assert "Su medicamento: naltrexona en dosis bajas (LDN)" in sheet
    assert "Días 1-7: 1 cápsula (0.5 mg) por vía oral a la hora de acostarse" in sheet
    assert "21–27 nov 2026 1 cápsula (0.5 mg) por vía oral a la hora de acostarse" in sheet
    assert "NO TOME CON MEDICAMENTOS OPIOIDES PARA EL DOLOR, LA TOS O LA DIARREA." in sheet
    assert "puede causarle una sobredosis" in sheet and "sueños vívidos" in sheet
    assert "Tomo naltrexona" in card
    assert "PARA EL PERSONAL DE EMERGENCIAS: tomo naltrexona" in card
    # Emergency staff read English: the card says it in English as well.
    assert "FOR EMERGENCY STAFF: I take naltrexone, an opioid blocker." in card
    assert "614-555-0123" in card


def test_the_wallet_card_says_i_take_naltrexone_the_warning_and_the_phone():
    _, card = _sheet_and_card(capsules())
    assert card.startswith("I take naltrexone Ada Lovelace")
    assert "FOR EMERGENCY STAFF: I take naltrexone, an opioid blocker. Opioid pain, cough" in card
    assert "Pharmacy: Demo Compounding Pharmacy, 614-555-0123" in card
    assert "Rx 1000123" in card


def test_a_right_to_left_name_is_on_the_card_in_visual_order():
    *_, card = pages(render_patient_papers(capsules(patient_name="דוד כהן")))
    drawn = next(text for text, _ in card.lines() if not text.isascii())
    assert drawn == "ןהכ דוד"  # left to right as drawn: read right to left, "דוד כהן"


def test_a_name_too_long_for_the_card_is_refused_not_cut_off():
    with pytest.raises(LabelDoesNotFit, match="wallet card does not fit"):
        render_patient_papers(capsules(patient_name="Wolfeschlegelsteinhausen " * 12), [CARD])


def test_the_sheet_alone_is_one_letter_page_for_the_usual_titration():
    assert len(page_texts(render_patient_papers(titration(language="es"), [SHEET]))) == 1


# --- printed from the database, audited ------------------------------------------------


def _cancel(client, clinic, order: dict) -> None:
    """Out of today's ready batch, whose 4 x 2 in labels a Spanish one does not fit."""
    url = f"{URL}/{order['id']}/cancel"
    assert client.post(url, json={}, headers=clinic.headers).status_code == 200


def test_printing_the_papers_of_a_spanish_patients_order_is_audited(
    app, client, clinic, prescription, today
):
    body = changed(prescription, last_name=f"Papers-{uuid.uuid4().hex[:6]}", language="es")
    order = submitted(client, clinic, body)
    with app.app_context():
        work.work_prescription(database.session, int(order["rx_number"]), today=today)
        pdf = printing.print_patient_papers(
            database.session, STAFF, order["rx_number"], app.config, today
        )
        events = database.session.scalars(
            select(AuditEvent).where(AuditEvent.prescription_id == int(order["rx_number"]))
        ).all()
    _cancel(client, clinic, order)
    *sheet, card = page_texts(pdf)
    assert "Tome 1 cápsula (1.5 mg) por vía oral a la hora de acostarse" in " ".join(sheet)
    assert order["patient"]["last_name"] in card
    [printed] = [event for event in events if event.action == "patient_papers.printed"]
    assert printed.detail["language"] == "es"


def test_a_spanish_patients_label_prints_in_spanish_and_large_print(
    app, client, clinic, prescription, today
):
    body = changed(prescription, last_name=f"Grande-{uuid.uuid4().hex[:6]}", language="es-MX")
    order = submitted(client, clinic, body)
    with app.app_context():
        work.work_prescription(database.session, int(order["rx_number"]), today=today)
        pdf = printing.print_label(
            database.session,
            STAFF,
            order["rx_number"],
            app.config,
            today,
            stock="thermal-4x6",
            large_print=True,
        )
    _cancel(client, clinic, order)
    [text] = page_texts(pdf)
    assert "Tome 1 cápsula (1.5 mg) por vía oral a la hora de acostarse" in text
    assert flat(OPIOID_WARNING) in text
