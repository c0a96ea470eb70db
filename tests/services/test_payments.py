"""Money at the counter: a fill is not handed over unpaid unless a pharmacist waives it;
refunds never give back more than was paid; a voided entry counts nowhere; the receipt
shows what was paid and how; the day's report adds up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pharmacy.domain.workflow import Status
from pharmacy.services import Conflict, Invalid
from pharmacy.services.counter.access import Forbidden
from pharmacy.services.counter.counseling import Offer
from tests.support import counter as desk
from tests.support.counter import CARD
from tests.support.orders import REASON


def test_a_fill_is_not_dispensed_unpaid(counter):
    rx = desk.verified(counter)
    before = counter.state(rx)
    with pytest.raises(Conflict) as refused:
        counter.call("dispense", "technician", rx, pay=False)
    assert refused.value.code == "unpaid"
    assert f"{desk.price(counter, rx)}" in str(refused.value)
    assert counter.state(rx) == before

    half = (desk.price(counter, rx) / 2).quantize(Decimal("0.01"))
    desk.take(counter, rx, half)
    with pytest.raises(Conflict) as still:
        counter.call("dispense", "technician", rx, pay=False)
    assert still.value.code == "unpaid"

    desk.take(counter, rx, desk.due(counter, rx), **CARD)
    counter.call("dispense", "technician", rx, pay=False)
    assert counter.status(rx) == Status.DISPENSED
    assert [event.action for event in counter.audit(rx)][-3:] == [
        "payment.taken",
        "payment.taken",
        "prescription.dispensed",
    ]


def test_only_a_pharmacist_waives_payment_and_then_the_fill_is_handed_over(counter):
    rx = desk.verified(counter)
    with pytest.raises(Forbidden, match="only a pharmacist may waive payment"):
        desk.waive(counter, rx, REASON, who="technician")
    with pytest.raises(Invalid):
        desk.waive(counter, rx, "ok")  # a reason is written out
    desk.waive(counter, rx, "Patient in financial hardship; approved by the owner")
    counter.call("dispense", "technician", rx, pay=False)
    assert counter.status(rx) == Status.DISPENSED
    assert "Payment waived by" in desk.receipt_text(counter, rx)
    assert "financial hardship" in desk.receipt_text(counter, rx)


def test_a_card_needs_its_last_four_digits_and_the_terminals_authorization(counter):
    rx = desk.verified(counter)
    with pytest.raises(Invalid) as refused:
        desk.take(counter, rx, "5.00", method="card", card_last4="42", reference="")
    assert {problem.field for problem in refused.value.problems} == {"card_last4", "reference"}
    with pytest.raises(Invalid) as unknown:
        desk.take(counter, rx, "-5", method="bitcoin")
    assert {problem.field for problem in unknown.value.problems} == {"method", "amount"}
    with pytest.raises(Conflict) as too_much:
        desk.take(counter, rx, desk.price(counter, rx) + 1)
    assert too_much.value.code == "more_than_due"
    assert desk.rows(counter, rx) == []


def test_a_refund_of_more_than_was_paid_is_refused(counter):
    rx = desk.verified(counter, paid=True)
    paid = desk.price(counter, rx)
    (payment_id,) = desk.payment_ids(counter, rx)
    with pytest.raises(Conflict) as refused:
        desk.refund(counter, payment_id, paid + Decimal("0.01"), REASON)
    assert refused.value.code == "more_than_paid"
    desk.refund(counter, payment_id, "5.00", "Price adjusted by the pharmacist")
    with pytest.raises(Conflict) as again:
        desk.refund(counter, payment_id, paid - Decimal("4.99"), REASON)
    assert again.value.code == "more_than_paid"
    with pytest.raises(Invalid):
        desk.refund(counter, payment_id, "1.00", "")  # a reason is required
    assert [row[:3] for row in desk.rows(counter, rx)] == [
        ("payment", "cash", paid),
        ("refund", "cash", Decimal("5.00")),
    ]


def test_a_voided_payment_counts_nowhere_and_the_fill_is_unpaid_again(counter):
    rx = desk.verified(counter)
    wrong = desk.take(counter, rx, desk.price(counter, rx), **CARD)
    desk.void(counter, wrong, "Keyed on the wrong order; the terminal charge was voided")
    assert desk.due(counter, rx) == desk.price(counter, rx)
    with pytest.raises(Conflict) as refused:
        counter.call("dispense", "technician", rx, pay=False)
    assert refused.value.code == "unpaid"
    with pytest.raises(Conflict) as twice:
        desk.void(counter, wrong, "Voided a second time by mistake")
    assert twice.value.code == "voided"
    assert wrong not in {line.id for line in desk.report(counter).lines if not line.voided}


def test_a_payment_the_fill_was_handed_over_on_is_refunded_not_voided(counter):
    rx = desk.verified(counter, paid=True)
    counter.call("dispense", "technician", rx, pay=False)
    with pytest.raises(Conflict) as refused:
        desk.void(counter, desk.payment_ids(counter, rx)[0], "Wrong amount keyed at the register")
    assert refused.value.code == "handed_over"


def test_an_admin_takes_no_money(counter):
    rx = desk.verified(counter)
    with pytest.raises(Forbidden):
        desk.take(counter, rx, "1.00", who="admin")


def test_the_receipt_shows_what_was_paid_how_refunds_and_the_hsa_line(counter):
    rx = desk.verified(counter)
    price = desk.price(counter, rx)
    assert "Payment: Not paid yet" in desk.receipt_text(counter, rx)
    card = desk.take(
        counter,
        rx,
        price - Decimal("10.00"),
        method="hsa_fsa",
        card_last4="1111",
        reference="AUTH77",
    )
    desk.take(counter, rx, "10.00")
    counter.call("dispense", "technician", rx, counseling=Offer("declined"))
    desk.refund(counter, card, "2.50", "Discount the pharmacist applied afterwards")
    text = desk.receipt_text(counter, rx)
    assert "Paid: HSA/FSA card ending 1111 (auth AUTH77)" in text
    assert f"${price - Decimal('10.00'):,.2f}" in text
    assert "Paid: Cash" in text and "$10.00" in text
    assert "Refunded to HSA/FSA card ending 1111 (auth AUTH77)" in text and "-$2.50" in text
    assert f"Net paid ${price - Decimal('2.50'):,.2f}" in text
    assert "Prescriber: Joe Example, NPI 1234567893" in text
    assert "Days supply: 30" in text
    assert f"Pharmacy NPI: {counter.app.config['PHARMACY_NPI']}" in text
    assert f"Prescription medicine: eligible medical expense; Rx {rx}, dispensed" in text
    assert "Paid at pickup" not in text


def test_the_days_report_adds_up_by_method(counter):
    before = desk.report(counter)
    first, second, third = (desk.verified(counter) for _ in range(3))
    cash = desk.take(counter, first, desk.price(counter, first))
    desk.take(counter, second, "12.34", **CARD)
    desk.take(counter, second, desk.due(counter, second), method="check", reference="1001")
    wrong = desk.take(counter, third, "3.00")
    desk.void(counter, wrong, "Keyed twice at the register, the drawer has it once")
    desk.refund(counter, cash, "4.00", "Overcharged for the bottle size")
    desk.waive(counter, third, "Replacement for a spilled bottle, pharmacist's call")

    after = desk.report(counter)
    change = {
        m.method: (m.taken - b.taken, m.refunded - b.refunded, m.net - b.net)
        for m, b in zip(after.methods, before.methods, strict=True)
    }
    first_price, second_price = desk.price(counter, first), desk.price(counter, second)
    assert change == {
        "cash": (first_price, Decimal("4.00"), first_price - Decimal("4.00")),
        "card": (Decimal("12.34"), 0, Decimal("12.34")),
        "check": (second_price - Decimal("12.34"), 0, second_price - Decimal("12.34")),
        "hsa_fsa": (0, 0, 0),
    }
    assert after.taken == sum(m.taken for m in after.methods)
    assert after.refunded == sum(m.refunded for m in after.methods)
    assert after.net == after.taken - after.refunded
    assert after.net - before.net == first_price + second_price - Decimal("4.00")
    live = [line for line in after.lines if not line.voided and line.kind != "waiver"]
    assert (
        sum((-line.amount if line.kind == "refund" else line.amount for line in live), Decimal(0))
        == after.net
    )
