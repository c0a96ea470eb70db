"""Mailing a verified fill to the patient instead of handing it over at the counter.

Shipping is a hand-over like dispensing (`workflow.HANDED_OVER`): the label printed, the
fill paid or waived, the offer to counsel recorded, the fill's day written (the ship
date) and a refill used, all in one unit of work with its status change, whose history
the clinic's `prescription.shipped` webhook reads (with the tracking number).

The parcel takes days to arrive, and the patient starts the supply only then: the
arrival day (ship date + transit days, the carrier's setting or a typed number) is
counted against the beyond-use date as the counter counts today. A fill that would
arrive after its beyond-use date is never mailed; one whose supply would outlast it is
mailed only by a pharmacist, with a written reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.domain.beyond_use import supply_outlasts_bud
from pharmacy.domain.prescription import Problem
from pharmacy.domain.written import tidy
from pharmacy.labels.packing_slip import PackedFill, PackingSlipFacts, render_packing_slip
from pharmacy.models import Prescription, Shipment
from pharmacy.services import Actor, Conflict, NotFound
from pharmacy.services.counter import printing
from pharmacy.services.counter.access import Action, Forbidden, Staff, authorize
from pharmacy.services.counter.actions import _handed_over, _label_printed, _shown
from pharmacy.services.counter.changes import (
    checked_move,
    invalid,
    locked,
    write_move,
    written_reason,
)
from pharmacy.services.counter.counseling import Offer, record_offer
from pharmacy.services.counter.payments import require_settled
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

MAX_TRANSIT_DAYS = 60  # surface mail abroad takes weeks
ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postal_code")


@dataclass(frozen=True)
class Parcel:
    """What the counter typed: the carrier (one of the pharmacy's, or another named),
    its tracking number, the day it left, the transit days (blank: the carrier's
    setting) and the address (None: the patient's on record; else lines as typed)."""

    carrier: str
    tracking_number: str
    shipped_on: date | None  # None: not a day (the form's field said nothing readable)
    transit_days: int | str | None = None
    address: tuple[str, ...] | None = None


def address_on_record(prescription: Prescription) -> tuple[str, ...]:
    """The patient's address as the clinic sent it, as lines; empty when none was."""
    address = prescription.as_sent["patient"].get("address") or {}
    if not address:
        return ()
    city = ", ".join(part for part in (address.get("city"), address.get("state")) if part)
    last = " ".join(part for part in (city, address.get("postal_code")) if part)
    return tuple(line for line in (address.get("line1"), address.get("line2"), last) if line)


def ship(
    session: Session,
    staff: Staff,
    rx_number: int,
    parcel: Parcel,
    counseling: Offer | None,
    *,
    today: date,
    carriers: Mapping[str, int],
    request_id: str | None = None,
    short_supply_reason: str | None = None,
) -> Prescription:
    """The verified fill leaves by mail: its shipment, its status change, its audit."""
    with unit_of_work(session):
        authorize(session, staff, Action.SHIP)
        prescription = locked(session, rx_number)
        change = checked_move(prescription, Action.SHIP)
        address, on_record, carrier, tracking, transit, shipped_on = _parcel(
            prescription, parcel, carriers, today
        )
        if not _label_printed(session, prescription):
            raise Conflict(
                "label_not_printed",
                f"Rx {prescription.rx_number} has no printed label: print it and put it on "
                "the container before shipping it",
            )
        arrives = shipped_on + timedelta(days=transit)
        overridden = _arrives_in_date(session, staff, prescription, arrives, short_supply_reason)
        require_settled(session, prescription)
        record_offer(session, staff, prescription, counseling, "ship")
        session.add(
            Shipment(
                prescription_id=prescription.id,
                fill_number=prescription.current_fill,
                address="\n".join(address),
                to_address_on_record=on_record,
                carrier=carrier,
                tracking_number=tracking,
                shipped_on=shipped_on,
                transit_days=transit,
                arrives_on=arrives,
                short_supply_reason=overridden.get("short_supply_reason"),
                shipped_by_name=staff.username,
            )
        )
        write_move(session, prescription, change, staff)
        _handed_over(session, prescription, shipped_on)
        trail.record(
            session,
            staff.actor,
            "prescription.shipped",
            prescription_id=prescription.id,
            request_id=request_id,
            from_status=change.from_status.value,
            to_status=change.to_status.value,
            carrier=carrier,
            tracking_number=tracking,
            arrives_on=arrives.isoformat(),
            **overridden,
        )
        return _shown(session, prescription)


def print_packing_slip(
    session: Session,
    actor: Actor,
    rx_number: int,
    config: Mapping[str, object],
    *,
    request_id: str | None = None,
) -> bytes:
    """The packing slip of the fill shipped last, as a PDF; its print audited (it
    carries the patient's name and address)."""
    with unit_of_work(session):
        prescription = session.get(Prescription, rx_number)
        parcel = None
        if prescription is not None:
            parcel = shipment_of(session, prescription.id, prescription.current_fill)
        if prescription is None or parcel is None:
            raise NotFound(f"Rx {rx_number} has no shipment to print a packing slip for")
        worksheet = prescription.worksheet.data if prescription.worksheet else {}
        patient = prescription.as_sent["patient"]
        slip = PackingSlipFacts(
            pharmacy=printing.pharmacy_details(config),
            patient_name=f"{patient['first_name']} {patient['last_name']}",
            address=tuple(parcel.address.split("\n")),
            carrier=parcel.carrier,
            tracking_number=parcel.tracking_number,
            shipped_on=parcel.shipped_on,
            fills=(
                PackedFill(
                    prescription.rx_number,
                    printing.receipt_facts(prescription, config, parcel.shipped_on).item,
                    prescription.beyond_use_date,
                    worksheet.get("storage", ""),
                ),
            ),
        )
        pdf = render_packing_slip(slip)
        printing.record_print(session, actor, "packing_slip", [prescription], request_id=request_id)
    return pdf


def shipment_of(session: Session, rx_number: int, fill_number: int) -> Shipment | None:
    return session.scalar(
        select(Shipment).where(
            Shipment.prescription_id == rx_number, Shipment.fill_number == fill_number
        )
    )


def _parcel(
    prescription: Prescription, parcel: Parcel, carriers: Mapping[str, int], today: date
) -> tuple[tuple[str, ...], bool, str, str, int, date]:
    """The address, whether it is the one on record, the carrier, the tracking number,
    the transit days and the ship date, or Invalid naming each field that is wrong."""
    problems = []
    if parcel.shipped_on is None or parcel.shipped_on > today:
        problems.append(Problem("shipped_on", "the day it left: today or earlier"))
    carrier, tracking = tidy(parcel.carrier or ""), tidy(parcel.tracking_number or "")
    if not carrier or len(carrier) > 40:
        problems.append(Problem("carrier", "the carrier's name (at most 40 characters)"))
    if not tracking or len(tracking) > 60 or not tracking.replace(" ", "").isalnum():
        problems.append(Problem("tracking_number", "the carrier's tracking number"))
    transit = _transit_days(parcel.transit_days, carriers.get(carrier))
    if transit is None:
        problems.append(
            Problem(
                "transit_days",
                f"days in transit, 0 to {MAX_TRANSIT_DAYS} (the pharmacy has no setting for "
                f"{carrier or 'this carrier'})",
            )
        )
    on_record = parcel.address is None
    address = address_on_record(prescription) if on_record else _typed(parcel.address or ())
    if not address:
        problems.append(
            Problem(
                "address",
                "no address is on record for the patient: type the address to ship to"
                if on_record
                else "the address to ship to: street, then city, state and ZIP",
            )
        )
    if problems:
        raise invalid(problems)
    assert transit is not None and parcel.shipped_on is not None
    return address, on_record, carrier, tracking, transit, parcel.shipped_on


def _typed(lines: tuple[str, ...]) -> tuple[str, ...]:
    kept = tuple(tidy(line) for line in lines if tidy(line))
    if len(kept) < 2 or any(len(line) > 120 for line in kept) or len(kept) > 5:
        return ()
    return kept


def _transit_days(typed: int | str | None, setting: int | None) -> int | None:
    if typed is None or str(typed).strip() == "":
        return setting
    text = str(typed).strip()
    if not text.isascii() or not text.isdigit() or int(text) > MAX_TRANSIT_DAYS:
        return None
    return int(text)


def _arrives_in_date(
    session: Session, staff: Staff, prescription: Prescription, arrives: date, reason: object
) -> dict[str, str]:
    """Nothing, when the supply ends by the beyond-use date counted from the arrival;
    else the pharmacist's override as the audit event records it, or a refusal."""
    use_by = prescription.beyond_use_date
    if use_by is None:
        return {}
    if arrives > use_by:
        raise Conflict(
            "arrives_after_beyond_use_date",
            f"Rx {prescription.rx_number} would arrive on {arrives.isoformat()}, after its "
            f"beyond-use date {use_by.isoformat()}: it may not be shipped",
        )
    if not supply_outlasts_bud(arrives, prescription.part_days, use_by):
        return {}
    if reason is None:
        raise Conflict(
            "beyond_use_before_supply_ends",
            f"Rx {prescription.rx_number} would arrive on {arrives.isoformat()} and must be "
            f"used by {use_by.isoformat()}, before its {prescription.part_days}-day supply "
            "would run out: a pharmacist ships it with a written reason, or it is made "
            "again and split",
        )
    if authorize(session, staff, Action.SHIP).role != "pharmacist":
        raise Forbidden(
            f"only a pharmacist may ship Rx {prescription.rx_number} with a supply that "
            f"outlasts its beyond-use date {use_by.isoformat()}"
        )
    return {"short_supply_reason": written_reason(reason), "beyond_use_date": use_by.isoformat()}
