"""Printing a worked order's label or receipt: what it prints, the PDF, and the audit.

Only an order that has been worked (ready or later) has the quantity, beyond-use date
and price a label or receipt needs; anything earlier, held or closed is refused with
the reason. Each print is an audit event, written in the same unit of work that reads
the order (`print_label`, `print_receipt`, `print_ready_labels`); a document that
cannot be printed whole is refused and leaves no event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload

from pharmacy.domain.labeling import (
    LabelFacts,
    PharmacyDetails,
    ReceiptFacts,
    ReceiptLine,
    drug_description,
    quantity_text,
)
from pharmacy.domain.prescription import DosageForm, print_language
from pharmacy.domain.refills import refills_left_after
from pharmacy.domain.workflow import HANDED_OVER, Status, why_not_printable
from pharmacy.domain.workflow import PRINTABLE as PRINTABLE  # the states that print
from pharmacy.labels import LabelDoesNotFit, render_labels, render_receipt
from pharmacy.labels.patient_papers import render_patient_papers
from pharmacy.models import (
    CompoundingRecord,
    Fill,
    Prescription,
    StatusChange,
    User,
    in_current_fill,
)
from pharmacy.services import Actor, Conflict, NotFound
from pharmacy.services.reads.fills import steps_in_progress
from pharmacy.services.reads.payments import WAIVER, payment_rows, receipt_words, signed
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

INITIAL_BY_HAND = "____"  # the verifying pharmacist initials the label by hand
LARGE_PRINT_LAYOUT = "label-large-print"  # 18 pt critical text (U.S. Access Board)


def pharmacy_details(config: Mapping[str, object]) -> PharmacyDetails:
    return PharmacyDetails(
        str(config["PHARMACY_NAME"]),
        str(config["PHARMACY_ADDRESS"]),
        str(config["PHARMACY_PHONE"]),
    )


def printable(session: Session, rx_number: str) -> Prescription:
    """The worked order with this Rx number, or a refusal that says why not."""
    if not rx_number.isascii() or not rx_number.isdigit():
        raise NotFound(f"Rx {rx_number!r} is not an Rx number")
    prescription = session.scalar(
        select(Prescription)
        .where(Prescription.id == int(rx_number))
        .options(
            selectinload(Prescription.steps),
            selectinload(Prescription.price_lines),
            selectinload(Prescription.worksheet),
        )
    )
    if prescription is None:
        raise NotFound(f"there is no Rx {rx_number}")
    why = why_not_printable(prescription.status)
    if why is not None:
        raise Conflict("not_printable", f"Rx {rx_number} cannot be printed: {why}")
    return prescription


def verifier(session: Session, rx_number: int) -> User | None:
    """The pharmacist who verified the order, whose initials its label carries."""
    verified_by = session.scalar(
        select(CompoundingRecord.verified_by).where(in_current_fill(CompoundingRecord, rx_number))
    )
    return session.get(User, verified_by) if verified_by is not None else None


def label_facts(
    prescription: Prescription,
    config: Mapping[str, object],
    filled_on: date,
    pharmacist: User | None = None,
) -> LabelFacts:
    sent = prescription.as_sent
    worksheet = prescription.worksheet.data if prescription.worksheet else {}
    prescriber = sent["prescriber"]
    return LabelFacts(
        rx_number=prescription.rx_number,
        patient_name=_patient_name(prescription),
        dosage_form=prescription.dosage_form,
        strength_mg=prescription.strength_mg,
        steps=steps_in_progress(prescription),
        times_per_day=prescription.times_per_day,
        quantity=prescription.quantity,
        refills_left=refills_left_after(prescription.current_refill, prescription.refills),
        refill=prescription.current_refill,
        refills=prescription.refills,
        filled_on=filled_on,
        use_by=prescription.beyond_use_date,
        storage=worksheet.get("storage", ""),
        auxiliary=tuple(worksheet.get("auxiliary", ())),
        prescriber_name=f"{prescriber['first_name']} {prescriber['last_name']}",
        pharmacist_initials=(pharmacist.initials if pharmacist else "") or INITIAL_BY_HAND,
        pharmacy=pharmacy_details(config),
        # Kept as sent (no column of its own): "es-MX" prints the Spanish catalog.
        language=print_language(sent["patient"].get("language")),
    )


def receipt_facts(
    prescription: Prescription, config: Mapping[str, object], on: date
) -> ReceiptFacts:
    """The receipt of the fill in progress: what was actually paid and how, refunds
    included (`counter.payments`), and once it is handed over the line an HSA/FSA
    administrator needs, with the day it was dispensed or shipped."""
    session = object_session(prescription)
    rows = [] if session is None else payment_rows(session, prescription)
    paid = tuple(ReceiptLine(receipt_words(row), signed(row)) for row in rows if row.amount)
    waiver = next((row for row in rows if row.kind == WAIVER), None)
    prescriber = prescription.as_sent["prescriber"]
    handed_over = None
    if session is not None and prescription.status in HANDED_OVER:
        handed_over = session.scalar(
            select(Fill.dispensed_on).where(
                Fill.prescription_id == prescription.id,
                Fill.number == prescription.current_fill,
            )
        )
    return ReceiptFacts(
        pharmacy=pharmacy_details(config),
        patient_name=_patient_name(prescription),
        rx_number=prescription.rx_number,
        date=on,
        lines=tuple(ReceiptLine(line.label, line.amount) for line in prescription.price_lines),
        total=prescription.price_total,
        payment="Not paid yet",
        item=f"{_drug(prescription)}, {_quantity(prescription)}",
        payments=paid,
        waived=f"Payment waived by {waiver.taken_by_name}: {waiver.reason}" if waiver else "",
        prescriber=f"{prescriber['first_name']} {prescriber['last_name']}, NPI {prescriber['npi']}",
        days_supply=prescription.part_days,
        pharmacy_npi=str(config.get("PHARMACY_NPI") or ""),
        dispensed_on=handed_over,
    )


def ready_on(session: Session, day: date, timezone: str) -> Sequence[Prescription]:
    """Orders still ready whose fill in progress became ready on `day` (the pharmacy's
    day), in queue order. An earlier fill's day does not count."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), zone)
    became_ready = (
        select(StatusChange.id)
        .where(
            StatusChange.prescription_id == Prescription.id,
            StatusChange.fill_number == Prescription.current_fill,
            StatusChange.to_status == Status.READY,
            StatusChange.at >= start,
            StatusChange.at < start + timedelta(days=1),
        )
        .exists()
    )
    return session.scalars(
        select(Prescription)
        .where(Prescription.status == Status.READY, became_ready)
        .order_by(Prescription.id)
        .options(selectinload(Prescription.steps), selectinload(Prescription.worksheet))
    ).all()


