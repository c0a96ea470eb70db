"""The orders a worker works, locked, and what the rules read about them.

A worker takes its own order and, while it is at it, other received orders waiting in
the queue: one transaction then does the work of many, which is where a worker's time
goes (round trips and commits, not the rules). Each order is locked before it is
worked and only a `received` one is worked, so whichever task comes for it later
finds it done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from pharmacy.domain import prescription as rx
from pharmacy.domain.compounding import LotStock
from pharmacy.domain.workflow import OPEN, Status
from pharmacy.models import Ingredient, Lot, Prescription
from pharmacy.services.reads.fills import steps_in_progress

ACTIVE = OPEN  # an order still to be worked, made, checked or handed over


@dataclass(frozen=True)
class Taken:
    """Received orders this transaction holds, oldest first, and what became of the
    task's own order: among them, or `own_busy` (held by another transaction, most
    likely a worker that took it along; the task waits for it once these are done)."""

    orders: list[Prescription]
    own_busy: bool = False


def take(session: Session, prescription_id: int, *, others: int) -> Taken:
    """The order `prescription_id` and up to `others` more waiting orders, oldest first.

    Orders another transaction holds are skipped rather than waited for (on
    PostgreSQL; SQLite has one writer at a time anyway), so two workers never queue
    behind each other's batches. An own order already worked gives no orders at all:
    a task delivered again does nothing, whatever else waits.
    """
    waiting = _locked(session, Prescription.status == Status.RECEIVED, oldest=others + 1)
    if any(p.id == prescription_id for p in waiting):
        return Taken(waiting)
    own = _locked(session, Prescription.id == prescription_id)
    if not own:
        return Taken(waiting, own_busy=True)
    if own[0].status != Status.RECEIVED:
        return Taken([])
    return Taken([*waiting[:others], own[0]])


def lock(session: Session, prescription_id: int) -> Prescription | None:
    """The order alone, waiting for any transaction that holds it."""
    found = _locked(session, Prescription.id == prescription_id, wait=True)
    return found[0] if found else None


def _locked(session: Session, *where, oldest: int | None = None, wait: bool = False):
    """One query: with a limit, the orders are chosen and locked in a subquery, and
    their patients and direction steps joined to it."""
    query = (
        select(Prescription)
        .where(*where)
        .options(joinedload(Prescription.patient, innerjoin=True), joinedload(Prescription.steps))
        .with_for_update(of=Prescription, skip_locked=not wait)
        # The row as locked, never an older copy this session loaded before.
        .execution_options(populate_existing=True)
    )
    if oldest is not None:
        query = query.order_by(Prescription.id).limit(oldest)
    return sorted(session.scalars(query).unique(), key=lambda p: p.id)


def other_active_orders(session: Session, orders: list[Prescription]) -> dict[int, int]:
    """For each order, how many other active LDN orders its patient has, in one query.

    Every order here is received, so active: two orders of one patient in a batch count
    each other, exactly as when they are worked one after the other.
    """
    counts = dict(
        session.execute(
            select(Prescription.patient_id, func.count())
            .where(
                Prescription.patient_id.in_({p.patient_id for p in orders}),
                Prescription.status.in_(ACTIVE),
            )
            .group_by(Prescription.patient_id)
        ).all()
    )
    return {p.id: max(counts.get(p.patient_id, 0) - 1, 0) for p in orders}


def shelf(session: Session) -> list[LotStock]:
    """Every lot on the shelf, as the rules see them (they pick the usable ones).

    Read once for a batch: the worker only plans from stock, it never takes any (the
    compounding record does), so every order of a batch sees the shelf it would see
    worked alone.
    """
    rows = session.execute(select(Lot, Ingredient.code).join(Ingredient)).all()
    return [lot_stock(lot, code) for lot, code in rows]


def lot_stock(lot: Lot, code: str) -> LotStock:
    """A lot row as the compounding rules take it."""
    return LotStock(
        lot_id=lot.id,
        ingredient_code=code,
        lot_number=lot.lot_number,
        vendor=lot.vendor,
        expires_on=lot.expires_on,
        quantity_on_hand=lot.quantity_on_hand,
        quarantined=lot.quarantined,
        molecular_weight=lot.molecular_weight,
        assay_percent=lot.assay_percent,
        form=lot.form,
        water_percent=lot.water_percent,
        assay_basis=lot.assay_basis or "as_is",
        coa_number=lot.coa_number,
    )


def order_of(p: Prescription) -> rx.PrescriptionOrder:
    """The stored order as the rules take it, for its fill in progress: the doses of
    that fill's part of the course (a refill never restarts a titration)."""
    sent = p.as_sent
    prescriber = sent["prescriber"]
    patient = sent["patient"]
    return rx.PrescriptionOrder(
        prescriber=rx.Prescriber(
            prescriber["npi"],
            prescriber["first_name"],
            prescriber["last_name"],
            prescriber["phone"],
        ),
        patient=rx.Patient(
            patient["first_name"],
            patient["last_name"],
            date.fromisoformat(patient["date_of_birth"]),
        ),
        dosage_form=rx.DosageForm(p.dosage_form),
        strength_mg=p.strength_mg,
        directions=rx.Directions(steps_in_progress(p), p.times_per_day),
        written_on=p.written_on,
        days_supply=p.part_days,
        refills=p.refills,
    )
