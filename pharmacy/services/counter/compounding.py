"""Recording what was compounded for an order, and verifying it (domain §8).

Recording takes what was used off the lots in the same transaction, so stock on the
shelf and the records always agree. A quality check that fails does not stop the
record (the batch exists and is recorded as it is) but it is kept with the record,
flagged by `qc_passed`, and verification refuses such a batch unless the record's
deviation note explains it. A note cannot be added after the fact: a failed batch with
no explanation is not dispensed, and the order is cancelled (and made again as a new
order).
"""

from __future__ import annotations

from datetime import UTC, date, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.domain.batch_record import procedure_of, step_record, tick_problems
from pharmacy.domain.compounding import LotStock
from pharmacy.domain.compounding_record import (
    ComponentUse,
    CompoundingEntry,
    LotKey,
    Plan,
    QcTolerances,
    batch_beyond_use,
    entry_problems,
    qc_result,
    short_on_shelf,
)
from pharmacy.domain.prescription import Problem
from pharmacy.domain.written import tidy
from pharmacy.models import (
    CompoundingRecord,
    Ingredient,
    Lot,
    MasterFormulationRecord,
    Prescription,
    Worksheet,
    in_current_fill,
    utcnow,
)
from pharmacy.services import Conflict, Invalid, ServiceError
from pharmacy.services.counter.access import Action, Forbidden, Staff, authorize
from pharmacy.services.counter.changes import (
    checked_move,
    flag,
    invalid,
    locked,
    setting,
    write_move,
)
from pharmacy.services.counter.changes import shown as shown_order
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work
from pharmacy.services.worker import lot_stock, plain

QC_SETTINGS = ("capsule_weight_tolerance_percent", "liquid_volume_tolerance_percent")
VERIFIER_MAY_BE_COMPOUNDER = "verifier_may_be_compounder"


class ShelfShort(Conflict, Invalid):
    """The lots on the shelf cannot cover what the entry says was taken from them (409):
    named by lot, and by field, so the form shows where."""

    def __init__(self, problems: list[Problem], lot_numbers: list[str]) -> None:
        ServiceError.__init__(
            self,
            "The shelf cannot cover this batch: "
            + "; ".join(problem.message for problem in problems),
        )
        self.problems = problems
        self.code = "short_on_shelf"
        self.extra = {"lots": ", ".join(lot_numbers)}


def record_compounding(
    session: Session,
    staff: Staff,
    rx_number: int,
    entry: CompoundingEntry,
    *,
    request_id: str | None = None,
    zone: tzinfo = UTC,
) -> CompoundingRecord:
    """Record what was made for a ready order, which becomes `compounded`, with the MFR
    procedure's steps as ticked (`zone`: the pharmacy's, for the times written on the
    form). Refused with ShelfShort when a lot does not hold what was taken from it."""
    with unit_of_work(session):
        authorize(session, staff, Action.RECORD_COMPOUNDING)
        prescription = locked(session, rx_number)
        change = checked_move(prescription, Action.RECORD_COMPOUNDING)
        worksheet = _worksheet(session, prescription)
        if not isinstance(entry, CompoundingEntry):
            raise invalid([Problem("entry", "must be a CompoundingEntry")])
        plan = Plan.from_worksheet(worksheet.data)
        formula = session.get(MasterFormulationRecord, worksheet.mfr_id)
        procedure = procedure_of(formula.formula)
        now = utcnow()
        lots = _locked_lots(session, entry, plan)
        shelf = {key: stock for key, (_, stock) in lots.items()}
        problems = entry_problems(entry, plan, shelf)
        short = short_on_shelf(entry, plan, shelf)
        if problems and {problem.field for problem in problems} <= set(short):
            raise ShelfShort(problems, sorted(set(short.values())))
        problems += tick_problems(entry.steps, procedure, entry.compounded_on, now, zone)
        if problems:
            raise invalid(problems)
        qc = qc_result(entry, plan, _tolerances(session))
        components = []
        for use in entry.components:
            lot, _ = lots[(use.ingredient_code, use.lot_number)]
            lot.quantity_on_hand -= use.amount
            components.append(_component(use, lot, plan.units[use.ingredient_code]))
        was = prescription.beyond_use_date
        prescription.beyond_use_date = _batch_beyond_use(session, worksheet, plan, entry, lots)
        record = CompoundingRecord(
            prescription_id=prescription.id,
            fill_number=prescription.current_fill,
            worksheet_id=worksheet.id,
            mfr_id=worksheet.mfr_id,
            compounded_on=entry.compounded_on,
            compounded_by=staff.user_id,
            compounded_at=now,
            components=components,
            quantity_made=entry.quantity_made,
            quantity_unit=plan.dosage_form.unit,
            qc={**plain(qc), "summary": qc.summary},
            qc_passed=qc.passed,
            deviations=tidy(entry.deviations),
            steps=step_record(
                procedure,
                entry.steps,
                user_id=staff.user_id,
                initials=staff.initials,
                day=entry.compounded_on,
                recorded_at=now,
                zone=zone,
            ),
        )
        session.add(record)
        write_move(session, prescription, change, staff)
        session.flush()
        trail.record(
            session,
            staff.actor,
            "prescription.compounded",
            prescription_id=prescription.id,
            request_id=request_id,
            from_status=change.from_status.value,
            to_status=change.to_status.value,
            compounding_record_id=record.id,
            qc_check=qc.check.value,
            qc_passed=qc.passed,
            has_deviations=bool(record.deviations),
            steps_ticked=sum(1 for step in record.steps if step["done"]),
            steps=len(record.steps),
            lots=[{"lot_id": c["lot_id"], "amount": c["amount"]} for c in components],
            **_bud_moved(was, prescription.beyond_use_date),
        )
    return record


