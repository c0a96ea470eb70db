"""Bringing a test order to any state, for the service tests and the dashboard tests.

Each suite has its own way in (the services, or the dashboard over HTTP); what they
share is here: the worksheet's plan, the batch made as it says from the tests' own
lots, and the path to each state.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from pharmacy.domain.compounding_record import ComponentUse, CompoundingEntry, Plan
from pharmacy.domain.prescription import DosageForm
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.models import Prescription, Worksheet

# Net fill weights of a sample that passes the capsule weight check.
PASSING_CAPSULE_WEIGHTS = ("224.8", "225.6", "226.1", "223.9", "225.0")


class MovesOrders:
    """Mixed into a suite's helper, which gives `app`, `today`, `shelf` (ingredient
    code → lot number of the tests' own lots), the orders `submit`, `held`, `ready`,
    `compounded` and `verified`, `take(action, role, rx, *args)`, and the
    `reason` it writes when a move needs one."""

    app: Any
    today: date
    shelf: dict[str, str]
    reason: str
    # Who cancels an order in `in_state`: any role allowed to.
    canceller = "pharmacist"

    def in_state(self, status: Status) -> int:
        """An order brought to `status` by the allowed moves."""
        make = {
            Status.RECEIVED: self.submit,
            Status.ON_HOLD: self.held,
            Status.READY: self.ready,
            Status.COMPOUNDED: self.compounded,
            Status.VERIFIED: self.verified,
        }
        if status in make:
            return make[status]()
        if status is Status.DISPENSED:
            rx = self.verified()
            self.take("dispense", "technician", rx)
        elif status is Status.REJECTED:
            rx = self.held()
            self.take("reject", "pharmacist", rx, self.reason)
        else:
            rx = self.ready()
            self.take("cancel", self.canceller, rx, self.reason)
        assert self.status(rx) == status
        return rx

    def status(self, rx: int) -> str:
        with self.app.app_context():
            return database.session.scalar(select(Prescription.status).where(Prescription.id == rx))

    def plan(self, rx: int) -> Plan:
        with self.app.app_context():
            data = database.session.scalar(
                select(Worksheet.data).where(Worksheet.prescription_id == rx)
            )
        return Plan.from_worksheet(data)

    def used(self, rx: int) -> dict[str, Decimal]:
        """How much of each ingredient the worksheet plans, all lots together."""
        totals: dict[str, Decimal] = {}
        for use in self.plan(rx).planned:
            totals[use.ingredient_code] = totals.get(use.ingredient_code, 0) + use.amount
        return totals

    def entry(self, rx: int, *, planned_lots: bool = False, **changes: Any) -> CompoundingEntry:
        """The batch made as the worksheet says, from the tests' own lots (or, with
        `planned_lots`, from the lots the worksheet picked)."""
        plan = self.plan(rx)
        components = plan.planned
        if not planned_lots:
            components = tuple(
                ComponentUse(code, self.shelf[code], amount)
                for code, amount in self.used(rx).items()
            )
        capsules = plan.dosage_form is DosageForm.CAPSULE
        entry = CompoundingEntry(
            compounded_on=self.today,
            components=components,
            quantity_made=plan.batch_quantity,
            capsule_weights_mg=(
                tuple(Decimal(w) for w in PASSING_CAPSULE_WEIGHTS) if capsules else ()
            ),
            final_volume_ml=None if capsules else plan.batch_quantity,
        )
        return replace(entry, **changes)
