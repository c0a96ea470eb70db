"""Beyond-use date (BUD) of a compounded preparation, USP <795> (domain §4).

The day of compounding counts as day 1, so a 180-day BUD on capsules made 2026-11-21
ends 2027-05-19. No preparation may outlive an ingredient it was made from, so the
earliest expiry of the lots used caps the date. The table of days per category is the
pharmacy's setting, passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class BeyondUse:
    """The last day the preparation may be used, and why it is that day."""

    date: date
    days: int  # days of use, counting the compounding day as day 1
    limited_by: str | None = None  # what cut the USP <795> date short, if anything


def beyond_use_date(
    compounded_on: date,
    category: str,
    days_by_category: Mapping[str, int],
    lot_expiries: Sequence[date],
) -> BeyondUse:
    """The USP <795> date for `category`, never after the earliest lot expiry.

    A lot that expires on the very day the table allows does not shorten the date, so
    `limited_by` is set only when a lot makes the date earlier.
    """
    if category not in days_by_category:
        known = ", ".join(sorted(days_by_category))
        raise ValueError(f"no beyond-use days for category {category!r} (known: {known})")
    table_date = compounded_on + timedelta(days=days_by_category[category] - 1)
    earliest = min(lot_expiries, default=None)
    if earliest is not None and earliest < table_date:
        return BeyondUse(
            earliest, (earliest - compounded_on).days + 1, f"lot expiry {earliest.isoformat()}"
        )
    return BeyondUse(table_date, days_by_category[category])


def supply_outlasts_bud(compounded_on: date, days_supply: int, bud: BeyondUse | date) -> bool:
    """Whether the last day of the supply falls after the BUD.

    The supply is counted from the compounding day, the earliest the patient can start,
    so a 35-day supply of a 35-day preparation just fits.
    """
    last_use = bud.date if isinstance(bud, BeyondUse) else bud
    last_day_of_supply = compounded_on + timedelta(days=days_supply - 1)
    return last_day_of_supply > last_use
