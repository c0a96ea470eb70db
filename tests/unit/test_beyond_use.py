"""Beyond-use dates of domain.md §4 (USP <795>), table by table."""

from datetime import date

import pytest

from pharmacy.domain.beyond_use import BeyondUse, beyond_use_date, supply_outlasts_bud
from pharmacy.services.reference.defaults import SETTINGS

DAYS = SETTINGS["beyond_use_days"]
COMPOUNDED_ON = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("category", "compounded_on", "expected", "days"),
    [
        ("nonaqueous_solid", COMPOUNDED_ON, date(2027, 5, 19), 180),
        ("aqueous_preserved", COMPOUNDED_ON, date(2026, 12, 25), 35),
        ("aqueous_unpreserved", COMPOUNDED_ON, date(2026, 12, 4), 14),
        ("nonaqueous_liquid", COMPOUNDED_ON, date(2027, 2, 18), 90),
        ("nonaqueous_solid", date(2027, 11, 21), date(2028, 5, 18), 180),  # 29 Feb 2028
        ("aqueous_preserved", date(2026, 12, 31), date(2027, 2, 3), 35),
    ],
)
def test_the_compounding_day_is_day_one_of_the_usp_795_days(
    category, compounded_on, expected, days
):
    assert beyond_use_date(compounded_on, category, DAYS, []) == BeyondUse(expected, days)


@pytest.mark.parametrize(
    ("expiries", "expected", "days", "limited_by"),
    [
        ([date(2027, 3, 31)], date(2027, 3, 31), 131, "lot expiry 2027-03-31"),
        ([date(2028, 1, 1), date(2027, 3, 31)], date(2027, 3, 31), 131, "lot expiry 2027-03-31"),
        ([date(2027, 5, 19)], date(2027, 5, 19), 180, None),  # same day: not shortened
        ([date(2027, 5, 18)], date(2027, 5, 18), 179, "lot expiry 2027-05-18"),
        ([date(2026, 11, 22)], date(2026, 11, 22), 2, "lot expiry 2026-11-22"),
        ([date(2030, 1, 1)], date(2027, 5, 19), 180, None),
    ],
)
def test_the_bud_never_exceeds_the_earliest_lot_expiry(expiries, expected, days, limited_by):
    bud = beyond_use_date(COMPOUNDED_ON, "nonaqueous_solid", DAYS, expiries)
    assert bud == BeyondUse(expected, days, limited_by)


def test_the_days_per_category_come_from_the_settings_passed_in():
    bud = beyond_use_date(COMPOUNDED_ON, "nonaqueous_solid", {"nonaqueous_solid": 30}, [])
    assert bud == BeyondUse(date(2026, 12, 20), 30)


def test_an_unknown_category_is_an_error_that_names_the_known_ones():
    with pytest.raises(ValueError, match="aqueous_preserved"):
        beyond_use_date(COMPOUNDED_ON, "suppository", DAYS, [])


@pytest.mark.parametrize(
    ("days_supply", "bud_days", "outlasts"),
    [
        (30, 180, False),
        (30, 35, False),
        (35, 35, False),  # the last dose is taken on the BUD
        (36, 35, True),
        (90, 35, True),
        (90, 90, False),
        (15, 14, True),
    ],
)
def test_a_supply_outlasts_the_bud_when_its_last_day_comes_after_it(
    days_supply, bud_days, outlasts
):
    bud = beyond_use_date(COMPOUNDED_ON, "any", {"any": bud_days}, [])
    assert supply_outlasts_bud(COMPOUNDED_ON, days_supply, bud) is outlasts
    assert supply_outlasts_bud(COMPOUNDED_ON, days_supply, bud.date) is outlasts
