"""At the counter, a fill whose use-by date comes before the end of its supply (counted
from the day it is handed over) is not handed over by a technician: the page says why,
and only a pharmacist, with a written reason kept in the record, may dispense it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from pharmacy.clock import pharmacy_today
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.models import Prescription
from tests.support.orders import REASON

DECLINED = {"counseling": "declined"}  # the offer to counsel, answered at every hand-over


def use_by_in(app, rx: int, days: int) -> None:
    """The batch must be used within `days` days of today."""
    with app.app_context():
        database.session.execute(
            update(Prescription)
            .where(Prescription.id == rx)
            .values(beyond_use_date=pharmacy_today(app.config) + timedelta(days=days))
        )
        database.session.commit()


def test_a_short_use_by_is_shown_and_only_a_pharmacist_hands_it_over(app, desk, accounts, pharmacy):
    rx = pharmacy.verified()
    use_by_in(app, rx, 10)
    technician = desk(accounts["technician"])
    page = technician.get(f"/orders/{rx}").get_data(as_text=True)
    assert 'id="short-supply"' in page and "ask one" in page
    assert 'name="short_supply_reason"' not in page
    refused = technician.post(f"/orders/{rx}/dispense", data=DECLINED)
    assert refused.status_code == 409
    assert "before its 30-day supply would run out" in refused.get_data(as_text=True)
    assert pharmacy.status(rx) == Status.VERIFIED

    pharmacist = desk(accounts["pharmacist"])
    page = pharmacist.get(f"/orders/{rx}").get_data(as_text=True)
    assert 'name="short_supply_reason"' in page
    too_short = pharmacist.post(
        f"/orders/{rx}/dispense", data={"short_supply_reason": "ok", **DECLINED}
    )
    assert too_short.status_code == 422
    assert pharmacy.status(rx) == Status.VERIFIED
    done = pharmacist.post(
        f"/orders/{rx}/dispense", data={"short_supply_reason": REASON, **DECLINED}
    )
    assert done.status_code == 303
    assert pharmacy.status(rx) == Status.DISPENSED
    event = pharmacy.audit(rx)[-1]
    assert event.action == "prescription.dispensed"
    assert event.detail["short_supply_reason"] == REASON


def test_a_use_by_that_outlasts_the_supply_asks_nothing(app, desk, accounts, pharmacy):
    rx = pharmacy.verified()
    use_by_in(app, rx, 60)
    technician = desk(accounts["technician"])
    page = technician.get(f"/orders/{rx}").get_data(as_text=True)
    assert 'id="short-supply"' not in page
    assert technician.post(f"/orders/{rx}/dispense", data=DECLINED).status_code == 303
