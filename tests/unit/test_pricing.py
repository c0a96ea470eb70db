"""Cash prices of domain.md §5: every line shown, the lines add up to the total."""

from decimal import Decimal as D

import pytest

from pharmacy.domain.pricing import price_worksheet
from pharmacy.services.reference.defaults import PRICES
from tests.support.compounding import (
    EXAMPLE_A,
    EXAMPLE_B,
    EXAMPLE_C,
    EXAMPLE_D,
    make_order,
    worksheet,
)


def amounts(price):
    return [(line.label.split(":")[0].split(",")[0], line.amount) for line in price.lines]


@pytest.mark.parametrize(
    ("order", "lines", "total"),
    [
        (
            EXAMPLE_A,  # API: the 120 mg weighed for the triturate, not the 48.33 mg used
            [
                ("Active ingredient", D("7.20")),  # 120 mg × $0.03 × 2.0
                ("Filler", D("0.39")),  # 3.935 g × $0.05 × 2.0 = 0.3935
                ("Capsule shells", D("1.92")),  # 32 × $0.03 × 2.0
                ("Container", D("1.00")),
                ("Compounding fee", D("12.00")),
                ("Dispensing fee", D("5.00")),
            ],
            D("27.51"),
        ),
        (
            EXAMPLE_B,
            [
                ("Active ingredient", D("8.70")),  # 145 mg × $0.03 × 2.0
                ("Filler", D("0.37")),  # 3.695 g × $0.05 × 2.0 = 0.3695
                ("Capsule shells", D("1.92")),
                ("Container", D("1.00")),
                ("Compounding fee", D("12.00")),
                ("Dispensing fee", D("5.00")),
            ],
            D("28.99"),
        ),
        (
            EXAMPLE_C,
            [
                ("Active ingredient", D("7.20")),
                ("Filler", D("0.75")),  # 7.489 g × $0.05 × 2.0 = 0.7489
                ("Capsule shells", D("3.78")),  # 63 × $0.03 × 2.0
                ("Container", D("1.00")),
                ("Compounding fee", D("12.00")),
                ("Dispensing fee", D("5.00")),
            ],
            D("29.73"),
        ),
        (
            EXAMPLE_D,
            [
                ("Active ingredient", D("8.58")),  # 143 mg × $0.03 × 2.0
                ("Vehicle", D("11.36")),  # 142 mL × $0.04 × 2.0
                ("Container", D("1.60")),  # amber bottle $0.80 × 2.0
                ("Device", D("0.60")),  # oral syringe $0.30 × 2.0
                ("Compounding fee", D("10.00")),
                ("Dispensing fee", D("5.00")),
            ],
            D("37.14"),
        ),
    ],
)
def test_worked_examples_are_priced_line_by_line(order, lines, total):
    price = price_worksheet(worksheet(order), PRICES, 1)
    assert amounts(price) == lines
    assert price.total == total
    assert price.price_list_version == 1


THIRTY_DAY_ORDERS = (
    [
        make_order("capsule", strength, (strength, 30))
        for strength in ("0.5", "1", "1.5", "1.75", "2", "3", "4", "4.5")
    ]
    + [make_order("oral_liquid", "1", (dose, 30)) for dose in ("0.5", "1.5", "3", "4.5")]
    + [
        make_order("capsule", "1.5", ("1.5", 10), ("3", 10), ("4.5", 10)),
        make_order("capsule", "0.5", ("0.5", 7), ("1", 7), ("1.5", 7), ("2", 9)),
    ]
)


@pytest.mark.parametrize("order", THIRTY_DAY_ORDERS)
def test_a_30_day_supply_on_the_default_list_costs_16_to_45_dollars(order):
    price = price_worksheet(worksheet(order), PRICES, 1)
    assert D("16") <= price.total <= D("45")


@pytest.mark.parametrize("order", [*THIRTY_DAY_ORDERS, make_order("capsule", "4.5", ("4.5", 90))])
def test_every_line_is_in_cents_and_the_lines_add_up_to_the_total(order):
    price = price_worksheet(worksheet(order), PRICES, 1)
    assert all(line.amount == line.amount.quantize(D("0.01")) for line in price.lines)
    assert sum(line.amount for line in price.lines) == price.total


def test_the_receipt_names_ingredients_in_words():
    names = {"naltrexone_hcl": "Naltrexone hydrochloride USP"}
    price = price_worksheet(worksheet(EXAMPLE_A), PRICES, 1, names)
    assert price.lines[0].label == "Active ingredient: Naltrexone hydrochloride USP, 120 mg"


def test_ingredients_are_charged_on_what_the_batch_consumes():
    price = price_worksheet(worksheet(EXAMPLE_A), PRICES, 1)
    assert price.lines[0].label == "Active ingredient: naltrexone_hcl, 120 mg"
    assert price.lines[0].basis == "120 mg × $0.03/mg × 2.0 markup = $7.20 (to the cent)"
    # A cost in fractions of a cent is never shown: the line's amount is, to the cent.
    assert price.lines[1].basis == "3.935 g × $0.05/g × 2.0 markup = $0.39 (to the cent)"


@pytest.mark.parametrize(("minimum", "adjustment"), [("40.00", D("12.49")), ("27.51", None)])
def test_the_minimum_price_is_made_up_by_an_adjustment_line(minimum, adjustment):
    price = price_worksheet(worksheet(EXAMPLE_A), {**PRICES, "minimum_price": minimum}, 3)
    last = price.lines[-1]
    if adjustment is None:
        assert last.label == "Dispensing fee"
        assert price.total == D("27.51")
    else:
        assert (last.label, last.amount) == ("Minimum price adjustment", adjustment)
        assert price.total == D(minimum)
    assert price.price_list_version == 3


def test_each_line_is_rounded_half_up_to_the_cent():
    # 3.935 g × $0.05 × 2.5 = 0.491875 → 0.49; 120 mg × $0.03 × 2.5 = 9.00
    price = price_worksheet(worksheet(EXAMPLE_A), {**PRICES, "markup": "2.5"}, 2)
    assert [line.amount for line in price.lines[:4]] == [D("9.00"), D("0.49"), D("2.40"), D("1.25")]
    # 32 × 0.025 × 2 = 1.60; 0.005 lands exactly on the half cent and goes up
    price = price_worksheet(worksheet(EXAMPLE_A), {**PRICES, "vial_cap_each": "0.5025"}, 2)
    assert price.lines[3].amount == D("1.01")


def test_a_price_for_the_exact_ingredient_code_wins_over_its_family():
    prices = {**PRICES, "mcc_ph102_per_g": "0.10"}
    price = price_worksheet(worksheet(EXAMPLE_A), prices, 2)
    assert price.lines[1].amount == D("0.79")  # 3.935 g × $0.10 × 2.0


def test_a_single_compounding_fee_applies_to_every_dosage_form():
    price = price_worksheet(worksheet(EXAMPLE_D), {**PRICES, "compounding_fee": "11.00"}, 2)
    assert ("Compounding fee", D("11.00")) in amounts(price)


def test_an_ingredient_without_a_price_is_an_error_naming_it():
    prices = {key: value for key, value in PRICES.items() if key != "amber_bottle_each"}
    with pytest.raises(ValueError, match="amber_bottle"):
        price_worksheet(worksheet(EXAMPLE_D), prices, 1)
