"""Splitting a fill from the order page: offered to a pharmacist only when the
preparation lasts fewer days than the fill, and the first part worked again."""

from __future__ import annotations

import html

from tests.support.refills import rows_of, text_of


def page_of(station, rx: int) -> str:
    response = station.get(f"/orders/{rx}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_a_pharmacist_splits_a_fill_its_preparation_does_not_last(desk, accounts, pharmacy):
    rx = pharmacy.outlasting()
    ready = pharmacy.ready()
    station = desk(accounts["pharmacist"])
    assert 'id="split"' not in page_of(station, ready)  # it lasts its 30 days
    assert 'id="split"' not in page_of(desk(accounts["technician"]), rx)
    page = page_of(station, rx)
    lasts = pharmacy.worksheet(rx)["beyond_use"]["days"]
    assert f"The preparation lasts {lasts} days, fewer than this fill's 90" in text_of(
        page, "split-note"
    )

    response = station.post(f"/orders/{rx}/split")

    assert response.status_code == 303
    pharmacy.work(rx)
    page = page_of(station, rx)
    assert text_of(page, "status") == "Ready"
    fills = rows_of(page, "fills")
    assert [row[2] for row in fills] == ["Split", "Ready"]
    assert f"days 1 to {lasts} of 90" in fills[1][1]
    assert "split at its beyond-use date" in fills[1][1]
