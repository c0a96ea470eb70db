"""The printed compounding record of a fill (the batch record, domain §8): what was made,
from which lots, by which steps, checked how, by whom; its print audited like a label's.

Only a fill that has been compounded has one: compounded, verified or dispensed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.domain.batch_record import (
    BatchRecordFacts,
    StepDone,
    Weighing,
    batch_yield,
    calculation_lines,
    equipment_of,
    procedure_of,
)
from pharmacy.domain.labeling import drug_description
from pharmacy.domain.workflow import HANDED_OVER, Status
from pharmacy.labels.batch_record import render_batch_record
from pharmacy.models import (
    CompoundingRecord,
    MasterFormulationRecord,
    Prescription,
    User,
    Worksheet,
    in_current_fill,
    utcnow,
)
from pharmacy.services import Actor, Conflict, NotFound
from pharmacy.services.counter.printing import record_print
from pharmacy.services.reads.formulary import ingredient_names
from pharmacy.services.unit_of_work import unit_of_work

WITH_RECORD = frozenset({Status.COMPOUNDED, Status.VERIFIED, *HANDED_OVER})


def has_batch_record(status: str) -> bool:
    return Status(status) in WITH_RECORD


def print_batch_record(
    session: Session,
    actor: Actor,
    rx_number: int,
    config: Mapping[str, object],
    *,
    request_id: str | None = None,
) -> bytes:
    """The batch record of the fill in progress as a PDF; the print is audited."""
    with unit_of_work(session):
        prescription = session.get(Prescription, rx_number)
        if prescription is None:
            raise NotFound(f"there is no Rx {rx_number}")
        record = session.scalar(
            select(CompoundingRecord).where(in_current_fill(CompoundingRecord, rx_number))
        )
        if not has_batch_record(prescription.status) or record is None:
            raise Conflict(
                "no_batch_record",
                f"Rx {rx_number} has no batch record to print: it is {prescription.status}, "
                "and a batch record exists once the fill is compounded",
            )
        facts = batch_record_facts(session, prescription, record, config)
        pdf = render_batch_record(facts)
        record_print(
            session,
            actor,
            "batch_record",
            [prescription],
            compounding_record_id=record.id,
            request_id=request_id,
        )
    return pdf


def batch_record_facts(
    session: Session,
    prescription: Prescription,
    record: CompoundingRecord,
    config: Mapping[str, object],
) -> BatchRecordFacts:
    zone = ZoneInfo(str(config["PHARMACY_TIMEZONE"]))

    def local(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    worksheet = session.get(Worksheet, record.worksheet_id)
    data = worksheet.data if worksheet else {}
    formula = session.get(MasterFormulationRecord, record.mfr_id)
    procedure = procedure_of(formula.formula)
    names = ingredient_names(session)
    people = {record.compounded_by, record.verified_by} - {None}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(people)))}
    sent = prescription.as_sent
    planned = {c["ingredient_code"]: c for c in data.get("components", ())}
    made = data.get("batch_quantity")
    return BatchRecordFacts(
        pharmacy=f"{config['PHARMACY_NAME']}, {config['PHARMACY_ADDRESS']}",
        rx_number=str(prescription.rx_number),
        fill=_fill(record.fill_number),
        patient=f"{sent['patient']['first_name']} {sent['patient']['last_name']}, "
        f"born {sent['patient']['date_of_birth']}",
        prescriber=f"{sent['prescriber']['first_name']} {sent['prescriber']['last_name']}, "
        f"NPI {sent['prescriber']['npi']}",
        preparation=drug_description(prescription.dosage_form, prescription.strength_mg),
        formula=formula.name,
        formula_version=formula.version,
        equipment=equipment_of(formula.formula),
        compounded_on=record.compounded_on.isoformat(),
        compounded_at=local(record.compounded_at),
        compounded_by=_who(users.get(record.compounded_by)),
        verified_by=_who(users.get(record.verified_by)) if record.verified_by else "",
        verified_at=local(record.verified_at),
        quantity_to_dispense=f"{data.get('quantity', '')} {record.quantity_unit}".strip(),
        batch_quantity=f"{made} {record.quantity_unit}" if made else "",
        quantity_made=f"{record.quantity_made} {record.quantity_unit}",
        beyond_use_date=str(prescription.beyond_use_date or ""),
        weighings=tuple(
            Weighing(
                ingredient=names.get(c["ingredient_code"], c["ingredient_code"]),
                lot_number=c["lot_number"],
                vendor=c["vendor"],
                expires_on=c["expires_on"],
                planned=_planned(planned.get(c["ingredient_code"])),
                actual=f"{c['amount']} {c['unit']}",
            )
            for c in record.components
        ),
        calculations=calculation_lines(data),
        steps=tuple(
            StepDone(
                title=step["title"],
                text=step.get("text", ""),
                done=bool(step.get("done")),
                initials=step.get("initials", ""),
                at=local(datetime.fromisoformat(step["at"])) if step.get("at") else "",
            )
            for step in record.steps or ()
        ),
        qc_passed=record.qc_passed,
        qc_summary=record.qc.get("summary", ""),
        qc_measured=_measured(record.qc),
        yield_summary=batch_yield(record.quantity_made, made, procedure).summary if made else "",
        deviations=record.deviations or "none",
        printed_at=local(utcnow()),
    )


def _fill(number: int) -> str:
    return "original fill" if number == 0 else f"fill {number}"


def _who(user: User | None) -> str:
    if user is None:
        return ""
    name = user.full_name or user.username
    return f"{name} ({user.initials})" if user.initials else name


def _planned(component: Mapping | None) -> str:
    if not component:
        return ""
    return f"{component.get('amount_used', '')} {component.get('unit', '')}".strip()


def _measured(qc: Mapping) -> str:
    measured = qc.get("measured") or ()
    return f"{', '.join(str(value) for value in measured)} {qc.get('unit', '')}".strip()
