"""The day's payments page: pharmacists and admins see the counter's money by method,
refunds taken off, adding up to the day's net; a technician is not shown it."""

from __future__ import annotations

import re
from decimal import Decimal

from tests.support import counter as till


def amounts(page: str, row: str) -> dict[str, Decimal]:
    """The taken, refunded and net cells of a row of the by-method table."""
    found = re.search(rf"<tr[^>]*{row}[^>]*>(.*?)</tr>", page, re.S).group(1)
    return {
        name: Decimal(
            re.search(rf'class="num {name}">\$([\d,.]+)<', found).group(1).replace(",", "")
        )
        for name in ("taken", "refunded", "net")
    }


def test_the_days_payments_add_up_by_method_on_the_page(desk, accounts, pharmacy):
    rx = pharmacy.dispensed(pharmacy.ready())  # paid in cash
    (paid,) = till.payment_ids(pharmacy, rx)
    till.refund(pharmacy, paid, "2.00", "Charged for a larger bottle than dispensed")
    report = till.report(pharmacy)

    page = desk(accounts["pharmacist"]).get("/payments").get_data(as_text=True)
    cash = amounts(page, 'data-method="cash"')
    total = amounts(page, 'id="day-total"')
    assert cash == {
        "taken": report.methods[0].taken,
        "refunded": report.methods[0].refunded,
        "net": report.methods[0].net,
    }
    assert total["net"] == total["taken"] - total["refunded"] == report.net
    assert f"/orders/{rx}" in page
    assert "Charged for a larger bottle than dispensed" in page

    assert desk(accounts["admin"]).get("/payments").status_code == 200
    assert desk(accounts["technician"]).get("/payments").status_code == 403
