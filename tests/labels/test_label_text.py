"""What a label says (domain §2 and §7): explicit directions, the warning, every field."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from pharmacy.domain.labeling import (
    COMPOUNDED_STATEMENT,
    LABEL_FIELDS,
    OPIOID_WARNING,
    ReceiptFacts,
    ReceiptLine,
    directions_lines,
    drug_description,
    label_fields,
    receipt_rows,
)
from pharmacy.domain.prescription import DosageForm
from tests.support.labels import capsules, liquid, nth_fill, receipt, steps, titration

CAPSULE, LIQUID = DosageForm.CAPSULE, DosageForm.ORAL_LIQUID


def test_the_opioid_warning_is_word_for_word_domain_section_7():
    assert OPIOID_WARNING == (
        "DO NOT TAKE WITH OPIOID PAIN, COUGH OR DIARRHEA MEDICINES. They will not work and "
        "may cause sudden withdrawal. Tell every doctor and dentist you take naltrexone."
    )


@pytest.mark.parametrize(
    ("form", "strength", "pairs", "times", "expected"),
    [
        (CAPSULE, "1.5", [("1.5", 30)], 1, ["Take 1 capsule (1.5 mg) by mouth at bedtime"]),
        (CAPSULE, "1.5", [("3", 30)], 1, ["Take 2 capsules (3 mg) by mouth at bedtime"]),
        (CAPSULE, "0.5", [("0.5", 30)], 2, ["Take 1 capsule (0.5 mg) by mouth twice a day"]),
        (LIQUID, "1", [("4.5", 30)], 1, ["Take 4.5 mL (4.5 mg) by mouth at bedtime"]),
        (LIQUID, "1", [("1.75", 30)], 1, ["Take 1.75 mL (1.75 mg) by mouth at bedtime"]),
        (
            CAPSULE,
            "1.5",
            [("1.5", 14), ("3", 14), ("4.5", 2)],
            1,
            [
                "Days 1-14: 1 capsule (1.5 mg) by mouth at bedtime",
                "Days 15-28: 2 capsules (3 mg) by mouth at bedtime",
                "Days 29-30: 3 capsules (4.5 mg) by mouth at bedtime",
            ],
        ),
        (
            LIQUID,
            "1",
            [("0.5", 1), ("1", 29)],
            1,
            [
                "Day 1: 0.5 mL (0.5 mg) by mouth at bedtime",
                "Days 2-30: 1 mL (1 mg) by mouth at bedtime",
            ],
        ),
    ],
)
def test_directions_are_explicit_one_line_per_step(form, strength, pairs, times, expected):
    assert directions_lines(form, Decimal(strength), steps(*pairs), times) == expected


@pytest.mark.parametrize("times", [1, 2, 3, 4])
def test_directions_never_use_abbreviations(times):
    text = " ".join(directions_lines(CAPSULE, Decimal("0.5"), steps(("1", 10), ("1", 20)), times))
    for shorthand in ("daily", "q.d.", "qd", "qhs", "b.i.d.", "bid", "tid", "po"):
        assert shorthand not in text.lower().split()


def test_a_dose_that_is_not_whole_capsules_is_refused():
    with pytest.raises(ValueError, match=r"not a whole number of 1\.5 mg capsules"):
        directions_lines(CAPSULE, Decimal("1.5"), steps(("2", 30)))


def test_drug_description_names_strength_and_form():
    assert drug_description(CAPSULE, Decimal("1.50")) == "Naltrexone HCl 1.5 mg capsule"
    assert drug_description(LIQUID, Decimal("1")) == "Naltrexone HCl 1 mg/mL oral liquid"


def test_every_label_field_has_its_words():
    fields = label_fields(liquid())
    assert set(fields) == set(LABEL_FIELDS)
    assert fields["warning"] == (OPIOID_WARNING,)
    assert fields["compounded"] == (COMPOUNDED_STATEMENT,)
    assert fields["quantity"] == ("Qty: 135 mL",)
    assert fields["refills"] == ("2 refills left",)
    assert fields["filled"] == ("Filled: Nov 21, 2026",)
    assert fields["use_by"] == ("Use by: Dec 25, 2026",)
    assert fields["rx_number"] == ("Rx 1000125",)
    assert fields["auxiliary"] == (
        "Shake well before each dose.",
        "Measure each dose with the oral syringe provided.",
    )


def test_quantity_and_refills_read_naturally():
    assert label_fields(titration())["refills"] == ("No refills",)
    one = label_fields(capsules(quantity=Decimal(1), refills_left=1))
    assert one["quantity"] == ("Qty: 1 capsule",)
    assert one["refills"] == ("1 refill left",)


@pytest.mark.parametrize(
    ("refill", "refills", "printed"),
    [
        (0, 0, "Original fill · No refills left"),
        (0, 2, "Original fill · 2 refills left"),
        (1, 2, "Refill 1 of 2 · 1 refill left"),
        (2, 2, "Refill 2 of 2 · No refills left"),
        (1, 11, "Refill 1 of 11 · 10 refills left"),
        (11, 11, "Refill 11 of 11 · No refills left"),
    ],
)
def test_a_fill_says_which_refill_it_is_and_what_is_left_after_it(refill, refills, printed):
    assert label_fields(nth_fill(capsules(), refill, refills))["refills"] == (printed,)


def test_the_refills_left_printed_are_the_ones_given():
    """Refills go down at dispensing: the label prints the count it is handed."""
    facts = capsules(refill=1, refills=2, refills_left=2)
    assert label_fields(facts)["refills"] == ("Refill 1 of 2 · 2 refills left",)


def test_without_the_prescriptions_refills_the_label_is_as_before():
    assert label_fields(capsules(refill=1))["refills"] == ("2 refills left",)
    assert label_fields(capsules(refills_left=0))["refills"] == ("No refills",)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"refill": 3, "refills": 2}, "refill 3 is not a fill of a prescription with 2 refills"),
        ({"refill": -1, "refills": 2}, "refill -1 is not a fill"),
        ({"rx_number": "RX-№1"}, "plain ASCII"),
        ({"patient_name": "  "}, "patient's name"),
        ({"storage": ""}, "storage instructions"),
        ({"pharmacist_initials": ""}, "pharmacist's initials"),
        ({"use_by": date(2026, 11, 1)}, "before the fill date"),
    ],
)
def test_label_facts_that_cannot_make_a_label_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        capsules(**changes)


def test_a_receipt_that_does_not_add_up_is_refused():
    with pytest.raises(ValueError, match=r"add up to \$27.83, not the total \$27.84"):
        receipt(total=Decimal("27.84"))


def test_receipt_rows_show_each_amount_total_and_payment():
    rows = receipt_rows(receipt(amount_paid=Decimal("20.00"), payment="cash"))
    assert rows["price_lines"][4] == ("Compounding fee", "$12.00")
    assert rows["total"] == (("Total", "$27.83"),)
    assert rows["payment"] == (("Paid: cash", "$20.00"), ("Balance due", "$7.83"))


def test_receipt_lines_come_from_priced_lines():
    class Priced:
        def __init__(self, label: str, amount: str) -> None:
            self.label, self.amount, self.basis = label, Decimal(amount), "how"

    lines = ReceiptFacts.lines_from([Priced("Dispensing fee", "5.00")])
    assert lines == (ReceiptLine("Dispensing fee", Decimal("5.00")),)
    assert replace(receipt(), lines=lines, total=Decimal("5.00")).total == Decimal("5.00")
