"""When the pharmacy starts a refill itself, and when it asks the prescriber to renew
(`pharmacy.domain.renewals`), table by table."""

from __future__ import annotations

from datetime import date

import pytest

from pharmacy.domain.renewals import auto_refill_due_on, renewal_reason

TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("dispensed_on", "days_supply", "lead_days", "due_on"),
    [
        (date(2026, 11, 1), 30, 7, date(2026, 11, 24)),
        (date(2026, 11, 1), 30, 0, date(2026, 12, 1)),  # no lead: the day it runs out
        (date(2026, 11, 1), 90, 7, date(2027, 1, 23)),
        (date(2026, 11, 1), 5, 7, date(2026, 10, 30)),  # shorter than the lead: at once
        (date(2028, 2, 1), 30, 7, date(2028, 2, 24)),
    ],
)
def test_an_automatic_refill_is_due_the_lead_before_the_supply_runs_out(
    dispensed_on, days_supply, lead_days, due_on
):
    assert auto_refill_due_on(dispensed_on, days_supply, lead_days) == due_on


@pytest.mark.parametrize(("days_supply", "lead_days"), [(0, 7), (30, -1)])
def test_an_automatic_refill_needs_a_supply_and_a_lead(days_supply, lead_days):
    with pytest.raises(ValueError):
        auto_refill_due_on(TODAY, days_supply, lead_days)


def reason(**changes):
    facts = {
        "active": True,
        "last_fill_dispensed": True,
        "refills_remaining": 1,
        "written_on": date(2026, 6, 1),
        "today": TODAY,
        "lead_days": 10,
    }
    return renewal_reason(**(facts | changes))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, None),  # refills left, half a year to go
        ({"refills_remaining": 0}, "no_refills_left"),
        ({"refills_remaining": 0, "last_fill_dispensed": False}, None),  # still being made
        ({"written_on": date(2025, 12, 13)}, "expiring"),  # expires in 10 days
        ({"written_on": date(2025, 12, 14)}, None),  # in 11
        ({"written_on": date(2025, 12, 3)}, "expiring"),  # expires today
        ({"written_on": date(2025, 12, 2)}, None),  # expired yesterday: past asking
        ({"written_on": date(2025, 12, 13), "refills_remaining": 0}, "no_refills_left"),
        ({"refills_remaining": 0, "active": False}, None),  # stopped
        ({"written_on": date(2025, 12, 13), "active": False}, None),
        ({"written_on": date(2025, 12, 13), "lead_days": 5}, None),
    ],
)
def test_the_prescriber_is_asked_when_no_fill_can_follow_soon(changes, expected):
    assert reason(**changes) == expected
