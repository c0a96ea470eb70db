"""When the pharmacy starts a refill on its own, and when it asks the prescriber to
renew a prescription (api.md "Fills, refills and titration across fills").

A patient on automatic refills should never run out: the next fill is started some
days before the last one's supply ends, so it is made, checked and handed over in time.
A prescription that can give no more fills (its last refill dispensed) or soon cannot
(it expires within days) needs the prescriber's renewal before the patient runs out,
so the pharmacy asks while there is still time to answer.
"""

from __future__ import annotations

from datetime import date, timedelta

from pharmacy.domain.refills import NO_REFILLS_LEFT, expires_on

DEFAULT_AUTO_REFILL_LEAD_DAYS = 7
DEFAULT_RENEWAL_LEAD_DAYS = 10

# Why the prescriber is asked.
EXPIRING = "expiring"
RENEWAL_REASONS = (NO_REFILLS_LEFT, EXPIRING)

# A request's state: asked, then answered by a renewing prescription or a decline.
REQUESTED = "requested"
RENEWED = "renewed"
DECLINED = "declined"
RENEWAL_STATES = (REQUESTED, RENEWED, DECLINED)


def auto_refill_due_on(dispensed_on: date, days_supply: int, lead_days: int) -> date:
    """The day the pharmacy starts the next fill itself: `lead_days` before the last
    fill's supply runs out."""
    if days_supply < 1:
        raise ValueError("a fill lasts at least one day")
    if lead_days < 0:
        raise ValueError("the lead is a number of days, 0 or more")
    return dispensed_on + timedelta(days=days_supply - lead_days)


def renewal_reason(
    *,
    active: bool,
    last_fill_dispensed: bool,
    refills_remaining: int,
    written_on: date,
    today: date,
    lead_days: int,
) -> str | None:
    """Why the prescriber is asked today to renew, or None when there is no need.

    No refills left once the last fill is dispensed comes first: it is the reason the
    patient cannot be filled again, whatever the date. A stopped prescription (not
    `active`) needs no renewal, and one already expired is past asking: the clinic
    sends a new prescription when the patient needs one.
    """
    if lead_days < 0:
        raise ValueError("the lead is a number of days, 0 or more")
    expiry = expires_on(written_on)
    if not active or today > expiry:
        return None
    if last_fill_dispensed and refills_remaining <= 0:
        return NO_REFILLS_LEFT
    if expiry - timedelta(days=lead_days) <= today:
        return EXPIRING
    return None