def _batch_beyond_use(
    session: Session,
    worksheet: Worksheet,
    plan: Plan,
    entry: CompoundingEntry,
    lots: dict[LotKey, tuple[Lot, LotStock]],
) -> date:
    """The BUD of the batch as made: counted again from the day it was made, when that
    is later than the worksheet (`batch_beyond_use`)."""
    if entry.compounded_on == plan.worked_on:
        return plan.beyond_use_date
    formula = session.get(MasterFormulationRecord, worksheet.mfr_id)
    used = [lots[(use.ingredient_code, use.lot_number)][0] for use in entry.components]
    return batch_beyond_use(
        plan,
        entry.compounded_on,
        formula.formula["bud_category"],
        setting(session, "beyond_use_days"),
        [lot.expires_on for lot in used],
    )


def _bud_moved(was: date | None, now: date | None) -> dict[str, str]:
    if was == now or now is None:
        return {}
    return {"beyond_use_date": now.isoformat(), "worksheet_beyond_use_date": str(was)}


def verify(
    session: Session, staff: Staff, rx_number: int, *, request_id: str | None = None
) -> Prescription:
    """A pharmacist checks the compounded order and its record; it becomes `verified`.

    By default the verifier may not be the person who compounded (setting
    `verifier_may_be_compounder`; a missing setting counts as no).
    """
    with unit_of_work(session):
        authorize(session, staff, Action.VERIFY)
        prescription = locked(session, rx_number)
        change = checked_move(prescription, Action.VERIFY)
        record = session.scalar(
            select(CompoundingRecord)
            .where(in_current_fill(CompoundingRecord, prescription.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if record is None:
            raise Conflict(
                "no_compounding_record",
                f"Rx {prescription.rx_number} has no compounding record to verify",
            )
        if record.compounded_by == staff.user_id and not verifier_may_be_compounder(session):
            raise Forbidden(
                f"{staff.username} compounded Rx {prescription.rx_number} and may not also "
                "verify it: another pharmacist must verify it"
            )
        if not record.qc_passed and not record.deviations:
            raise Conflict(
                "qc_failed_unexplained",
                f"Rx {prescription.rx_number} cannot be verified: its "
                f"{record.qc.get('summary', 'quality check failed')}, and the compounding "
                "record has no deviation note explaining it. The batch may not be "
                "dispensed: cancel the order and have it made again.",
            )
        record.verified_by = staff.user_id
        record.verified_at = utcnow()
        write_move(session, prescription, change, staff)
        trail.record(
            session,
            staff.actor,
            "prescription.verified",
            prescription_id=prescription.id,
            request_id=request_id,
            from_status=change.from_status.value,
            to_status=change.to_status.value,
            compounding_record_id=record.id,
            qc_passed=record.qc_passed,
        )
        session.flush()
        verified = shown_order(session, prescription.id)
    return verified


def _worksheet(session: Session, prescription: Prescription) -> Worksheet:
    worksheet = session.scalar(select(Worksheet).where(in_current_fill(Worksheet, prescription.id)))
    if worksheet is None:
        raise Conflict(
            "no_worksheet",
            f"Rx {prescription.rx_number} has no worksheet to compound from",
        )
    return worksheet


def _locked_lots(
    session: Session, entry: CompoundingEntry, plan: Plan
) -> dict[LotKey, tuple[Lot, LotStock]]:
    """The entry's lots of the worksheet's ingredients, locked (in id order) until commit."""
    wanted = {
        (use.ingredient_code, use.lot_number)
        for use in entry.components
        if isinstance(use, ComponentUse)
        and isinstance(use.ingredient_code, str)
        and isinstance(use.lot_number, str)
        and use.ingredient_code in plan.units
    }
    if not wanted:
        return {}
    rows = session.execute(
        select(Lot, Ingredient.code)
        .join(Ingredient)
        .where(
            Ingredient.code.in_({code for code, _ in wanted}),
            Lot.lot_number.in_({number for _, number in wanted}),
        )
        .order_by(Lot.id)
        .with_for_update(of=Lot)
        .execution_options(populate_existing=True)
    ).all()
    return {
        (code, lot.lot_number): (lot, lot_stock(lot, code))
        for lot, code in rows
        if (code, lot.lot_number) in wanted
    }


def _component(use: ComponentUse, lot: Lot, unit: str) -> dict[str, str | int]:
    return {
        "ingredient_code": use.ingredient_code,
        "lot_id": lot.id,
        "lot_number": lot.lot_number,
        "vendor": lot.vendor,
        "expires_on": lot.expires_on.isoformat(),
        "amount": str(use.amount),
        "unit": unit,
    }


def _tolerances(session: Session) -> QcTolerances:
    try:
        return QcTolerances.from_settings({key: setting(session, key) for key in QC_SETTINGS})
    except KeyError as missing:
        raise Conflict(
            "setting_missing",
            f"the pharmacy has no setting {missing.args[0]}: run `pharmacy db upgrade`, "
            "which adds the defaults",
        ) from None
    except ValueError:
        raise Conflict(
            "setting_invalid",
            f'the settings {" and ".join(QC_SETTINGS)} must be percentages such as "10"',
        ) from None


def verifier_may_be_compounder(session: Session) -> bool:
    """The pharmacy's setting, for `allowed_actions`; a missing setting counts as no."""
    try:
        return flag(setting(session, VERIFIER_MAY_BE_COMPOUNDER))
    except KeyError:
        return False
