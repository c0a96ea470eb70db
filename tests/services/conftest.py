"""A pharmacy counter for the staff-action tests: staff accounts, a shelf of lots of
their own, and orders brought to any state the way the pharmacy would bring them."""

from __future__ import annotations

import copy
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from pharmacy.clock import pharmacy_today
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.models import (
    AuditEvent,
    CompoundingRecord,
    Ingredient,
    Lot,
    Prescription,
    Setting,
    User,
)
from pharmacy.services import SYSTEM
from pharmacy.services import worker as work
from pharmacy.services.admin.users import create_user
from pharmacy.services.counter import actions as staff_actions
from pharmacy.services.counter import printing
from pharmacy.services.counter.actions import Staff
from tests.conftest import VALID_PRESCRIPTION, make_clinic
from tests.orders import MovesOrders

URL = "/api/v1/prescriptions"
REASON = "Confirmed with the prescriber by phone"
OPIOID = "Percocet 5/325 every 6 hours"
LONG_AFTER = timedelta(days=20 * 365)


class Counter(MovesOrders):
    """Everything a test does goes through a session of its own, closed at once, as a
    web request's would be: no test holds a transaction (or SQLite's lock) open."""

    def __init__(self, app, staff: dict[str, Staff], shelf: dict[str, str]) -> None:
        self.app = app
        self.staff = staff
        self.shelf = shelf  # ingredient code -> lot number of the tests' own lots
        self.clinic = make_clinic(app)
        self.client = app.test_client()
        self.today: date = pharmacy_today(app.config)

    # --- acting ---------------------------------------------------------------------

    reason = REASON
    canceller = "admin"

    def take(self, action: str, role: str, rx: int, *args: Any) -> Any:
        return self.call(action, role, rx, *args)

    def call(self, action: str, who: str | Staff, rx: int, *args: Any, **options: Any) -> Any:
        staff = who if isinstance(who, Staff) else self.staff[who]
        if action == "dispense":
            options.setdefault("today", self.today)  # the counter's calendar
        with self.app.app_context():
            service = getattr(staff_actions, action)
            return service(database.session, staff, rx, *args, **options)

    def label_printed(self, rx: int) -> None:
        """The label is printed, as it must be before the order is handed over."""
        with self.app.app_context():
            session = database.session
            done = session.scalar(
                select(AuditEvent.id).where(
                    AuditEvent.prescription_id == rx, AuditEvent.action == "label.printed"
                )
            )
            if done is None:
                order = session.get(Prescription, rx)
                printing.record_print(session, SYSTEM, "label", [order], stock="test")

    def act(self, action: str, who: str, rx: int) -> Any:
        """`action` with what it needs: a reason, or the entry of the planned batch."""
        if action in ("override", "reject", "cancel"):
            return self.call(action, who, rx, REASON)
        if action == "record_compounding":
            return self.call(action, who, rx, self.entry(rx))
        return self.call(action, who, rx)

    # --- orders ---------------------------------------------------------------------

    def submit(self, medications=("levothyroxine 50 mcg daily",), **medication) -> int:
        body = copy.deepcopy(VALID_PRESCRIPTION)
        body["written_on"] = (self.today - timedelta(days=1)).isoformat()
        body["patient"]["last_name"] = f"Counterpatient-{uuid.uuid4().hex[:8]}"
        body["patient"]["medications"] = list(medications)
        if medication:
            body["medication"] = medication
            strength = medication["strength_mg"]
            body["directions"]["steps"] = [{"dose_mg": strength, "days": 30}]
        response = self.client.post(URL, json=body, headers=self.clinic.headers)
        assert response.status_code == 201, response.get_json()
        return int(response.get_json()["rx_number"])

    def worked(self, medications=("levothyroxine 50 mcg daily",), **medication) -> int:
        rx = self.submit(medications, **medication)
        with self.app.app_context():
            work.work_prescription(database.session, rx, today=self.today)
        return rx

    def ready(self, **medication) -> int:
        rx = self.worked(**medication)
        assert self.status(rx) == Status.READY
        return rx

    def held(self, medications=(OPIOID,)) -> int:
        rx = self.worked(medications)
        assert self.status(rx) == Status.ON_HOLD
        return rx

    def failed(self) -> int:
        """Held because the worker could not compute its worksheet."""
        rx = self.submit()
        with self.app.app_context():
            work.hold_for_error(database.session, rx, "test: the formula could not be read")
        return rx

    def compounded(self, by: str = "technician", **entry) -> int:
        rx = self.ready()
        self.call("record_compounding", by, rx, self.entry(rx, **entry))
        return rx

    def verified(self) -> int:
        """Verified and labelled: ready to hand over."""
        rx = self.compounded()
        self.call("verify", "pharmacist", rx)
        self.label_printed(rx)
        return rx

    # --- looking --------------------------------------------------------------------

    def state(self, rx: int) -> dict[str, Any]:
        """All a staff action may change: to prove a refusal changed nothing."""
        with self.app.app_context():
            session = database.session
            prescription = session.get(Prescription, rx)
            record = prescription.compounding_record
            return {
                "status": prescription.status,
                "history": [
                    (c.from_status, c.to_status, c.actor, c.reason)
                    for c in prescription.status_history
                ],
                "alerts": [
                    (a.id, a.resolution, a.resolved_by, a.resolved_reason, a.resolved_at)
                    for a in prescription.alerts
                ],
                "record": record and (record.id, record.verified_by, record.verified_at),
                "lots": self.lots(session),
                "audit_events": session.scalar(select(func.count()).select_from(AuditEvent)),
                "compounding_records": session.scalar(
                    select(func.count()).select_from(CompoundingRecord)
                ),
            }

    def lots(self, session=None) -> dict[tuple[str, str], Decimal]:
        if session is None:
            with self.app.app_context():
                return self.lots(database.session)
        rows = session.execute(
            select(Ingredient.code, Lot.lot_number, Lot.quantity_on_hand).join(Ingredient)
        )
        return {(code, number): quantity for code, number, quantity in rows}

    def audit(self, rx: int) -> list[AuditEvent]:
        with self.app.app_context():
            return list(
                database.session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.prescription_id == rx)
                    .order_by(AuditEvent.id)
                )
            )

    def record(self, rx: int) -> CompoundingRecord:
        with self.app.app_context():
            return database.session.scalar(
                select(CompoundingRecord).where(CompoundingRecord.prescription_id == rx)
            )

    def set_setting(self, key: str, value: Any) -> Any:
        """Change a setting; returns the value it had."""
        with self.app.app_context():
            session = database.session
            setting = session.get(Setting, key)
            before = setting.value
            setting.value = value
            session.commit()
            return before

    def verifier_may_be_compounder(self) -> bool:
        with self.app.app_context():
            return staff_actions.verifier_may_be_compounder(database.session)

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

    def add_lot(self, code: str, quantity: str, **fields: Any) -> str:
        """A lot of our own: expiring long after the demo shelf's, so no worksheet made
        for another test picks it (first-expiring-first-out)."""
        number = f"T-{code[:6]}-{uuid.uuid4().hex[:6]}"
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


