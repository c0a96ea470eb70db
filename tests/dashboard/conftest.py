"""The dashboard's test bench: staff accounts, a workstation logged in as one of them
(`tests/support/staff.py`), and orders brought to any state through the same services
the pharmacy uses (`tests/support/orders.py`)."""

from __future__ import annotations

import pytest

from tests.support.orders import Orders
from tests.support.staff import Account, Desk, add_account


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


@pytest.fixture(scope="module")
def pharmacy(app, accounts) -> Orders:
    """Orders brought to a state the way the pharmacy brings them, moved on as the
    dashboard's accounts."""
    staff = {name: account.staff for name, account in accounts.items()}
    return Orders(app, staff, patients="Deskpatient", lots="D")
