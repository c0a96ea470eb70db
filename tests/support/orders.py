"""The one order builder: the example prescription of api.md with the changes a test
needs, submitted through the API as a clinic sends it, and brought to any state by the
moves the pharmacy allows (the worker's service, then the staff actions).

The payload functions (`prescription_on`, `changed`, `new_patient`, `for_patient`,
`with_value`) and `submit` serve the API tests; `Orders` serves the tests of the staff
actions and the dashboard, which need orders in every state, and the tests of fills,
which dispense a fill, let days pass and start the next one.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from pharmacy.api.examples import EXAMPLE_PRESCRIPTION
from pharmacy.clock import pharmacy_today
from pharmacy.domain.compounding_record import ComponentUse, CompoundingEntry, Plan
from pharmacy.domain.labeling import LabelFacts
from pharmacy.domain.prescription import DosageForm
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.models import (
    Alert,
    AuditEvent,
    CompoundingRecord,
    Fill,
    Ingredient,
    Lot,
    Prescription,
    PriceLine,
    Setting,
    StatusChange,
    Worksheet,
    in_current_fill,
)
from pharmacy.services import SYSTEM, worker
from pharmacy.services.counter import actions as staff_actions
from pharmacy.services.counter import payments, printing, shipping
from pharmacy.services.counter.actions import Staff
from pharmacy.services.counter.counseling import Offer
from pharmacy.services.counter.splits import SPLIT
from pharmacy.services.intake.clarifications import ANSWERED
from pharmacy.services.intake.refills import REQUESTED as REFILL_REQUESTED
from pharmacy.services.intake.refills import start_refill
from pharmacy.services.unit_of_work import unit_of_work
from tests.support.clinics import ClinicAccess, make_clinic
from tests.support.pdf import page_texts

URL = "/api/v1/prescriptions"
VALID_PRESCRIPTION = EXAMPLE_PRESCRIPTION
REASON = "Confirmed with the prescriber by phone"
OPIOID = "Percocet 5/325 every 6 hours"
MEDICATION_FIELDS = ("dosage_form", "strength_mg")
# The prescription's own fields `changed` takes besides the patient's.
ORDER_FIELDS = ("days_supply", "refills", "written_on")
# A 1 mg/mL oral liquid, 4.5 mg a day.
LIQUID = {
    "dosage_form": "oral_liquid",
    "strength_mg": 1,
    "directions": {"times_per_day": 1, "steps": [{"dose_mg": 4.5, "days": 30}]},
}
# Net fill weights of a sample that passes the capsule weight check.
PASSING_CAPSULE_WEIGHTS = ("119.8", "120.6", "121.1", "118.9", "120.0")
# The builder's own shelf: enough of everything for the orders of a test module.
SHELF = {
    "naltrexone_hcl": "100000",
    "mcc_ph102": "5000000",
    "capsule_3_clear": "100000",
    "oral_vehicle_preserved": "100000",
    "vial_cap": "10000",
    "amber_bottle": "10000",
}
LONG_AFTER = timedelta(days=20 * 365)
# 1.5 mg a day of the 1 mg/mL oral liquid for 90 days: longer than the preparation
# lasts, so it is held to be split.
OUTLASTING = {
    "dosage_form": "oral_liquid",
    "strength_mg": 1,
    "days_supply": 90,
    "directions": {"times_per_day": 1, "steps": [{"dose_mg": 1.5, "days": 90}]},
}
# The audit events that start a prescription's next fill.
FILL_STARTED = (REFILL_REQUESTED, ANSWERED, SPLIT)
QUESTION = "Is the patient still taking the Percocet? If so, please confirm the dose."
# The patient at the counter declines the offer to counsel (counseling is recorded at
# every hand-over); a parcel mailed by a carrier the pharmacy has a setting for.
DECLINED = Offer("declined")
CARRIER = "USPS Priority Mail"


# --- the payload -------------------------------------------------------------------------


def prescription_on(today: date) -> dict:
    """A fresh copy of the api.md example, written the day before `today` so it is
    always current."""
    body = copy.deepcopy(VALID_PRESCRIPTION)
    body["written_on"] = (today - timedelta(days=1)).isoformat()
    return body


def changed(body: dict, *, directions: dict | None = None, **changes: Any) -> dict:
    """A copy of `body` with `changes`: `dosage_form` and `strength_mg` change the
    medication (taken at that strength for 30 days), `directions` replaces the
    directions, `days_supply`, `refills` and `written_on` are the prescription's, and
    anything else is the patient's (None sends it as null)."""
    body = copy.deepcopy(body)
    body.update({field: changes.pop(field) for field in ORDER_FIELDS if field in changes})
    medication = {field: changes.pop(field) for field in MEDICATION_FIELDS if field in changes}
    if medication:
        body["medication"].update(medication)
        strength = body["medication"]["strength_mg"]
        body["directions"]["steps"] = [{"dose_mg": strength, "days": 30}]
    if directions is not None:
        body["directions"] = copy.deepcopy(directions)
    body["patient"].update(changes)
    return body


