"""What the technician puts on the balance (domain §10): every weighing on the worksheet
is at least the minimum weighable quantity, a reading of the balance (its readability
is a setting) and printed with its ±5 % window; lots are mixed only when they must be,
and then each lot's weighing is at least the MWQ too.

Lots and orders are those of `tests/support/compounding.py` (MWQ 120 mg).
"""

from dataclasses import replace
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR
from decimal import Decimal as D

import pytest

from pharmacy.domain.compounding import Balance, Role, api_factor
from tests.support.compounding import (
    DIHYDRATE_LOT,
    EXAMPLE_A,
    EXAMPLE_B,
    EXAMPLE_D,
    HCL_LOT,
    SETTINGS_DEFAULT,
    SHELF,
    make_order,
    worksheet,
)

# A dihydrate lot assayed on the anhydrous basis, with its water content (KF).
DIHYDRATE_WET = replace(
    DIHYDRATE_LOT, water_percent=D("8.9"), assay_basis="anhydrous", coa_number="COA-7731"
)
# Two lots that must be mixed for 63 capsules of 4.5 mg (283.50 mg naltrexone HCl).
EARLY = replace(HCL_LOT, lot_id=11, lot_number="NTX-A", expires_on=date(2027, 8, 31))
EARLY = replace(EARLY, quantity_on_hand=D("200"))
LATE = replace(DIHYDRATE_LOT, lot_id=12, expires_on=date(2027, 9, 30), quantity_on_hand=D("200"))

CASES = {
    "0.5 mg capsules": (make_order("capsule", "0.5", ("0.5", 30)), (HCL_LOT, *SHELF)),
    "1.5 mg capsules": (EXAMPLE_A, (HCL_LOT, *SHELF)),
    "4.5 mg capsules": (EXAMPLE_B, (HCL_LOT, *SHELF)),
    "mixed lots": (make_order("capsule", "4.5", ("4.5", 60)), (EARLY, LATE, *SHELF)),
    "dihydrate with water": (EXAMPLE_B, (DIHYDRATE_WET, *SHELF)),
    "dihydrate triturate": (make_order("capsule", "0.5", ("0.5", 30)), (DIHYDRATE_WET, *SHELF)),
    "oral liquid": (EXAMPLE_D, (HCL_LOT, *SHELF)),
}


def at(readability: str):
    return replace(SETTINGS_DEFAULT, balance_readability_mg=D(readability))


def table(sheet):
    return [(w.what, w.lot_numbers, w.target_mg, w.low_mg, w.high_mg) for w in sheet.weighings]


@pytest.mark.parametrize("readability", ["0.1", "1"])
@pytest.mark.parametrize("case", list(CASES))
def test_every_weighing_is_at_least_the_mwq_at_the_readability_with_its_window(case, readability):
    order, lots = CASES[case]
    sheet = worksheet(order, lots=lots, settings=at(readability))
    step = D(readability)
    assert sheet.findings == ()
    assert sheet.weighings
    assert sheet.balance.readability_mg == step
    for weighing in sheet.weighings:
        assert weighing.target_mg >= D(120), weighing
        assert weighing.target_mg.as_tuple().exponent == step.as_tuple().exponent, weighing
        assert weighing.target_mg % step == 0
        low = max((weighing.target_mg * D("0.95")).quantize(step, ROUND_CEILING), D(120))
        high = (weighing.target_mg * D("1.05")).quantize(step, ROUND_FLOOR)
        assert (weighing.low_mg, weighing.high_mg) == (low, high), weighing
    # what is weighed from each lot is what the worksheet's lot lines take
    for share in sheet.api.shares:
        assert share.weigh_mg >= D(120)
        assert share.weigh_mg.as_tuple().exponent == step.as_tuple().exponent