def record_print(
    session: Session, actor: Actor, what: str, prescriptions: Sequence[Prescription], **detail
) -> None:
    with unit_of_work(session):
        for prescription in prescriptions:
            trail.record(
                session, actor, f"{what}.printed", prescription_id=prescription.id, **detail
            )


class NotAPharmacist(NotFound):
    """The account named to initial a label is not an active pharmacist's."""

    def __init__(self, username: str) -> None:
        super().__init__(f"{username!r} is not an active pharmacist")
        self.username = username


def pharmacist_named(session: Session, username: str) -> User:
    """The active pharmacist with this username, whose initials a label may carry."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None or user.role != "pharmacist":
        raise NotAPharmacist(username)
    return user


def print_label(
    session: Session,
    actor: Actor,
    rx_number: str,
    config: Mapping[str, object],
    today: date,
    *,
    stock: str,
    initialled_by: str | None = None,
    request_id: str | None = None,
    large_print: bool = False,
) -> bytes:
    """The order's label as a PDF, its print audited. It carries the initials of the
    pharmacist who verified the order, or of `initialled_by` (a pharmacist's username);
    before verification, a blank the verifying pharmacist initials by hand. In
    `large_print`, critical text is set in 18 pt (on a stock large enough to hold it)."""
    with unit_of_work(session):
        order = printable(session, rx_number)
        pharmacist = (
            verifier(session, order.id)
            if initialled_by is None
            else pharmacist_named(session, initialled_by)
        )
        facts = label_facts(order, config, today, pharmacist)
        layout = LARGE_PRINT_LAYOUT if large_print else "label"
        try:
            pdf = render_labels(facts, stock, layout)
        except LabelDoesNotFit as error:
            raise Conflict("label_does_not_fit", str(error)) from None
        detail = {"layout": layout} if large_print else {}
        record_print(session, actor, "label", [order], stock=stock, request_id=request_id, **detail)
    return pdf


def print_patient_papers(
    session: Session,
    actor: Actor,
    rx_number: str,
    config: Mapping[str, object],
    today: date,
    *,
    request_id: str | None = None,
) -> bytes:
    """The patient information sheet and wallet card, in the patient's language, as one
    PDF; its print audited as a label's is. They go out with a first fill, and can be
    printed again with any later one (the calendar then starts with that fill)."""
    with unit_of_work(session):
        order = printable(session, rx_number)
        facts = label_facts(order, config, today, verifier(session, order.id))
        try:
            pdf = render_patient_papers(facts)
        except LabelDoesNotFit as error:
            raise Conflict("papers_do_not_fit", str(error)) from None
        record_print(
            session,
            actor,
            "patient_papers",
            [order],
            language=facts.language,
            fill=order.current_fill,
            request_id=request_id,
        )
    return pdf


def print_receipt(
    session: Session,
    actor: Actor,
    rx_number: str,
    config: Mapping[str, object],
    today: date,
    *,
    stock: str,
    request_id: str | None = None,
) -> bytes:
    """The order's receipt as a PDF, every price line and the total; its print audited."""
    with unit_of_work(session):
        order = printable(session, rx_number)
        facts = receipt_facts(order, config, today)
        try:
            pdf = render_receipt(facts, stock)
        except LabelDoesNotFit as error:
            raise Conflict("receipt_does_not_fit", str(error)) from None
        record_print(session, actor, "receipt", [order], stock=stock, request_id=request_id)
    return pdf


@dataclass(frozen=True)
class LabelBatch:
    pdf: bytes | None  # None when no label could be printed
    printed: tuple[str, ...]  # the Rx numbers on the sheet, in queue order
    held_back: tuple[tuple[str, str], ...]  # (Rx number, why) of each label left off


def print_ready_labels(
    session: Session,
    actor: Actor,
    day: date,
    config: Mapping[str, object],
    today: date,
    *,
    stock: str,
) -> LabelBatch:
    """One sheet of the labels of every order that became ready on `day` and is still
    ready, in queue order. A label that cannot be printed whole holds back only itself:
    the others are printed (and audited), and it is named with the reason."""
    with unit_of_work(session):
        orders = ready_on(session, day, str(config["PHARMACY_TIMEZONE"]))
        printed: list[tuple[Prescription, LabelFacts]] = []
        held_back: list[tuple[str, str]] = []
        for order in orders:
            facts = label_facts(order, config, today)
            try:
                render_labels(facts, stock)
            except LabelDoesNotFit as error:
                held_back.append((order.rx_number, str(error)))
            else:
                printed.append((order, facts))
        pdf = None
        if printed:
            pdf = render_labels([facts for _, facts in printed], stock)
            orders_printed = [order for order, _ in printed]
            record_print(session, actor, "label", orders_printed, stock=stock, batch=True)
    return LabelBatch(pdf, tuple(order.rx_number for order, _ in printed), tuple(held_back))


def _patient_name(prescription: Prescription) -> str:
    patient = prescription.as_sent["patient"]
    return f"{patient['first_name']} {patient['last_name']}"


def _drug(prescription: Prescription) -> str:
    return drug_description(prescription.dosage_form, prescription.strength_mg)


def _quantity(prescription: Prescription) -> str:
    return quantity_text(prescription.quantity, DosageForm(prescription.dosage_form).unit)
