"""Today, as the pharmacy's calendar has it; the domain is handed dates, never the clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo


def pharmacy_today(config: Mapping[str, object]) -> date:
    return datetime.now(ZoneInfo(str(config["PHARMACY_TIMEZONE"]))).date()