def new_patient(body: dict, *, prefix: str = "Testpatient", **changes: Any) -> dict:
    """`body` for a patient of its own (one LDN order per patient at a time), with
    `changes` as `changed` takes them."""
    changes.setdefault("last_name", f"{prefix}-{uuid.uuid4().hex[:10]}")
    return changed(body, **changes)


def for_patient(body: dict, last_name: str, **lists: Any) -> dict:
    """`body` for the patient `last_name`, sending only the lists given (medications,
    allergies, conditions)."""
    body = copy.deepcopy(body)
    for name in ("medications", "allergies", "conditions"):
        body["patient"].pop(name, None)
    return changed(body, last_name=last_name, **lists)


def with_value(body: dict, path: str, value: Any) -> dict:
    """A copy of `body` with the dotted `path` set to `value` (or removed for ...)."""
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    target = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return body


# --- through the API ---------------------------------------------------------------------


def submit(client, clinic: ClinicAccess, body: Any, **headers: str):
    """`body` sent as `clinic` sends an order: the response, whatever it is."""
    return client.post(URL, json=body, headers={**clinic.headers, **headers})


def submitted(client, clinic: ClinicAccess, body: dict) -> dict:
    """`body` sent and accepted: the order as the API shows it."""
    response = submit(client, clinic, body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- to any state ------------------------------------------------------------------------


class Orders:
    """Orders brought to a state the way the pharmacy brings them: submitted through the
    API by a clinic of their own, worked by the worker's service, then moved on by the
    staff-action services as one of `staff` (role name -> Staff).

    Everything goes through an app context of its own, closed at once, as a web
    request's would be: no test holds a transaction (or SQLite's lock) open.
    Compounding draws on a shelf of lots of the builder's own, which expire long after
    the demo shelf's, so no other test's worksheet ever picks them.

    `patients` starts each patient's last name and `lots` each lot number, so a test
    knows its own; `canceller` cancels the orders `in_state` needs cancelled.
    """

    reason = REASON

    def __init__(
        self,
        app,
        staff: Mapping[str, Staff],
        *,
        patients: str = "Testpatient",
        lots: str = "T",
        canceller: str = "pharmacist",
    ) -> None:
        self.app = app
        self.staff = dict(staff)
        self.patients = patients
        self.lot_prefix = lots
        self.canceller = canceller
        self.clinic = make_clinic(app)
        self.client = app.test_client()
        self.today: date = pharmacy_today(app.config)
        self.shelf = {code: self.add_lot(code, quantity) for code, quantity in SHELF.items()}

    # --- orders --------------------------------------------------------------------------

    def submit(self, *, liquid: bool = False, **changes: Any) -> int:
        """A received order: the example for a new patient, with `changes` as `changed`
        takes them (`liquid`: the 1 mg/mL oral liquid, 4.5 mg a day)."""
        if liquid:
            changes = {**LIQUID, **changes}
        if "medications" in changes:
            changes["medications"] = list(changes["medications"])
        body = new_patient(prescription_on(self.today), prefix=self.patients, **changes)
        return int(submitted(self.client, self.clinic, body)["rx_number"])

    def work(self, rx: int) -> None:
        """Work the order by calling the same service the Celery task calls."""
        with self.app.app_context():
            worker.work_prescription(database.session, rx, today=self.today)

    def worked(self, **changes: Any) -> int:
        rx = self.submit(**changes)
        self.work(rx)
        return rx

    def ready(self, **changes: Any) -> int:
        rx = self.worked(**changes)
        assert self.status(rx) == Status.READY
        return rx

    def held(self, *, medications=(OPIOID,), **changes: Any) -> int:
        rx = self.worked(medications=medications, **changes)
        assert self.status(rx) == Status.ON_HOLD
        return rx

    def outlasting(self, **changes: Any) -> int:
        """Held because its supply outlasts the preparation's beyond-use date."""
        rx = self.worked(**{**OUTLASTING, **changes})
        assert self.status(rx) == Status.ON_HOLD
        return rx

    def failed(self) -> int:
        """Held because the worker could not compute its worksheet."""
        rx = self.submit()
        with self.app.app_context():
            worker.hold_for_error(database.session, rx, "test: the formula could not be read")
        return rx

    def compounded(self, by: str = "technician", **entry: Any) -> int:
        rx = self.ready()
        self.call("record_compounding", by, rx, self.entry(rx, **entry))
        return rx

    def verified(self, *, paid: bool = True) -> int:
        """Verified and labelled, and (`paid`) paid for in cash: ready to hand over."""
        rx = self.compounded()
        self.call("verify", "pharmacist", rx)
        self.label_printed(rx)
        if paid:
            self.pay(rx)
        return rx

    def pay(self, rx: int, who: str = "technician", **tender: Any) -> payments.Payment | None:
        """What is due on the fill in progress taken at the counter (cash unless `tender`
        says otherwise); nothing when nothing is due."""
        with self.app.app_context():
            session = database.session
            due = payments.settlement_of(session, session.get(Prescription, rx)).due
            session.rollback()
            if not due:
                return None
            paid = payments.Tender(**{"method": "cash", "amount": due, **tender})
            return payments.take_payment(session, self.staff[who], rx, paid, today=self.today)

    def parcel(self, **changes: Any) -> shipping.Parcel:
        """A parcel to the patient's address on record, leaving today."""
        fields = {"carrier": CARRIER, "tracking_number": "9400111899223344556677"}
        return shipping.Parcel(**{**fields, "shipped_on": self.today, **changes})

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
            self.call("dispense", "technician", rx)
        elif status is Status.SHIPPED:
            rx = self.verified()
            self.call("ship", "technician", rx)
        elif status is Status.REJECTED:
            rx = self.held()
            self.call("reject", "pharmacist", rx, self.reason)
        elif status is Status.AWAITING_PRESCRIBER:
            rx = self.asked(self.ready())
        else:
            rx = self.ready()
            self.call("cancel", self.canceller, rx, self.reason)
        assert self.status(rx) == status
        return rx

    # --- fills ---------------------------------------------------------------------------

    def dispensed(self, rx: int) -> int:
        """The fill in progress of `rx` taken on to dispensed by the allowed moves, from
        wherever it is (received, ready, compounded or verified): worked, compounded by
        the technician, verified by the pharmacist, labelled and handed over."""
        if self.status(rx) == Status.RECEIVED:
            self.work(rx)
        if self.status(rx) == Status.READY:
            self.call("record_compounding", "technician", rx, self.entry(rx))
        if self.status(rx) == Status.COMPOUNDED:
            self.call("verify", "pharmacist", rx)
        self.label_printed(rx)
        self.pay(rx)
        self.call("dispense", "technician", rx)
        assert self.status(rx) == Status.DISPENSED
        return rx

    def shipped(self, rx: int, **parcel: Any) -> int:
        """As `dispensed`, but the fill is mailed (`parcel`: changes to the builder's)."""
        if self.status(rx) == Status.RECEIVED:
            self.work(rx)
        if self.status(rx) == Status.READY:
            self.call("record_compounding", "technician", rx, self.entry(rx))
        if self.status(rx) == Status.COMPOUNDED:
            self.call("verify", "pharmacist", rx)
        self.label_printed(rx)
        self.pay(rx)
        self.call("ship", "technician", rx, self.parcel(**parcel))
        assert self.status(rx) == Status.SHIPPED
        return rx

    def refill(
        self, rx: int, *, today: date | None = None, by: str = "technician", via: str = "dashboard"
    ) -> int:
        """Start the next fill of `rx` as the counter does, the prescription locked in one
        unit of work (`today`: the pharmacy's day, the builder's by default). Returns the
        new fill's number; RefillRefused says why not, and nothing is written."""
        with self.app.app_context():
            session = database.session
            with unit_of_work(session):
                prescription = session.scalar(
                    select(Prescription).where(Prescription.id == rx).with_for_update()
                )
                started = start_refill(
                    session,
                    prescription,
                    self.staff[by].actor,
                    via=via,
                    today=self.today if today is None else today,
                )
                return started.fill.number

    def refilled(self, rx: int) -> int:
        """A refill of `rx` once its last fill's days have passed, worked and ready."""
        self.days_pass(rx, self.days_supply(rx))
        self.refill(rx)
        self.work(rx)
        assert self.status(rx) == Status.READY
        return rx

    def days_pass(self, rx: int, days: int) -> None:
        """`days` pass for `rx`: the day it was written and the days its fills were
        dispensed move back by as many days (the builder's calendar stays today)."""
        with self.app.app_context():
            session = database.session
            prescription = session.get(Prescription, rx)
            prescription.written_on -= timedelta(days=days)
            for fill in session.scalars(select(Fill).where(Fill.prescription_id == rx)):
                if fill.dispensed_on is not None:
                    fill.dispensed_on -= timedelta(days=days)
            session.commit()

    def days_supply(self, rx: int) -> int:
        with self.app.app_context():
            return database.session.get(Prescription, rx).days_supply

    def fills(self, rx: int) -> list[Fill]:
        """The prescription's fills, in the order made."""
        with self.app.app_context():
            return list(
                database.session.scalars(
                    select(Fill).where(Fill.prescription_id == rx).order_by(Fill.number)
                )
            )

    def worksheet(self, rx: int, fill: int | None = None) -> dict[str, Any] | None:
        """The worksheet of fill number `fill` as computed (that in progress by default)."""
        with self.app.app_context():
            mine = (
                in_current_fill(Worksheet, rx)
                if fill is None
                else (Worksheet.prescription_id == rx) & (Worksheet.fill_number == fill)
            )
            return database.session.scalar(select(Worksheet.data).where(mine))

    def fill_records(self, rx: int) -> dict[int, dict[str, list]]:
        """What each fill of `rx` has on record, by fill number: its worksheet's id, price
        lines, alerts, compounding record and status history, each as rows of plain
        values, so a later fill can be shown to have left them as they were."""
        models = {
            "worksheet": (Worksheet, (Worksheet.id, Worksheet.created_at)),
            "price_lines": (PriceLine, (PriceLine.id, PriceLine.label, PriceLine.amount)),
            "alerts": (Alert, (Alert.id, Alert.code, Alert.resolution)),
            "compounding_record": (
                CompoundingRecord,
                (CompoundingRecord.id, CompoundingRecord.verified_by),
            ),
            "status_history": (
                StatusChange,
                (StatusChange.id, StatusChange.from_status, StatusChange.to_status),
            ),
        }
        found: dict[int, dict[str, list]] = {}
        with self.app.app_context():
            session = database.session
            for name, (model, columns) in models.items():
                rows = session.execute(
                    select(model.fill_number, *columns)
                    .where(model.prescription_id == rx)
                    .order_by(model.id)
                )
                for number, *values in rows:
                    found.setdefault(number, {n: [] for n in models})[name].append(tuple(values))
        return found

    def label_text(self, rx: int, stock: str = "thermal-4x2") -> str:
        """The label of the fill in progress, printed as the counter prints it, read back
        from the PDF."""
        with self.app.app_context():
            pdf = printing.print_label(
                database.session, SYSTEM, str(rx), self.app.config, self.today, stock=stock
            )
        (text,) = page_texts(pdf)
        return text

    # --- acting --------------------------------------------------------------------------

    def call(self, action: str, who: str | Staff, rx: int, *args: Any, **options: Any) -> Any:
        """The staff action `action` by `who` (a role of `staff`, or any Staff), called as
        the dashboard calls it; dispensing and shipping go by the counter's calendar."""
        staff = who if isinstance(who, Staff) else self.staff[who]
        if action in ("dispense", "ship"):
            # Handed over as the counter does: a verified fill paid first (`pay=False`: as
            # it stands), the offer to counsel declined unless `counseling` says otherwise.
            if options.pop("pay", True) and self.status(rx) == Status.VERIFIED:
                self.pay(rx)
            options.setdefault("today", self.today)
            options.setdefault("counseling", DECLINED)
        if action == "ship":
            options.setdefault("carriers", self.app.config["SHIPPING_CARRIERS"])
            args = args or (self.parcel(),)
        with self.app.app_context():
            service = shipping.ship if action == "ship" else getattr(staff_actions, action)
            return service(database.session, staff, rx, *args, **options)

    def act(self, action: str, who: str, rx: int) -> Any:
        """`action` with what it needs: a reason, or the entry of the planned batch."""
        if action in ("override", "reject", "ask_prescriber", "cancel"):
            return self.call(action, who, rx, self.reason)
        if action == "record_compounding":
            return self.call(action, who, rx, self.entry(rx))
        return self.call(action, who, rx)

    def asked(self, rx: int, question: str = QUESTION) -> int:
        """A pharmacist asks the prescriber about `rx` (on hold or ready)."""
        self.call("ask_prescriber", "pharmacist", rx, question)
        assert self.status(rx) == Status.AWAITING_PRESCRIBER
        return rx

    def answer(self, rx: int, answer: str = "Stopped it last month.", clinic=None, **body: Any):
        """The clinic's answer to the question about `rx` (`body` takes `changes`, or
        replaces the whole body with `json=`); the API's response."""
        with self.app.app_context():
            uid = database.session.scalar(select(Prescription.uid).where(Prescription.id == rx))
        payload = body.pop("json", {"answer": answer, **body})
        return self.client.post(
            f"{URL}/{uid}/clarification", headers=(clinic or self.clinic).headers, json=payload
        )

    def label_printed(self, rx: int) -> None:
        """The label of the fill in progress is printed, as it must be before the fill is
        handed over (a label printed for an earlier fill does not count)."""
        with self.app.app_context():
            session = database.session
            trail = session.scalars(  # newest first: this fill's events, then the last ask
                select(AuditEvent.action)
                .where(AuditEvent.prescription_id == rx)
                .order_by(AuditEvent.id.desc())
            ).all()
            starts = [i for i, action in enumerate(trail) if action in FILL_STARTED]
            this_fill = trail[: starts[0]] if starts else trail
            if "label.printed" not in this_fill:
                order = session.get(Prescription, rx)
                printing.record_print(session, SYSTEM, "label", [order], stock="test")

    # --- compounding ---------------------------------------------------------------------

    def plan(self, rx: int) -> Plan:
        """The plan of the batch of the fill in progress, from its worksheet."""
        return Plan.from_worksheet(self.worksheet(rx))

    def used(self, rx: int) -> dict[str, Decimal]:
        """How much of each ingredient the worksheet plans, all lots together."""
        totals: dict[str, Decimal] = {}
        for use in self.plan(rx).planned:
            totals[use.ingredient_code] = totals.get(use.ingredient_code, 0) + use.amount
        return totals

    def entry(self, rx: int, *, planned_lots: bool = False, **changes: Any) -> CompoundingEntry:
        """The batch made as the worksheet says, from the builder's own lots (or, with
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

    def compounding_form(self, rx: int, **changes: Any) -> dict[str, Any]:
        """The compounding form as a technician fills it in: the builder's own lots, the
        planned amounts, a passing capsule weight sample."""
        used = self.used(rx)
        plan = self.plan(rx)
        form = {
            "ingredient_code": list(used),
            "unit": [plan.units[code] for code in used],
            "lot_number": [self.shelf[code] for code in used],
            "amount": [str(amount) for amount in used.values()],
            "quantity_made": str(plan.batch_quantity),
            "capsule_weight": list(PASSING_CAPSULE_WEIGHTS) if plan.fill_weight_mg else [],
            "final_volume_ml": "" if plan.fill_weight_mg else str(plan.batch_quantity),
            "deviations": "",
        }
        form.update(changes)
        return form

    def add_lot(self, code: str, quantity: str, **fields: Any) -> str:
        """A lot of the builder's own, expiring long after the demo shelf's, so no
        worksheet made for another test picks it (first-expiring-first-out)."""
        number = f"{self.lot_prefix}-{code[:6]}-{uuid.uuid4().hex[:6]}"
        with self.app.app_context():
            session = database.session
            ingredient = session.scalar(select(Ingredient).where(Ingredient.code == code))
            api = ingredient.kind == "api"
            session.add(
                Lot(
                    ingredient=ingredient,
                    lot_number=number,
                    vendor="Test Supply",
                    expires_on=fields.pop("expires_on", self.today + LONG_AFTER),
                    received_on=self.today,
                    form="naltrexone hydrochloride" if api else None,
                    molecular_weight=Decimal("377.87") if api else None,
                    assay_percent=Decimal("99.50") if api else None,
                    quantity_on_hand=Decimal(quantity),
                    **fields,
                )
            )
            session.commit()
        return number

    # --- looking -------------------------------------------------------------------------

    def shown(self, rx: int) -> dict[str, Any]:
        """The order as its clinic is shown it by the API."""
        with self.app.app_context():
            uid = database.session.scalar(select(Prescription.uid).where(Prescription.id == rx))
        response = self.client.get(f"{URL}/{uid}", headers=self.clinic.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def label_facts(self, rx: int) -> LabelFacts:
        """What the label of the fill in progress says, as the counter prints it."""
        with self.app.app_context():
            session = database.session
            order = printing.printable(session, str(rx))
            return printing.label_facts(order, self.app.config, self.today)

    def status(self, rx: int) -> str:
        with self.app.app_context():
            return database.session.scalar(select(Prescription.status).where(Prescription.id == rx))

    def state(self, rx: int) -> dict[str, Any]:
        """Everything a staff action could change, to prove a refusal changed nothing: the
        order's status, history, alerts and compounding record, every lot, and how many
        audit events and compounding records there are."""
        with self.app.app_context():
            session = database.session

            def rows(query) -> list[tuple]:
                return [tuple(row) for row in session.execute(query)]

            record = session.execute(
                select(
                    CompoundingRecord.id,
                    CompoundingRecord.verified_by,
                    CompoundingRecord.verified_at,
                ).where(in_current_fill(CompoundingRecord, rx))
            ).first()
            return {
                "status": session.scalar(select(Prescription.status).where(Prescription.id == rx)),
                "history": rows(
                    select(
                        StatusChange.from_status,
                        StatusChange.to_status,
                        StatusChange.actor,
                        StatusChange.reason,
                    )
                    .where(StatusChange.prescription_id == rx)
                    .order_by(StatusChange.id)
                ),
                "alerts": rows(
                    select(
                        Alert.id,
                        Alert.resolution,
                        Alert.resolved_by,
                        Alert.resolved_reason,
                        Alert.resolved_at,
                    )
                    .where(Alert.prescription_id == rx)
                    .order_by(Alert.id)
                ),
                "record": record and tuple(record),
                "lots": rows(
                    select(Lot.id, Lot.quantity_on_hand, Lot.quarantined).order_by(Lot.id)
                ),
                "audit_events": session.scalar(select(func.count()).select_from(AuditEvent)),
                "compounding_records": session.scalar(
                    select(func.count()).select_from(CompoundingRecord)
                ),
            }

    def lots(self) -> dict[tuple[str, str], Decimal]:
        """What every lot holds, by ingredient code and lot number."""
        with self.app.app_context():
            rows = database.session.execute(
                select(Ingredient.code, Lot.lot_number, Lot.quantity_on_hand).join(Ingredient)
            )
            return {(code, number): quantity for code, number, quantity in rows}

    def audit(self, rx: int) -> list[AuditEvent]:
        """The order's audit trail, oldest first."""
        with self.app.app_context():
            return list(
                database.session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.prescription_id == rx)
                    .order_by(AuditEvent.id)
                )
            )

    events = audit

    # --- settings ------------------------------------------------------------------------

    def set_setting(self, key: str, value: Any) -> Any:
        """Change a setting; returns the value it had."""
        with self.app.app_context():
            session = database.session
            setting = session.get(Setting, key)
            before = setting.value
            setting.value = value
            session.commit()
            return before

    def remove_setting(self, key: str) -> Any:
        """Delete a setting; returns the value it had."""
        with self.app.app_context():
            session = database.session
            setting = session.get(Setting, key)
            before = setting.value
            session.delete(setting)
            session.commit()
            return before

    def restore_setting(self, key: str, value: Any) -> None:
        with self.app.app_context():
            session = database.session
            session.add(Setting(key=key, value=value))
            session.commit()

    def verifier_may_be_compounder(self) -> bool:
        with self.app.app_context():
            return staff_actions.verifier_may_be_compounder(database.session)
