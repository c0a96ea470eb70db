"""The dashboard's test bench: staff accounts, a logged-in test client that sends the
CSRF token the way a browser form does, and orders brought to any state through the
same services the pharmacy uses.

CSRF stays on (WTF_CSRF_ENABLED is never turned off): every post sends the token it
read from a page, and the CSRF tests post without it.
"""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from pharmacy.clock import pharmacy_today
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.models import (
    Alert,
    AuditEvent,
    CompoundingRecord,
    Ingredient,
    Lot,
    Prescription,
    StatusChange,
    User,
)
from pharmacy.services import SYSTEM
from pharmacy.services import worker as work
from pharmacy.services.counter import actions as staff_actions
from pharmacy.services.counter import printing
from pharmacy.services.counter.actions import Staff
from tests.conftest import VALID_PRESCRIPTION, make_clinic
from tests.orders import PASSING_CAPSULE_WEIGHTS, MovesOrders

URL = "/api/v1/prescriptions"
PASSWORD = "a-long-enough-password"
REASON = "Confirmed with the prescriber by phone today"
OPIOID = "Percocet 5/325 every 6 hours"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
SHELF = {
    "naltrexone_hcl": "100000",
    "mcc_ph102": "5000000",
    "capsule_3_clear": "100000",
    "oral_vehicle_preserved": "100000",
    "vial_cap": "10000",
    "amber_bottle": "10000",
}


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str
    password: str = PASSWORD

    @property
    def staff(self) -> Staff:
        return Staff(self.id, self.username, self.role, self.username[:2].upper())


def add_account(app, role: str, *, name: str | None = None, active: bool = True) -> Account:
    """A staff account with a quick hash: the slow scrypt of real accounts is tested
    once in test_auth; hundreds of logins with it would only slow the suite down."""
    username = name or f"{role[:4]}-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        session = database.session
        user = User(
            username=username,
            role=role,
            full_name=f"Test {role.title()}",
            initials=role[:2].upper(),
            password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
            active=active,
        )
        session.add(user)
        session.commit()
        return Account(user.id, username, role)


class Desk:
    """A test client used as a person at a workstation: logs in, reads pages, posts forms
    with the CSRF token a page gave it."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._token: str | None = None

    def token(self) -> str:
        """The CSRF token of this session, read from a page as a browser's form has it."""
        if self._token is None:
            self._token = self.read_token("/login")
        return self._token

    def read_token(self, url: str) -> str:
        page = self.client.get(url, follow_redirects=True)
        return TOKEN.search(page.get_data(as_text=True)).group(1)

    def login(self, account: Account, password: str | None = None):
        response = self.client.post(
            "/login",
            data={
                "username": account.username,
                "password": password or account.password,
                "csrf_token": self.read_token("/login"),
            },
        )
        # The session is renewed at login, and its token with it: read the new one now,
        # so no later post reads a page (and writes an audit event) of its own.
        self._token = self.read_token("/") if response.status_code == 302 else None
        return response

    def get(self, url: str, **options):
        return self.client.get(url, **options)

    def post(self, url: str, data: dict | None = None, **options):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        return self.client.post(url, data=data, **options)


@pytest.fixture(scope="module")
def accounts(app) -> dict[str, Account]:
    """One of each role, plus a second pharmacist (a compounder cannot verify)."""
    return {
        "technician": add_account(app, "technician"),
        "pharmacist": add_account(app, "pharmacist"),
        "pharmacist2": add_account(app, "pharmacist"),
        "admin": add_account(app, "admin"),
    }


@pytest.fixture
def desk(app):
    """A workstation: `desk(account)` is a fresh client logged in as that account."""

    def open_desk(account: Account | None = None) -> Desk:
        desk = Desk(app.test_client())
        if account is not None:
            response = desk.login(account)
            assert response.status_code == 302, response.get_data(as_text=True)
        return desk

    return open_desk


