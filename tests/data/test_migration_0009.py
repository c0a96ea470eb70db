"""Migration 0009 on a pharmacy that already has orders: each becomes its own fill 0,
with every record it had, and the pharmacy goes on working them (and refilling them)
after the upgrade.

The orders are put in at revision 0008 with raw SQL, as the pharmacy's database had
them then: one dispensed (worksheet, price lines, compounding record, history, its
label printed), one ready, one held with an opioid alert. Their worksheets and prices
are the rules' own, computed with the default formula and price list.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from pharmacy import config
from pharmacy.clock import pharmacy_today
from pharmacy.database import make_engine
from pharmacy.domain.compounding import compute_worksheet
from pharmacy.domain.pricing import price_worksheet
from pharmacy.domain.refills import RefillRefused
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.migrations import upgrade
from pharmacy.services import SYSTEM
from pharmacy.services.reads.clinic_orders import for_clinic
from pharmacy.services.reads.order_view import view_order
from pharmacy.services.reference.defaults import FORMULAS, INGREDIENTS, PRICES
from pharmacy.services.worker import plain
from tests.support.compounding import CAPSULES, LOTS, SETTINGS_DEFAULT, make_order
from tests.support.databases import fresh_database, stocked_app
from tests.support.orders import OPIOID, Orders, new_patient, prescription_on
from tests.support.staff import created_staff

FILL_RECORDS = ("worksheets", "price_lines", "alerts", "compounding_records", "status_changes")
TECHNICIAN, PHARMACIST = 1, 2  # the users' ids
REFILLS = 2
LISTS = ["allergies", "medications", "conditions"]


@dataclass
class Before:
    """What an order had at revision 0008."""

    rx: int
    uid: uuid.UUID
    worksheet: int
    price_lines: list[int]
    alerts: list[int]
    record: int | None = None


class Database:
    """Raw SQL against the 0008 schema: values as each database takes them in a bind."""

    def __init__(self, connection, today: date) -> None:
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.today = today

    def moment(self, at: datetime) -> str:
        if self.sqlite:  # how SQLAlchemy keeps a UTC moment in SQLite: its text, no zone
            return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return at.isoformat()

    def insert(self, table: str, **values: Any) -> int:
        def bound(value: Any) -> Any:
            if isinstance(value, datetime):
                return self.moment(value)
            if isinstance(value, date | Decimal):
                return str(value)
            if isinstance(value, dict | list):
                return json.dumps(value)
            return value

        names = ", ".join(f'"{name}"' for name in values)
        marks = ", ".join(f":{name}" for name in values)
        self.connection.execute(
            text(f"INSERT INTO {table} ({names}) VALUES ({marks})"),
            {name: bound(value) for name, value in values.items()},
        )
        return self.connection.execute(text(f"SELECT max(id) FROM {table}")).scalar()


def the_pharmacy(db: Database, now: datetime) -> None:
    """The clinic, prescriber, staff, formula and price list the orders point to."""
    db.insert("clinics", name="Demo Clinic", created_at=now)
    db.insert(
        "prescribers",
        npi="1234567893",
        first_name="Joe",
        last_name="Example",
        phone="614-555-0100",
        updated_at=now,
    )
    for username, role in (("tech", "technician"), ("pharm", "pharmacist")):
        db.insert(
            "users",
            username=username,
            full_name=f"Demo {role.title()}",
            initials=username[:2].upper(),
            role=role,
            password_hash="pbkdf2:sha256:1000$not$used",
            active=True,
            created_at=now,
        )
    capsules = FORMULAS[0]
    db.insert(
        "master_formulation_records",
        dosage_form=capsules["dosage_form"],
        version=1,
        name=capsules["name"],
        formula=capsules["formula"],
        created_by="system:defaults",
        created_at=now,
    )
    db.insert("price_lists", version=1, prices=PRICES, created_by="system:defaults", created_at=now)


def an_order(
    db: Database,
    last_name: str,
    history: list[tuple[str | None, str, datetime]],
    *,
    medications: tuple[str, ...] = ("levothyroxine 50 mcg daily",),
    alerts: tuple[tuple[str, str, str], ...] = (),
) -> Before:
    """An order of a patient of its own, worked on its history's first day, with what
    the worker wrote for it then (worksheet, price lines, alerts)."""
    worked_at = history[1][2]
    worked_on = worked_at.date()
    shelf = tuple(replace(lot, expires_on=db.today + timedelta(days=3 * 365)) for lot in LOTS)
    worksheet = compute_worksheet(
        make_order("capsule", "1.5", ("1.5", 30)), CAPSULES, shelf, SETTINGS_DEFAULT, worked_on
    )
    names = {item["code"]: item["name"] for item in INGREDIENTS}
    price = price_worksheet(worksheet, PRICES, 1, names)
    body = new_patient(
        prescription_on(worked_on), last_name=last_name, medications=list(medications)
    )
    patient = body["patient"]
    patient_id = db.insert(
        "patients",
        clinic_id=1,
        first_name=patient["first_name"],
        last_name=last_name,
        date_of_birth=patient["date_of_birth"],
        allergies=patient["allergies"],
        medications=[{"name": m, "rxnorm": None} for m in medications],
        conditions=patient["conditions"],
        updated_at=history[0][2],
        first_name_key=patient["first_name"].lower(),
        last_name_key=last_name.lower(),
    )
    uid = uuid.uuid4()
    rx = db.insert(
        "prescriptions",
        uid=uid.hex,
        clinic_id=1,
        prescriber_id=1,
        patient_id=patient_id,
        status=history[-1][1],
        dosage_form="capsule",
        strength_mg=Decimal("1.5"),
        times_per_day=1,
        days_supply=30,
        refills=REFILLS,
        written_on=date.fromisoformat(body["written_on"]),
        diagnosis=body["diagnosis"],
        as_sent=body,
        quantity=worksheet.quantity,
        quantity_unit=worksheet.unit,
        beyond_use_date=worksheet.beyond_use.date,
        price_total=price.total,
        price_list_id=1,
        created_at=history[0][2],
        updated_at=history[-1][2],
        allergies=patient["allergies"],
        medications=[{"name": m, "rxnorm": None} for m in medications],
        conditions=patient["conditions"],
        lists_on_record=LISTS,
    )
    db.insert("direction_steps", prescription_id=rx, position=0, dose_mg=Decimal("1.5"), days=30)
    worksheet_id = db.insert(
        "worksheets", prescription_id=rx, mfr_id=1, data=plain(worksheet), created_at=worked_at
    )
    lines = [
        db.insert(
            "price_lines",
            prescription_id=rx,
            position=position,
            label=line.label,
            amount=line.amount,
            basis=line.basis,
        )
        for position, line in enumerate(price.lines)
    ]
    alert_ids = [
        db.insert(
            "alerts",
            prescription_id=rx,
            code=code,
            severity=severity,
            detail=detail,
            created_at=worked_at,
        )
        for code, severity, detail in alerts
    ]
    for from_status, to_status, at in history:
        actor = "system:system" if to_status in ("received", "ready", "on_hold") else "user:tech"
        db.insert(
            "status_changes",
            prescription_id=rx,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            at=at,
        )
    db.insert(
        "audit_events",
        at=history[0][2],
        actor_type="clinic",
        actor_id="1",
        actor_name="Demo Clinic",
        action="prescription.received",
        prescription_id=rx,
        detail={},
    )
    return Before(rx, uid, worksheet_id, lines, alert_ids)


def compounded(db: Database, before: Before, on: datetime) -> None:
    """The compounding record of a batch made on `on` and verified the same day."""
    data = db.connection.execute(
        text("SELECT data FROM worksheets WHERE id = :id"), {"id": before.worksheet}
    ).scalar()
    data = json.loads(data) if isinstance(data, str) else data  # SQLite: the JSON's text
    components = [
        {
            "ingredient_code": line["ingredient_code"],
            "lot_id": pick["lot_id"],
            "lot_number": pick["lot_number"],
            "vendor": pick["vendor"],
            "expires_on": pick["expires_on"],
            "amount": pick["amount"],
            "unit": line["unit"],
        }
        for line in data["components"]
        for pick in line["picks"]
    ]
    before.record = db.insert(
        "compounding_records",
        prescription_id=before.rx,
        worksheet_id=before.worksheet,
        mfr_id=1,
        compounded_on=on.date(),
        compounded_by=TECHNICIAN,
        compounded_at=on,
        components=components,
        quantity_made=Decimal(data["batch_quantity"]),
        quantity_unit="capsule",
        qc={"check": "capsule_weight", "passed": True, "summary": "5 of 5 capsules within 10 %"},
        qc_passed=True,
        deviations="",
        verified_by=PHARMACIST,
        verified_at=on + timedelta(hours=1),
    )


def test_every_order_becomes_its_fill_0_and_is_worked_and_refilled_after(database_kind, tmp_path):
    today = pharmacy_today(config.from_environment())
    zone = ZoneInfo(str(config.from_environment()["PHARMACY_TIMEZONE"]))
    # Handed over on an evening: in UTC it is already the next day.
    handed_over_on = today - timedelta(days=6)
    handed_over = datetime.combine(handed_over_on, time(21, 30), zone).astimezone(UTC)
    started = handed_over - timedelta(days=2)

    def at(hours: float) -> datetime:
        return started + timedelta(hours=hours)

    with fresh_database(database_kind, tmp_path) as url:
        upgrade(url, "0008")
        engine = make_engine(url)
        with engine.begin() as connection:
            db = Database(connection, today)
            the_pharmacy(db, started)
            dispensed = an_order(
                db,
                "Dispensed-0008",
                [
                    (None, "received", at(0)),
                    ("received", "ready", at(0.01)),
                    ("ready", "compounded", at(3)),
                    ("compounded", "verified", at(4)),
                    ("verified", "dispensed", handed_over),
                ],
            )
            compounded(db, dispensed, at(3))
            db.insert(
                "audit_events",
                at=at(4.5),
                actor_type="user",
                actor_id="2",
                actor_name="pharm",
                action="label.printed",
                prescription_id=dispensed.rx,
                detail={"stock": "thermal-4x2"},
            )
            ready = an_order(
                db, "Ready-0008", [(None, "received", at(1)), ("received", "ready", at(1.01))]
            )
            held = an_order(
                db,
                "Held-0008",
                [(None, "received", at(2)), ("received", "on_hold", at(2.01))],
                medications=(OPIOID,),
                alerts=(
                    (
                        "opioid_interaction",
                        "hard_stop",
                        "Percocet 5/325 every 6 hours: oxycodone is an opioid",
                    ),
                ),
            )
            counts = {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in FILL_RECORDS
            }
        engine.dispose()

        upgrade(url)

        engine = make_engine(url)
        with engine.connect() as connection:
            fills = connection.execute(
                text(
                    "SELECT prescription_id, number, refill, requested_via, dispensed_on "
                    "FROM fills ORDER BY prescription_id"
                )
            ).all()
            prescriptions = connection.execute(
                text(
                    "SELECT id, refills_remaining, current_fill, current_refill, auto_refill "
                    "FROM prescriptions ORDER BY id"
                )
            ).all()
            after = {
                table: connection.execute(
                    text(f"SELECT fill_number, count(*) FROM {table} GROUP BY fill_number")
                ).all()
                for table in FILL_RECORDS
            }
        engine.dispose()

        assert [(rx, n, r, via, str(on) if on else None) for rx, n, r, via, on in fills] == [
            (dispensed.rx, 0, 0, "original", handed_over_on.isoformat()),
            (ready.rx, 0, 0, "original", None),
            (held.rx, 0, 0, "original", None),
        ]
        assert [tuple(row) for row in prescriptions] == [
            (rx, REFILLS, 0, 0, False) for rx in (dispensed.rx, ready.rx, held.rx)
        ]
        assert {table: [tuple(row) for row in rows] for table, rows in after.items()} == {
            table: [(0, count)] for table, count in counts.items()
        }

        with stocked_app(url, tmp_path) as app:
            the_app_reads_them(app, dispensed, ready, held, handed_over_on)
            orders = Orders(app, created_staff(app), patients="Migrated")
            the_app_works_them(orders, dispensed, ready, held, handed_over_on)


def the_app_reads_them(
    app, dispensed: Before, ready: Before, held: Before, handed_over_on: date
) -> None:
    """The order page and the clinic's view show each order as it was, as fill 0."""
    with app.app_context():
        session = database.session
        for before in (dispensed, ready, held):
            page = view_order(session, before.rx, actor=SYSTEM)
            order = page.prescription
            assert order.current_fill == 0
            assert order.worksheet.id == before.worksheet
            assert [line.id for line in order.price_lines] == before.price_lines
            assert [alert.id for alert in order.alerts] == before.alerts
            assert (page.record.id if page.record else None) == before.record
        assert view_order(session, dispensed.rx, actor=SYSTEM).record.verified_by == PHARMACIST
        shown = for_clinic(session, 1, dispensed.uid)
        assert shown.status == Status.DISPENSED
        assert shown.refills_remaining == REFILLS
        [fill] = shown.fills
        assert (fill.number, fill.refill, fill.status) == (0, 0, "dispensed")
        assert fill.dispensed_on == handed_over_on
        assert fill.quantity == Decimal(30)
        assert [f.dispensed_on for f in for_clinic(session, 1, ready.uid).fills] == [None]


