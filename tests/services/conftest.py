"""A pharmacy counter for the staff-action tests: staff accounts, a shelf of lots of
their own, and orders brought to any state the way the pharmacy would bring them."""

from __future__ import annotations

import pytest

from pharmacy.services.counter.actions import Staff
from tests.support.orders import Orders
from tests.support.staff import created_staff, switched_off


@pytest.fixture(scope="module")
def counter(app) -> Orders:
    return Orders(app, created_staff(app), patients="Counterpatient", canceller="admin")


@pytest.fixture
def deactivated(counter) -> Staff:
    """A pharmacist whose account was switched off after logging in."""
    return switched_off(counter.app)
