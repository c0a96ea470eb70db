"""Receipts read back from the PDF: every price line, a total that adds up, the payment."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from label_templates import TemplateError, load_stock
from pharmacy.domain.labeling import ReceiptLine
from pharmacy.labels import render_receipt
from tests.support.labels import receipt
from tests.support.pdf import Box, Page, page_texts, pages

RECEIPT_STOCKS = ["receipt-letter", "receipt-80mm"]
MONEY = re.compile(r"-?\$[\d,]+\.\d\d")


def amounts(text: str) -> list[Decimal]:
    return [Decimal(found.replace("$", "").replace(",", "")) for found in MONEY.findall(text)]


def many_lines(count: int):
    lines = tuple(
        ReceiptLine(f"Line {number}: compounding supply, lot L{number:04d}", Decimal("1.25"))
        for number in range(1, count + 1)
    )
    return receipt(lines=lines, total=Decimal("1.25") * count, amount_paid=None, payment="cash")


def assert_inside_without_overlap(page: Page, margin: float) -> None:
    inside = Box(margin, margin, page.width - margin, page.height - margin)
    for glyph in page.glyphs:
        assert inside.contains(glyph.box), f"{glyph.text!r} at {glyph.box} is in the margin"
    for index, glyph in enumerate(page.glyphs):
        for other in page.glyphs[index + 1 :]:
            assert not glyph.box.overlaps(other.box), f"{glyph.text!r} overlaps {other.text!r}"


@pytest.mark.parametrize("stock", RECEIPT_STOCKS)
def test_the_receipt_shows_pharmacy_patient_rx_date_every_line_total_and_payment(stock):
    facts = receipt()
    (text,) = page_texts(render_receipt(facts, stock))
    for words in (
        "Demo Compounding Pharmacy",
        "100 High St, Columbus, OH 43215",
        "614-555-0123",
        "Patient: Ada Lovelace",
        "Rx 1000123",
        "Date: Nov 21, 2026",
        "Naltrexone HCl 1.5 mg capsule, 30 capsules",
        "Total $27.83",
        "Paid: card ending 4242 $27.83",
    ):
        assert words in text
    for line in facts.lines:
        assert f"{line.label} ${line.amount}" in text


@pytest.mark.parametrize("stock", RECEIPT_STOCKS)
def test_the_printed_lines_add_up_to_the_printed_total(stock):
    (text,) = page_texts(render_receipt(receipt(), stock))
    *lines, total, paid = amounts(text)
    assert len(lines) == len(receipt().lines)
    assert sum(lines) == total == paid == Decimal("27.83")


@pytest.mark.parametrize("stock", RECEIPT_STOCKS)
def test_the_receipt_stays_inside_its_margins_and_amounts_line_up(stock):
    (page,) = pages(render_receipt(receipt(), stock))
    assert_inside_without_overlap(page, load_stock(stock).margin)
    ending = [row for line, row in page.lines() if re.search(r"\$[\d,]+\.\d\d$", line)]
    assert len(ending) == len(receipt().lines) + 2  # the lines, the total, the payment
    rights = {round(row[-1].box.x1, 2) for row in ending}
    assert rights == {round(page.width - load_stock(stock).margin, 2)}


def test_the_80_mm_roll_is_as_long_as_its_receipt():
    (short,) = pages(render_receipt(receipt(), "receipt-80mm"))
    (long,) = pages(render_receipt(many_lines(40), "receipt-80mm"))
    assert short.width == long.width == pytest.approx(80 * 72 / 25.4)
    assert long.height > short.height + 40 * 10
    assert_inside_without_overlap(long, load_stock("receipt-80mm").margin)


def test_a_long_receipt_continues_on_a_second_letter_page_with_nothing_lost():
    facts = many_lines(80)
    pdf = render_receipt(facts, "receipt-letter")
    texts = page_texts(pdf)
    assert len(texts) == 2
    for page in pages(pdf):
        assert_inside_without_overlap(page, load_stock("receipt-letter").margin)
    text = " ".join(texts)
    assert all(f"{line.label} $1.25" in text for line in facts.lines)
    *lines, total = amounts(text)
    assert sum(lines) == total == Decimal("100.00")
    assert "Payment: cash" in text


def test_a_partial_payment_shows_the_balance_due():
    (text,) = page_texts(render_receipt(receipt(amount_paid=Decimal("20.00"), payment="cash")))
    assert "Paid: cash $20.00 Balance due $7.83" in text


def test_rendering_a_receipt_twice_gives_the_same_bytes():
    for stock in RECEIPT_STOCKS:
        assert render_receipt(receipt(), stock) == render_receipt(receipt(), stock)


def test_a_receipt_needs_a_receipt_stock():
    with pytest.raises(TemplateError, match="thermal-4x2 is for a label"):
        render_receipt(receipt(), "thermal-4x2")