def the_app_works_them(
    orders: Orders, dispensed: Before, ready: Before, held: Before, handed_over_on: date
) -> None:
    """Staff go on with each order where it was, and the dispensed one is refilled."""
    assert "Original fill · 2 refills left" in orders.label_text(dispensed.rx)

    orders.act("override", "pharmacist", held.rx)
    assert orders.status(held.rx) == Status.READY
    assert [a.resolution for a in orders_shown(orders, held).alerts] == ["overridden"]
    orders.call("record_compounding", "technician", ready.rx, orders.entry(ready.rx))
    assert orders.status(ready.rx) == Status.COMPOUNDED

    with pytest.raises(RefillRefused) as refused:
        orders.refill(dispensed.rx)
    assert refused.value.code == "too_soon"
    assert refused.value.earliest_on == handed_over_on + timedelta(days=23)
    orders.days_pass(dispensed.rx, 30)
    assert orders.refill(dispensed.rx) == 1
    orders.work(dispensed.rx)
    assert orders.status(dispensed.rx) == Status.READY
    assert orders.worksheet(dispensed.rx)["quantity"] == "30"
    assert orders.worksheet(dispensed.rx, fill=0) is not None
    assert "Refill 1 of 2 · 1 refill left" in orders.label_text(dispensed.rx)
    orders.dispensed(dispensed.rx)
    shown = orders_shown(orders, dispensed)
    assert [(f.number, f.status) for f in shown.fills] == [(0, "dispensed"), (1, "dispensed")]
    assert shown.refills_remaining == REFILLS - 1


def orders_shown(orders: Orders, before: Before):
    with orders.app.app_context():
        return for_clinic(database.session, 1, before.uid)
