"""One order as the pharmacy staff see it: everything about it in one read, audited.

The order page shows the prescription as sent, the screening alerts, the worksheet,
the compounding record, the price and the order's audit trail. Reading it is access to
patient data, so the read itself is an audit event, written before the page is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from pharmacy.domain.drug_lexicon import Reading
from pharmacy.domain.screening import read_lists
from pharmacy.models import (
    AuditEvent,
    CompoundingRecord,
    MasterFormulationRecord,
    Prescription,
    PriceList,
    User,
    in_current_fill,
)
from pharmacy.services import Actor, NotFound
from pharmacy.services.records import trail
from pharmacy.services.reference import drug_data
from pharmacy.services.unit_of_work import unit_of_work
from pharmacy.services.worker.outcome import lists_of


@dataclass(frozen=True)
class OrderView:
    prescription: Prescription
    record: CompoundingRecord | None
    formula: MasterFormulationRecord | None
    price_list: PriceList | None
    events: Sequence[AuditEvent]
    users: dict[int, User]  # who compounded and verified, by id
    # What the screen recognised in each line of the order's lists, read with the drug
    # data it was screened with (the newest, before it is screened).
    readings: dict[str, list[Reading]]
    drug_data_version: int

    @property
    def compounded_by(self) -> int | None:
        return self.record.compounded_by if self.record else None


def load(session: Session, rx_number: int) -> Prescription:
    prescription = session.scalar(
        select(Prescription)
        .where(Prescription.id == rx_number)
        .options(
            joinedload(Prescription.patient),
            joinedload(Prescription.clinic),
            joinedload(Prescription.prescriber),
            joinedload(Prescription.worksheet),
            selectinload(Prescription.steps),
            selectinload(Prescription.alerts),
            selectinload(Prescription.price_lines),
            selectinload(Prescription.status_history),
        )
    )
    if prescription is None:
        raise NotFound(f"there is no Rx {rx_number}")
    return prescription


def view_order(
    session: Session, rx_number: int, *, actor: Actor, request_id: str | None = None
) -> OrderView:
    prescription = load(session, rx_number)
    record = session.scalar(
        select(CompoundingRecord).where(in_current_fill(CompoundingRecord, rx_number))
    )
    people = {record.compounded_by, record.verified_by} - {None} if record else set()
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(people)))}
    worksheet = prescription.worksheet
    formula = session.get(MasterFormulationRecord, worksheet.mfr_id) if worksheet else None
    price_list = (
        session.get(PriceList, prescription.price_list_id) if prescription.price_list_id else None
    )
    with unit_of_work(session):  # the read is recorded before anything is shown
        trail.record(
            session,
            actor,
            "prescription.viewed",
            prescription_id=prescription.id,
            request_id=request_id,
        )
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.prescription_id == rx_number).order_by(AuditEvent.id)
    ).all()
    version = prescription.drug_data_version or drug_data.current(session)[0]
    lexicon = drug_data.of_version(session, version)
    readings = read_lists(lists_of(prescription), lexicon)
    return OrderView(prescription, record, formula, price_list, events, users, readings, version)
