"""Administration: staff, clinics and API keys, formula and price list versions, lots.

These tests change what every worksheet is computed from (new formula and price list
versions, lots received and quarantined), so they run on a pharmacy of their own: a
fresh database per backend, never the one the other tests share.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pharmacy.clock import pharmacy_today
from pharmacy.extensions import database
from pharmacy.models import (
    ApiKey,
    AuditEvent,
    Clinic,
    Lot,
    MasterFormulationRecord,
    Prescription,
    PriceList,
    User,
    Worksheet,
)
from pharmacy.services import worker as work
from tests.support.clinics import make_clinic
from tests.support.databases import app_of_its_own
from tests.support.orders import prescription_on, submit
from tests.support.staff import PASSWORD, Desk, add_account


@pytest.fixture(scope="module")
def own_app(database_kind, tmp_path_factory):
    with app_of_its_own(database_kind, tmp_path_factory.mktemp("admin")) as app:
        yield app


@pytest.fixture(scope="module")
def staff(own_app):
    return {role: add_account(own_app, role) for role in ("technician", "pharmacist", "admin")}


@pytest.fixture
def admin(own_app, staff) -> Desk:
    station = Desk(own_app.test_client())
    assert station.login(staff["admin"]).status_code == 302
    return station


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(app, model, *where) -> int:
    with app.app_context():
        return database.session.scalar(select(func.count()).select_from(model).where(*where))


def actions_audited(app, action: str) -> list[dict]:
    with app.app_context():
        return list(
            database.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == action))
        )


# --- who may administer ----------------------------------------------------------------------


def admin_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("dashboard.admin")]


@pytest.mark.parametrize("role", ["technician", "pharmacist"])
def test_only_an_admin_reaches_any_admin_page_or_form(own_app, staff, role):
    station = Desk(own_app.test_client())
    station.login(staff[role])
    rules = admin_rules(own_app)
    assert len(rules) >= 13
    users_before = count(own_app, User)
    for rule in rules:
        values = {name: 1 for name in rule.arguments}
        values.update(
            {"change": "deactivate" if "users" in rule.rule else "quarantine"}
            if "change" in rule.arguments
            else {}
        )
        if "dosage_form" in rule.arguments:
            values["dosage_form"] = "capsule"
        url = rule.build(values)[1]
        if "GET" in rule.methods:
            response = station.get(url)
        else:
            response = station.post(url, {"name": "x", "reason": "because I say so here"})
        assert response.status_code == 403, (rule.rule, response.status_code)
    assert count(own_app, User) == users_before


# --- staff -----------------------------------------------------------------------------------


def test_an_admin_adds_an_account_that_can_log_in(own_app, admin):
    response = admin.post(
        "/admin/users",
        {
            "username": "new.tech",
            "full_name": "Nina Newcomb",
            "role": "technician",
            "password": "first password 1",
        },
    )
    assert response.status_code == 303
    assert "new.tech" in text(admin.get("/admin/users"))
    newcomer = Desk(own_app.test_client())
    response = newcomer.client.post(
        "/login",
        data={
            "username": "new.tech",
            "password": "first password 1",
            "csrf_token": newcomer.read_token("/login"),
        },
    )
    assert response.status_code == 302
    with own_app.app_context():
        user = database.session.scalar(select(User).where(User.username == "new.tech"))
        assert user.initials == "NN" and user.password_hash.startswith("scrypt:")
    assert {"user_id": user.id, "role": "technician"} in actions_audited(own_app, "user.created")


def test_a_bad_account_is_refused_with_every_reason(own_app, admin):
    before = count(own_app, User)
    response = admin.post(
        "/admin/users",
        {"username": "Bad Name!", "full_name": "", "role": "wizard", "password": "short"},
    )
    assert response.status_code == 422
    page = text(response)
    for reason in ("lower-case letters", "must be one of", "at least 10 characters"):
        assert reason in page
    assert 'value="Bad Name!"' in page  # kept for correcting
    assert count(own_app, User) == before


def test_a_username_is_taken_once(own_app, admin, staff):
    response = admin.post(
        "/admin/users",
        {
            "username": staff["technician"].username,
            "full_name": "Someone Else",
            "role": "technician",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 409


def test_a_deactivated_account_cannot_log_in_until_reactivated(own_app, admin):
    account = add_account(own_app, "pharmacist")
    assert admin.post(f"/admin/users/{account.id}/deactivate").status_code == 303
    assert Desk(own_app.test_client()).login(account).status_code == 401
    assert admin.post(f"/admin/users/{account.id}/reactivate").status_code == 303
    assert Desk(own_app.test_client()).login(account).status_code == 302
    assert {"user_id": account.id} in actions_audited(own_app, "user.deactivated")


def test_an_admin_cannot_deactivate_their_own_account(own_app, admin, staff):
    response = admin.post(f"/admin/users/{staff['admin'].id}/deactivate")
    assert response.status_code == 409
    with own_app.app_context():
        assert database.session.get(User, staff["admin"].id).active


# --- clinics and keys ------------------------------------------------------------------------

KEY = re.compile(r"<code>(ldn_[A-Za-z0-9_-]+)</code>")


def test_a_new_key_is_shown_once_works_and_is_revoked(own_app, admin):
    assert admin.post("/admin/clinics", {"name": "Riverside Pain Clinic"}).status_code == 303
    with own_app.app_context():
        clinic_id = database.session.scalar(
            select(Clinic.id).where(Clinic.name == "Riverside Pain Clinic")
        )
    page = admin.post(f"/admin/clinics/{clinic_id}/keys")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    [key] = KEY.findall(text(page))
    assert "shown this once" in text(page)
    with own_app.app_context():
        stored = database.session.scalar(select(ApiKey).where(ApiKey.prefix == key[:12]))
        assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    api = own_app.test_client()
    bearer = {"Authorization": f"Bearer {key}"}
    assert api.get("/api/v1/prescriptions", headers=bearer).status_code == 200
    assert key not in text(admin.get("/admin/clinics"))  # never again

    assert admin.post(f"/admin/keys/{stored.id}/revoke").status_code == 303
    assert api.get("/api/v1/prescriptions", headers=bearer).status_code == 401
    assert admin.post(f"/admin/keys/{stored.id}/revoke").status_code == 409
    assert "Revoked" in text(admin.get("/admin/clinics"))


def test_a_clinic_name_is_taken_once(admin):
    assert admin.post("/admin/clinics", {"name": "Lakeside Clinic"}).status_code == 303
    assert admin.post("/admin/clinics", {"name": "Lakeside  Clinic"}).status_code == 409
    assert admin.post("/admin/clinics", {"name": "   "}).status_code == 422


# --- formulas and price lists ------------------------------------------------------------------


def formula(app, dosage_form: str, version: int) -> MasterFormulationRecord:
    with app.app_context():
        return database.session.scalar(
            select(MasterFormulationRecord).where(
                MasterFormulationRecord.dosage_form == dosage_form,
                MasterFormulationRecord.version == version,
            )
        )


def work_an_order(app) -> Prescription:
    clinic = make_clinic(app)
    today = pharmacy_today(app.config)
    rx = submit(app.test_client(), clinic, prescription_on(today))
    number = int(rx.get_json()["rx_number"])
    with app.app_context():
        work.work_prescription(database.session, number, today=today)
        return database.session.get(Prescription, number)


def test_a_formula_change_is_a_new_version_and_the_old_one_stays(own_app, admin):
    first = formula(own_app, "capsule", 1)
    earlier_order = work_an_order(own_app)
    changed = dict(first.formula, fill_weight_mg="250")
    response = admin.post(
        "/admin/formulas/capsule",
        {"name": first.name, "formula": json.dumps(changed)},
    )
    assert response.status_code == 303
    second = formula(own_app, "capsule", 2)
    assert second.formula["fill_weight_mg"] == "250"
    assert formula(own_app, "capsule", 1).formula == first.formula  # never edited
    later_order = work_an_order(own_app)
    with own_app.app_context():

        def version_of(order):
            data = database.session.scalar(
                select(Worksheet.data).where(Worksheet.prescription_id == order.id)
            )
            return data["mfr_version"]

        assert version_of(earlier_order) == 1 and version_of(later_order) == 2
    assert actions_audited(own_app, "formula.version_created")[-1]["version"] == 2


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        ("{not json", "is not valid JSON"),
        ('["a list"]', "must be a JSON object"),
        ('{"api": "naltrexone_hcl"}', "is missing"),
    ],
)
def test_a_formula_that_cannot_be_used_is_refused(own_app, admin, sent, reason):
    before = count(own_app, MasterFormulationRecord)
    response = admin.post("/admin/formulas/oral_liquid", {"name": "LDN liquid", "formula": sent})
    assert response.status_code == 422
    assert reason in text(response)
    assert count(own_app, MasterFormulationRecord) == before


def test_a_price_change_is_a_new_version_and_orders_keep_theirs(own_app, admin):
    with own_app.app_context():
        current = database.session.scalars(
            select(PriceList).order_by(PriceList.version.desc())
        ).first()
        prices, version = dict(current.prices), current.version
    earlier = work_an_order(own_app)
    response = admin.post("/admin/prices", {"prices": json.dumps(dict(prices, markup="3.0"))})
    assert response.status_code == 303
    later = work_an_order(own_app)
    with own_app.app_context():
        lists = {p.version: p for p in database.session.scalars(select(PriceList))}
        assert lists[version].prices == prices  # never edited
        assert lists[version + 1].prices["markup"] == "3.0"
        assert database.session.get(Prescription, earlier.id).price_list_id == lists[version].id
        assert database.session.get(Prescription, later.id).price_list_id == lists[version + 1].id
    page = text(admin.get("/admin/prices"))
    assert f"Save as version {version + 2}" in page


@pytest.mark.parametrize(
    ("prices", "reason"),
    [
        ({"markup": "2"}, "is missing"),
        ({"markup": "-1", "dispensing_fee": "5", "minimum_price": "20"}, "more than 0"),
    ],
)
def test_a_price_list_that_cannot_price_an_order_is_refused(own_app, admin, prices, reason):
    before = count(own_app, PriceList)
    response = admin.post("/admin/prices", {"prices": json.dumps(prices)})
    assert response.status_code == 422
    assert reason in text(response)
    assert count(own_app, PriceList) == before


# --- lots ------------------------------------------------------------------------------------


def receipt(today, **changes) -> dict:
    form = {
        "ingredient_code": "naltrexone_hcl",
        "lot_number": "NTX-NEW-01",
        "vendor": "Medisca",
        "quantity": "10000",
        "received_on": today.isoformat(),
        "expires_on": (today + timedelta(days=700)).isoformat(),
        "form": "naltrexone hydrochloride",
        "molecular_weight": "377.87",
        "assay_percent": "99.4",
    }
    form.update(changes)
    return form


def test_a_lot_is_received_quarantined_and_released(own_app, admin):
    today = pharmacy_today(own_app.config)
    assert admin.post("/admin/lots", receipt(today)).status_code == 303
    with own_app.app_context():
        lot = database.session.scalar(select(Lot).where(Lot.lot_number == "NTX-NEW-01"))
        assert (lot.quantity_on_hand, lot.assay_percent) == (Decimal("10000"), Decimal("99.40"))
    assert "NTX-NEW-01" in text(admin.get("/admin/lots"))
    assert admin.post("/admin/lots", receipt(today)).status_code == 409  # on record already

    reason = "Certificate of analysis does not match the label"
    assert admin.post(f"/admin/lots/{lot.id}/quarantine", {"reason": reason}).status_code == 303
    with own_app.app_context():
        assert database.session.get(Lot, lot.id).quarantined
    assert admin.post(f"/admin/lots/{lot.id}/quarantine", {"reason": reason}).status_code == 409
    assert admin.post(f"/admin/lots/{lot.id}/release", {"reason": "no"}).status_code == 422
    assert admin.post(f"/admin/lots/{lot.id}/release", {"reason": reason}).status_code == 303
    audited = actions_audited(own_app, "lot.quarantined")
    assert {"lot_id": lot.id, "lot_number": "NTX-NEW-01", "reason": reason} in audited


def test_a_lot_without_what_the_record_needs_is_refused(own_app, admin):
    today = pharmacy_today(own_app.config)
    before = count(own_app, Lot)
    response = admin.post(
        "/admin/lots",
        receipt(
            today,
            lot_number="NTX-BAD",
            molecular_weight="",
            assay_percent="250",
            quantity="-5",
            expires_on=(today - timedelta(days=1)).isoformat(),
        ),
    )
    assert response.status_code == 422
    page = text(response)
    for field in ("molecular weight", "assay percent", "quantity", "expires on"):
        assert field in page
    assert count(own_app, Lot) == before


def test_the_lots_page_flags_expired_and_quarantined_lots(admin):
    page = text(admin.get("/admin/lots"))
    assert re.search(r'data-lot="NTX-22001">.*?Expired', page, re.S)  # the demo's expired lot
    assert re.search(r'data-lot="MCC-5400">.*?Quarantined', page, re.S)


def test_a_common_password_is_refused_for_a_new_account(own_app, admin):
    before = count(own_app, User)
    response = admin.post(
        "/admin/users",
        {
            "username": "weak.one",
            "full_name": "Weak One",
            "role": "technician",
            "password": "password1234",
        },
    )
    assert response.status_code == 422
    assert "too easy to guess" in text(response)
    assert count(own_app, User) == before