class Pharmacy(MovesOrders):
    """Orders brought to a state the way the pharmacy brings them: submitted through the
    API, worked by the workers' service, then moved on by the staff-action services.
    Compounding draws on a shelf of lots of our own, which expire long after the demo
    shelf's, so no other test's worksheet ever picks them."""

    def __init__(self, app, accounts: dict[str, Account]) -> None:
        self.app = app
        self.accounts = accounts
        self.clinic = make_clinic(app)
        self.client = app.test_client()
        self.today: date = pharmacy_today(app.config)
        self.shelf = {code: self.add_lot(code, quantity) for code, quantity in SHELF.items()}

    def add_lot(self, code: str, quantity: str) -> str:
        number = f"D-{code[:6]}-{uuid.uuid4().hex[:6]}"
        with self.app.app_context():
            session = database.session
            ingredient = session.scalar(select(Ingredient).where(Ingredient.code == code))
            api = ingredient.kind == "api"
            session.add(
                Lot(
                    ingredient=ingredient,
                    lot_number=number,
                    vendor="Dashboard Test Supply",
                    expires_on=self.today + timedelta(days=20 * 365),
                    received_on=self.today,
                    form="naltrexone hydrochloride" if api else None,
                    molecular_weight=Decimal("377.87") if api else None,
                    assay_percent=Decimal("99.50") if api else None,
                    quantity_on_hand=Decimal(quantity),
                )
            )
            session.commit()
        return number

    # --- orders ----------------------------------------------------------------------

    def submit(
        self, *, last_name: str | None = None, medications=(), liquid: bool = False, **patient
    ) -> int:
        body = copy.deepcopy(VALID_PRESCRIPTION)
        body["written_on"] = (self.today - timedelta(days=1)).isoformat()
        if liquid:  # 1 mg/mL oral liquid, 4.5 mg a day
            body["medication"] = {"dosage_form": "oral_liquid", "strength_mg": 1}
            body["directions"]["steps"] = [{"dose_mg": 4.5, "days": 30}]
        body["patient"]["last_name"] = last_name or f"Deskpatient-{uuid.uuid4().hex[:8]}"
        body["patient"]["medications"] = list(medications) or ["levothyroxine 50 mcg daily"]
        body["patient"].update(patient)
        response = self.client.post(URL, json=body, headers=self.clinic.headers)
        assert response.status_code == 201, response.get_json()
        return int(response.get_json()["rx_number"])

    def work(self, rx: int) -> None:
        with self.app.app_context():
            work.work_prescription(database.session, rx, today=self.today)

    def ready(self, **patient) -> int:
        rx = self.submit(**patient)
        self.work(rx)
        assert self.status(rx) == Status.READY
        return rx

    def held(self, **patient) -> int:
        rx = self.submit(medications=[OPIOID], **patient)
        self.work(rx)
        assert self.status(rx) == Status.ON_HOLD
        return rx

    reason = REASON

    def take(self, action: str, role: str, rx: int, *args: Any) -> Any:
        return self.act(action, role, rx, *args)

    def act(self, action: str, role: str, rx: int, *args: Any) -> Any:
        options = {"today": self.today} if action == "dispense" else {}
        with self.app.app_context():
            service = getattr(staff_actions, action)
            return service(database.session, self.accounts[role].staff, rx, *args, **options)

    def compounded(self, by: str = "technician") -> int:
        rx = self.ready()
        self.act("record_compounding", by, rx, self.entry(rx))
        return rx

    def verified(self) -> int:
        """Verified and labelled: ready to hand over."""
        rx = self.compounded()
        self.act("verify", "pharmacist", rx)
        with self.app.app_context():
            order = database.session.get(Prescription, rx)
            printing.record_print(database.session, SYSTEM, "label", [order], stock="test")
        return rx

    # --- compounding -----------------------------------------------------------------

    def compounding_form(self, rx: int, **changes: Any) -> dict[str, Any]:
        """The compounding form as a technician fills it in: our own lots, the planned
        amounts, a passing capsule weight sample."""
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

    # --- looking ---------------------------------------------------------------------

    def state(self, rx: int) -> dict[str, Any]:
        """Everything an action could change, to prove a refusal changed nothing."""
        with self.app.app_context():
            session = database.session
            return {
                "status": self.status(rx),
                "history": session.execute(
                    select(StatusChange.to_status, StatusChange.actor)
                    .where(StatusChange.prescription_id == rx)
                    .order_by(StatusChange.id)
                ).all(),
                "alerts": session.execute(
                    select(Alert.id, Alert.resolution, Alert.resolved_reason)
                    .where(Alert.prescription_id == rx)
                    .order_by(Alert.id)
                ).all(),
                "record": session.execute(
                    select(CompoundingRecord.id, CompoundingRecord.verified_by).where(
                        CompoundingRecord.prescription_id == rx
                    )
                ).all(),
                "lots": session.execute(
                    select(Lot.id, Lot.quantity_on_hand, Lot.quarantined).order_by(Lot.id)
                ).all(),
                "audit_events": session.scalar(select(func.count()).select_from(AuditEvent)),
            }

    def events(self, rx: int) -> list[AuditEvent]:
        with self.app.app_context():
            return list(
                database.session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.prescription_id == rx)
                    .order_by(AuditEvent.id)
                )
            )


@pytest.fixture(scope="module")
def pharmacy(app, accounts) -> Pharmacy:
    return Pharmacy(app, accounts)
