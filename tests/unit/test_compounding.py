"""Quantities, lots and the compounding worksheet of domain.md §3, table by table.

The worked examples (a)-(d) are the ones in docs/worked-examples.md: compounded on
2026-11-21 with the default formulas and settings (MWQ 120 mg) and the lots of
`tests/support/compounding.py`.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from pharmacy.domain.compounding import (
    AliquotKind,
    Formula,
    Role,
    api_factor,
    batch_quantity,
    bottle_for,
    compute_worksheet,
    quantity_dispensed,
)
from pharmacy.services.reference.defaults import FORMULAS
from tests.support.compounding import (
    CAPSULES,
    COMPOUNDED_ON,
    DIHYDRATE_LOT,
    EXAMPLE_A,
    EXAMPLE_B,
    EXAMPLE_C,
    EXAMPLE_D,
    HCL_LOT,
    LIQUID,
    LOTS,
    SETTINGS_DEFAULT,
    SHELF,
    make_order,
    worksheet,
)


def line(sheet, role):
    return next(component for component in sheet.components if component.role is role)


def codes(sheet):
    return [finding.code for finding in sheet.findings]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (make_order("capsule", "1.5", ("1.5", 30)), D("30")),
        (make_order("capsule", "4.5", ("4.5", 90)), D("90")),
        (make_order("capsule", "1.5", ("1.5", 10), ("3", 10), ("4.5", 10)), D("60")),
        (make_order("capsule", "0.5", ("0.5", 7), ("1", 7), ("1.5", 7), ("2", 7)), D("70")),
        (make_order("capsule", "1", ("2", 30), times_per_day=2), D("120")),
        (make_order("oral_liquid", "1", ("4.5", 30)), D("135.0")),
        (make_order("oral_liquid", "1", ("1.5", 14), ("3", 14), ("4.5", 2)), D("72.0")),
        (make_order("oral_liquid", "1.75", ("1.5", 30)), D("25.8")),  # 25.714 rounds up
        (make_order("oral_liquid", "4.5", ("0.5", 1)), D("0.2")),  # 0.111 rounds up
    ],
)
def test_quantity_dispensed_is_the_sum_of_doses_over_strength_in_whole_capsules_or_tenth_ml(
    order, expected
):
    assert quantity_dispensed(order) == expected
    assert quantity_dispensed(order).as_tuple().exponent == expected.as_tuple().exponent


def test_a_dose_that_is_not_whole_capsules_is_refused_not_rounded():
    with pytest.raises(ValueError, match="not a whole number"):
        quantity_dispensed(make_order("capsule", "1.5", ("1", 30)))


@pytest.mark.parametrize(
    ("quantity", "overage", "batch"),
    [
        ("30", "5", "32"),  # 31.5 rounds up
        ("60", "5", "63"),
        ("20", "5", "21"),
        ("90", "5", "95"),  # 94.5
        ("135.0", "5", "142"),  # 141.75
        ("0.2", "5", "1"),
        ("30", "0", "30"),
    ],
)
def test_the_batch_adds_the_overage_and_rounds_up_to_a_whole_unit(quantity, overage, batch):
    assert batch_quantity(D(quantity), D(overage)) == D(batch)


@pytest.mark.parametrize(
    ("volume", "bottle"),
    [("0.2", 30), ("30.0", 30), ("30.1", 60), ("135.0", 180), ("240.0", 240), ("240.1", None)],
)
def test_the_bottle_is_the_smallest_stocked_size_that_holds_the_volume(volume, bottle):
    assert bottle_for(D(volume), SETTINGS_DEFAULT.bottle_sizes_ml) == bottle


@pytest.mark.parametrize(
    ("molecular_weight", "assay", "factor"),
    [
        ("377.87", "100", "1.000000"),
        ("377.87", "99.2", "1.008065"),
        ("413.90", "100", "1.095350"),
        ("413.90", "99.5", "1.100855"),
    ],
)
def test_the_api_factor_corrects_for_salt_form_and_assay(molecular_weight, assay, factor):
    lot = replace(HCL_LOT, molecular_weight=D(molecular_weight), assay_percent=D(assay))
    assert api_factor(lot, D("377.87")) == D(factor)


def test_formulas_and_settings_are_read_from_the_stored_json():
    assert CAPSULES.fill_weight_mg == D("120")
    assert CAPSULES.filler_code == "mcc_ph102"
    assert CAPSULES.capsule_code == "capsule_3_clear"
    assert CAPSULES.api_reference_mw == D("377.87")
    assert LIQUID.vehicle_code == "oral_vehicle_preserved"
    assert LIQUID.auxiliary == ("Shake well before each dose.",)
    assert SETTINGS_DEFAULT.minimum_weighable_quantity_mg == D("120")
    assert SETTINGS_DEFAULT.bottle_sizes_ml == (30, 60, 120, 180, 240)
    assert SETTINGS_DEFAULT.beyond_use_days["aqueous_preserved"] == 35


def test_a_capsule_formula_without_filler_is_refused():
    formula = {k: v for k, v in FORMULAS[0]["formula"].items() if k != "filler"}
    with pytest.raises(ValueError, match="filler"):
        Formula.from_record(1, 2, "broken", "capsule", formula)


def test_worked_example_a_1_5_mg_capsules_need_a_triturate():
    sheet = worksheet(EXAMPLE_A)
    assert (sheet.quantity, sheet.unit, sheet.batch_quantity) == (D("30"), "capsule", D("32"))
    assert sheet.api.needed_mg == D("48.00")
    assert sheet.api.in_batch_mg == D("48.33")  # the 145 mg portion of a 1 in 3 triturate
    assert sheet.api.weighed_mg == D("120")
    aliquot = sheet.aliquot
    assert aliquot.kind is AliquotKind.TRITURATE
    assert (aliquot.ratio_text, aliquot.api_weighed_mg) == ("1 in 3", D("120"))
    assert (aliquot.diluent_amount, aliquot.stock_amount) == (D("240"), D("360"))
    assert (aliquot.portion_amount, aliquot.portion_api_mg) == (D("145"), D("48.33"))
    assert aliquot.diluent_in_portion == D("96.67")
    assert (sheet.api_per_capsule_mg, sheet.filler_per_capsule_mg) == (D("1.51"), D("118.49"))
    filler = line(sheet, Role.FILLER)
    assert (filler.amount_needed, filler.amount_used) == (D("3791.67"), D("3935"))
    assert line(sheet, Role.CAPSULE).amount_used == D("32")
    assert line(sheet, Role.CONTAINER).ingredient_code == "vial_cap"
    assert sheet.beyond_use.date == date(2027, 5, 19)
    assert sheet.findings == ()


def test_the_triturate_portion_and_the_batch_filler_fill_every_capsule_to_the_fill_weight():
    sheet = worksheet(EXAMPLE_A)
    filler_added = line(sheet, Role.FILLER).amount_used - sheet.aliquot.diluent_amount
    assert sheet.aliquot.portion_amount + filler_added == D("120") * sheet.batch_quantity


def test_worked_example_b_4_5_mg_capsules_are_weighed_directly():
    sheet = worksheet(EXAMPLE_B)
    assert sheet.batch_quantity == D("32")
    assert (sheet.api.needed_mg, sheet.api.weighed_mg) == (D("144.00"), D("145"))
    assert sheet.aliquot is None
    assert (sheet.api_per_capsule_mg, sheet.filler_per_capsule_mg) == (D("4.53"), D("115.47"))
    filler = line(sheet, Role.FILLER)
    assert filler.amount_needed == filler.amount_used == D("3695")
    assert sheet.findings == ()


def test_worked_example_c_titration_makes_one_batch_of_the_step_capsules():
    sheet = worksheet(EXAMPLE_C)
    assert (sheet.quantity, sheet.batch_quantity) == (D("60"), D("63"))
    assert (sheet.api.needed_mg, sheet.api.in_batch_mg) == (D("94.50"), D("95.50"))
    assert (sheet.aliquot.ratio, sheet.aliquot.stock_amount) == (2, D("240"))
    assert sheet.aliquot.portion_amount == D("191")
    filler = line(sheet, Role.FILLER)
    assert (filler.amount_needed, filler.amount_used) == (D("7464.50"), D("7489"))
    assert sheet.beyond_use.date == date(2027, 5, 19)


def test_worked_example_d_oral_liquid_in_the_smallest_bottle_that_holds_it():
    sheet = worksheet(EXAMPLE_D)
    assert (sheet.quantity, sheet.unit, sheet.batch_quantity) == (D("135.0"), "mL", D("142"))
    assert (sheet.api.needed_mg, sheet.api.weighed_mg) == (D("142.00"), D("143"))
    assert sheet.aliquot is None
    vehicle = line(sheet, Role.VEHICLE)
    assert vehicle.amount_needed == vehicle.amount_used == D("142")
    assert (sheet.container_code, sheet.bottle_size_ml, sheet.containers) == (
        "amber_bottle",
        180,
        1,
    )
    assert sheet.beyond_use.date == date(2026, 12, 25)
    assert sheet.beyond_use.days == 35
    assert sheet.findings == ()


def test_a_liquid_below_the_mwq_is_made_from_a_stock_solution_measured_by_the_ml():
    sheet = worksheet(make_order("oral_liquid", "1", ("0.5", 30)))
    assert (sheet.quantity, sheet.batch_quantity) == (D("15.0"), D("16"))
    assert sheet.api.in_batch_mg == D("16.13")
    aliquot = sheet.aliquot
    assert aliquot.kind is AliquotKind.STOCK_SOLUTION
    assert (aliquot.ratio, aliquot.api_weighed_mg) == (8, D("129"))  # 128 mg HCl
    assert (aliquot.stock_amount, aliquot.portion_amount, aliquot.unit) == (D(8), D(1), "mL")
    assert aliquot.portion_naltrexone_hcl_mg == D("16.00")
    assert line(sheet, Role.VEHICLE).amount_used == D("23")  # 8 mL stock + 15 mL q.s.
    assert sheet.bottle_size_ml == 30


def test_the_stock_solution_ratio_grows_until_the_weighed_api_reaches_the_mwq():
    # the first lot (dihydrate) covers the batch alone, but not the stock solution, so
    # it comes from a lighter HCl lot: N = ceil(120 / 17.61) = 7 weighs too little
    small = replace(DIHYDRATE_LOT, quantity_on_hand=D("20"), expires_on=date(2027, 6, 30))
    pure = replace(HCL_LOT, assay_percent=D("100"))
    sheet = worksheet(make_order("oral_liquid", "1", ("0.5", 30)), lots=(pure, small, *SHELF))
    assert sheet.aliquot.ratio == 8
    assert [(share.lot_number, share.weigh_mg) for share in sheet.api.shares] == [
        ("NTX-2401", D("128")),
    ]
    assert sheet.aliquot.api_weighed_mg == D("128")


def test_a_dihydrate_lot_is_weighed_heavier_by_its_molecular_weight_and_assay():
    sheet = worksheet(EXAMPLE_B, lots=(DIHYDRATE_LOT, *SHELF))
    (share,) = sheet.api.shares
    assert (share.form, share.factor) == ("dihydrate", D("1.100855"))
    assert share.weigh_mg == D("159")  # 144.00 × 1.100855 = 158.52, read to 1 mg
    assert sheet.api.weighed_mg == D("159")


def test_the_api_is_split_across_lots_first_expiring_first():
    old = replace(HCL_LOT, lot_id=10, lot_number="NTX-OLD", expires_on=date(2027, 8, 31))
    old = replace(old, quantity_on_hand=D("130.00"))
    later = replace(DIHYDRATE_LOT, quantity_on_hand=D("200"))  # neither lot holds it all
    sheet = worksheet(make_order("capsule", "4.5", ("4.5", 60)), lots=(later, old, *SHELF))
    first, second = sheet.api.shares
    assert (first.lot_number, first.weigh_mg, first.naltrexone_hcl_mg) == (
        "NTX-OLD",
        D("130"),
        D("128.96"),
    )
    assert (second.lot_number, second.weigh_mg, second.naltrexone_hcl_mg) == (
        "NTX-DH-2407",
        D("170"),
        D("154.43"),
    )
    api = line(sheet, Role.API)
    assert [(pick.lot_number, pick.amount) for pick in api.picks] == [
        ("NTX-OLD", D("130")),
        ("NTX-DH-2407", D("170")),
    ]
    assert api.amount_used == D("300")
    assert sheet.findings == ()


@pytest.mark.parametrize(
    ("unusable", "reason"),
    [
        (replace(HCL_LOT, expires_on=date(2026, 11, 20)), "expired 2026-11-20"),
        (replace(HCL_LOT, expires_on=COMPOUNDED_ON), "expires on the compounding day"),
        (replace(HCL_LOT, quarantined=True), "quarantined"),
        (replace(HCL_LOT, quantity_on_hand=D(0)), "nothing on hand"),
        (replace(HCL_LOT, assay_percent=None), "no molecular weight or assay on record"),
        (replace(HCL_LOT, molecular_weight=None), "no molecular weight or assay on record"),
    ],
)
def test_expired_quarantined_empty_or_uncorrectable_lots_are_never_used(unusable, reason):
    unusable = replace(unusable, lot_id=20, lot_number="NTX-BAD")
    # the unusable lot expires first, so FEFO would take it if it were usable
    good = replace(HCL_LOT, expires_on=date(2029, 1, 1))
    sheet = worksheet(EXAMPLE_B, lots=(good, unusable, *SHELF))
    assert [pick.lot_number for pick in line(sheet, Role.API).picks] == ["NTX-2401"]
    assert [(s.lot_number, s.reason) for s in sheet.skipped_lots] == [("NTX-BAD", reason)]
    assert sheet.findings == ()


def test_short_stock_holds_the_worksheet_and_says_how_much_is_missing():
    sheet = worksheet(EXAMPLE_B, lots=(replace(HCL_LOT, quantity_on_hand=D("100")), *SHELF))
    assert codes(sheet) == ["short_stock"]
    assert sheet.on_hold
    assert "144.00 mg needed" in sheet.findings[0].detail
    assert "99.20 mg" in sheet.findings[0].detail
    assert line(sheet, Role.API).shortfall == D("44.80")


def test_short_stock_of_capsule_shells_is_a_hard_stop_too():
    shells = replace(SHELF[1], quantity_on_hand=D("20"))
    sheet = worksheet(EXAMPLE_B, lots=(HCL_LOT, SHELF[0], shells, *SHELF[2:]))
    assert codes(sheet) == ["short_stock"]
    assert line(sheet, Role.CAPSULE).shortfall == D("12")


def test_too_little_api_for_the_aliquots_mwq_is_short_stock():
    sheet = worksheet(EXAMPLE_A, lots=(replace(HCL_LOT, quantity_on_hand=D("100")), *SHELF))
    assert codes(sheet) == ["short_stock"]
    assert "MWQ" in sheet.findings[0].detail


def test_no_usable_lot_names_the_lots_that_were_skipped():
    sheet = worksheet(EXAMPLE_B, lots=(replace(HCL_LOT, quarantined=True), *SHELF))
    assert codes(sheet) == ["no_usable_lot"]
    assert "NTX-2401 quarantined" in sheet.findings[0].detail
    assert line(sheet, Role.API).shortfall == D("144.00")


def test_a_missing_ingredient_is_no_usable_lot():
    sheet = worksheet(EXAMPLE_D, lots=(HCL_LOT, SHELF[3]))
    assert codes(sheet) == ["no_usable_lot"]
    assert "amber_bottle" in sheet.findings[0].detail


def test_the_bud_is_capped_by_the_earliest_expiring_lot_used():
    filler = replace(SHELF[0], expires_on=date(2027, 3, 31))
    sheet = worksheet(EXAMPLE_A, lots=(HCL_LOT, filler, *SHELF[1:]))
    assert sheet.beyond_use.date == date(2027, 3, 31)
    assert sheet.beyond_use.days == 131
    assert sheet.beyond_use.limited_by == "lot MCC-2402 of mcc_ph102 expires 2027-03-31"
    assert sheet.findings == ()


def test_a_90_day_liquid_outlives_its_35_day_bud_and_is_held():
    sheet = worksheet(make_order("oral_liquid", "1", ("1.5", 90)))
    assert (sheet.quantity, sheet.bottle_size_ml) == (D("135.0"), 180)
    assert sheet.beyond_use.days == 35
    assert codes(sheet) == ["bud_shorter_than_supply"]
    detail = sheet.findings[0].detail
    assert "2026-12-25" in detail
    assert "split the fill" in detail
    assert "shorten the supply" in detail


def test_a_volume_no_stocked_bottle_holds_is_held():
    sheet = worksheet(make_order("oral_liquid", "1", ("4.5", 60)))
    assert "no_bottle_large_enough" in codes(sheet)
    assert (sheet.bottle_size_ml, sheet.containers) == (240, 2)


def test_the_worksheet_uses_the_settings_it_is_given():
    lower_mwq = replace(SETTINGS_DEFAULT, minimum_weighable_quantity_mg=D("20"))
    assert worksheet(EXAMPLE_A, settings=lower_mwq).aliquot is None
    assert worksheet(EXAMPLE_A, settings=lower_mwq).api.weighed_mg == D("48")


def test_an_order_cannot_be_made_from_the_other_dosage_forms_formula():
    with pytest.raises(ValueError, match="cannot use"):
        compute_worksheet(EXAMPLE_A, LIQUID, LOTS, SETTINGS_DEFAULT, COMPOUNDED_ON)