SHELF_QUANTITIES = {
    "naltrexone_hcl": "100000",
    "mcc_ph102": "5000000",
    "capsule_3_clear": "100000",
    "oral_vehicle_preserved": "100000",
    "vial_cap": "10000",
    "amber_bottle": "10000",
}


@pytest.fixture(scope="module")
def counter(app) -> Counter:
    with app.app_context():
        session = database.session
        staff = {}
        for name, role in [
            ("technician", "technician"),
            ("pharmacist", "pharmacist"),
            ("pharmacist2", "pharmacist"),
            ("admin", "admin"),
        ]:
            user = create_user(
                session,
                f"{name}-{uuid.uuid4().hex[:8]}",
                role,
                "a-long-enough-password",
                SYSTEM,
                full_name=f"Test {name.title()}",
            )
            staff[name] = Staff.of(user)
    counter = Counter(app, staff, {})
    counter.shelf.update(
        {code: counter.add_lot(code, quantity) for code, quantity in SHELF_QUANTITIES.items()}
    )
    return counter


@pytest.fixture
def deactivated(counter) -> Staff:
    """A pharmacist whose account was switched off after logging in."""
    with counter.app.app_context():
        session = database.session
        user = create_user(
            session, f"gone-{uuid.uuid4().hex[:8]}", "pharmacist", "a-long-enough-password", SYSTEM
        )
        staff = Staff.of(user)
        session.get(User, user.id).active = False
        session.commit()
    return staff