@pytest.mark.parametrize(
    ("case", "readability", "expected"),
    [
        (
            "1.5 mg capsules",
            "1",
            [
                ("Naltrexone HCl for the triturate", ("NTX-2401",), D(120), D(120), D(126)),
                ("Filler to make the triturate (1 in 3)", ("MCC-2402",), D(240), D(228), D(252)),
                ("Triturate portion for the batch", ("NTX-2401",), D(145), D(138), D(152)),
                ("Filler to add to the portion", ("MCC-2402",), D(3695), D(3511), D(3879)),
            ],
        ),
        (
            "1.5 mg capsules",
            "0.1",
            [
                (
                    "Naltrexone HCl for the triturate",
                    ("NTX-2401",),
                    D("120.0"),
                    D("120.0"),
                    D("126.0"),
                ),
                (
                    "Filler to make the triturate (1 in 3)",
                    ("MCC-2402",),
                    D("240.0"),
                    D("228.0"),
                    D("252.0"),
                ),
                (
                    "Triturate portion for the batch",
                    ("NTX-2401",),
                    D("145.2"),
                    D("138.0"),
                    D("152.4"),
                ),
                (
                    "Filler to add to the portion",
                    ("MCC-2402",),
                    D("3694.8"),
                    D("3510.1"),
                    D("3879.5"),
                ),
            ],
        ),
        (
            "4.5 mg capsules",
            "1",
            [
                ("Naltrexone HCl", ("NTX-2401",), D(145), D(138), D(152)),
                ("Filler for the batch", ("MCC-2402",), D(3695), D(3511), D(3879)),
            ],
        ),
        (
            "mixed lots",
            "1",
            [
                ("Naltrexone HCl", ("NTX-A",), D(176), D(168), D(184)),
                ("Naltrexone HCl", ("NTX-DH-2407",), D(120), D(120), D(126)),
                ("Filler for the batch", ("MCC-2402",), D(7264), D(6901), D(7627)),
            ],
        ),
        (
            "dihydrate with water",
            "0.1",
            [
                ("Naltrexone HCl", ("NTX-DH-2407",), D("158.9"), D("151.0"), D("166.8")),
                ("Filler for the batch", ("MCC-2402",), D("3681.1"), D("3497.1"), D("3865.1")),
            ],
        ),
    ],
)
def test_the_weighings_a_technician_reads(case, readability, expected):
    order, lots = CASES[case]
    assert table(worksheet(order, lots=lots, settings=at(readability))) == expected


def test_a_lot_too_small_for_the_mwq_is_left_when_another_lot_holds_it_all():
    # before: 30 mg weighed from NTX-OLD and the rest from the dihydrate lot
    old = replace(HCL_LOT, lot_id=10, lot_number="NTX-OLD", expires_on=date(2027, 8, 31))
    old = replace(old, quantity_on_hand=D("30.00"))
    sheet = worksheet(EXAMPLE_B, lots=(DIHYDRATE_LOT, old, *SHELF))
    assert [(s.lot_number, s.weigh_mg) for s in sheet.api.shares] == [("NTX-DH-2407", D(159))]
    assert [
        p.lot_number for p in next(c for c in sheet.components if c.role is Role.API).picks
    ] == ["NTX-DH-2407"]
    assert sheet.findings == ()


def test_mixed_lots_make_the_last_lot_up_to_the_mwq_from_the_one_before():
    sheet = worksheet(*CASES["mixed lots"][:1], lots=CASES["mixed lots"][1])
    early, late = sheet.api.shares
    assert (early.lot_number, early.weigh_mg) == ("NTX-A", D(176))
    assert (late.lot_number, late.weigh_mg) == ("NTX-DH-2407", D(120))
    # together they carry the batch's naltrexone HCl, within a reading of the balance
    assert abs(early.naltrexone_hcl_mg + late.naltrexone_hcl_mg - D("283.50")) < D(1)


def test_a_triturate_never_mixes_two_lots_below_the_mwq():
    # before: 60 mg from each of two lots made up the MWQ
    small = [
        replace(HCL_LOT, lot_id=20 + i, lot_number=f"NTX-S{i}", quantity_on_hand=D(60))
        for i in (1, 2)
    ]
    sheet = worksheet(EXAMPLE_A, lots=(*small, *SHELF))
    assert sheet.on_hold
    assert [f.code for f in sheet.findings] == ["short_stock"]
    assert "120 mg needed from one lot to weigh the MWQ" in sheet.findings[0].detail


def test_a_direct_weighing_that_lots_can_only_give_below_the_mwq_is_held():
    lots = [
        replace(HCL_LOT, lot_id=30 + i, lot_number=f"NTX-H{i}", quantity_on_hand=D(130))
        for i in (1, 2)
    ]
    sheet = worksheet(EXAMPLE_B, lots=(*lots, *SHELF))
    assert [f.code for f in sheet.findings] == ["lots_too_small"]
    assert "less than the minimum weighable quantity (120 mg)" in sheet.findings[0].detail


def test_the_triturate_lot_is_the_first_expiring_one_that_holds_the_mwq():
    small = replace(HCL_LOT, lot_id=40, lot_number="NTX-SMALL", quantity_on_hand=D(100))
    small = replace(small, expires_on=date(2027, 6, 30))
    sheet = worksheet(EXAMPLE_A, lots=(small, HCL_LOT, *SHELF))
    assert [(s.lot_number, s.weigh_mg) for s in sheet.api.shares] == [("NTX-2401", D(120))]
    assert sheet.findings == ()


@pytest.mark.parametrize(
    ("changes", "factor"),
    [
        ({}, "1.100855"),  # as is: the assay already counts the water
        ({"water_percent": D("8.9")}, "1.100855"),
        ({"water_percent": D("8.9"), "assay_basis": "anhydrous"}, "1.103211"),
        ({"water_percent": D("8.9"), "assay_basis": "dried"}, "1.103211"),
        (
            {
                "water_percent": D("0.5"),
                "assay_basis": "anhydrous",
                "form": "hydrochloride",
                "molecular_weight": D("377.87"),
            },
            "1.010076",
        ),
    ],
)
def test_the_factor_corrects_for_salt_water_and_assay_on_its_basis(changes, factor):
    assert api_factor(replace(DIHYDRATE_LOT, **changes), D("377.87")) == D(factor)


def test_a_dihydrate_lot_with_water_weighs_heavier_and_the_worksheet_names_its_coa():
    sheet = worksheet(EXAMPLE_B, lots=(DIHYDRATE_WET, *SHELF))
    (share,) = sheet.api.shares
    assert (share.factor, share.weigh_mg) == (D("1.103211"), D(159))  # 144.00 × 1.103211
    assert (share.water_percent, share.assay_basis, share.coa_number) == (
        D("8.9"),
        "anhydrous",
        "COA-7731",
    )


def test_an_anhydrous_basis_lot_without_its_water_content_is_not_used():
    dry = replace(DIHYDRATE_LOT, assay_basis="anhydrous")
    sheet = worksheet(EXAMPLE_B, lots=(dry, HCL_LOT, *SHELF))
    assert [s.lot_number for s in sheet.api.shares] == ["NTX-2401"]
    assert [(s.lot_number, s.reason) for s in sheet.skipped_lots] == [
        ("NTX-DH-2407", "no water content on record for an assay on the anhydrous basis")
    ]


@pytest.mark.parametrize("readability", ["0.5", "2", "0.0001"])
def test_a_balance_reads_to_a_power_of_ten_mg(readability):
    with pytest.raises(ValueError, match="readability"):
        Balance.of(D(readability), D(120), D(5))


def test_the_mwq_is_rounded_up_to_what_the_balance_reads():
    assert Balance.of(D(1), D("99.5"), D(5)).minimum_mg == D(100)


def test_a_batch_too_small_to_weigh_is_held_not_printed_below_the_mwq():
    # 2 capsules of 4.5 mg: 240 mg of fill, of which the triturate portion is 127 mg,
    # leaving 113 mg of filler to weigh, below the MWQ
    sheet = worksheet(make_order("capsule", "4.5", ("4.5", 1)))
    assert sheet.batch_quantity == 2
    assert [f.code for f in sheet.findings] == ["below_mwq"]
    assert sheet.findings[0].detail.startswith(
        "Filler to add to the portion: 113 mg is below the minimum weighable quantity (120 mg)"
    )
    assert sheet.on_hold
