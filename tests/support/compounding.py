"""The tables of the worked examples (docs/worked-examples.md) the unit tests share:
compounded on 2026-11-21 with the default formulas and settings (MWQ 120 mg), from the
lots below, and the orders (a)-(d)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from pharmacy.domain import prescription as rx
from pharmacy.domain.compounding import (
    CompoundingSettings,
    Formula,
    LotStock,
    compute_worksheet,
)
from pharmacy.services.reference.defaults import FORMULAS, SETTINGS

COMPOUNDED_ON = date(2026, 11, 21)
CAPSULES = Formula.from_record(1, 1, FORMULAS[0]["name"], "capsule", FORMULAS[0]["formula"])
LIQUID = Formula.from_record(2, 1, FORMULAS[1]["name"], "oral_liquid", FORMULAS[1]["formula"])
SETTINGS_DEFAULT = CompoundingSettings.from_settings(SETTINGS)

HCL_LOT = LotStock(
    1,
    "naltrexone_hcl",
    "NTX-2401",
    "Medisca",
    date(2028, 6, 30),
    D("5000"),
    molecular_weight=D("377.87"),
    assay_percent=D("99.2"),
    form="hydrochloride",
)
DIHYDRATE_LOT = LotStock(
    7,
    "naltrexone_hcl",
    "NTX-DH-2407",
    "PCCA",
    date(2028, 1, 31),
    D("1000"),
    molecular_weight=D("413.90"),
    assay_percent=D("99.5"),
    form="dihydrate",
)
SHELF = (
    LotStock(2, "mcc_ph102", "MCC-2402", "Spectrum", date(2028, 12, 31), D("500000")),
    LotStock(3, "capsule_3_clear", "CAP3-2403", "Capsuline", date(2029, 1, 31), D("10000")),
    LotStock(4, "vial_cap", "VIAL-2404", "Berlin Packaging", date(2030, 1, 1), D("500")),
    LotStock(5, "oral_vehicle_preserved", "VEH-2405", "Fagron", date(2027, 9, 30), D("20000")),
    LotStock(6, "amber_bottle", "AMB-2406", "Berlin Packaging", date(2030, 1, 1), D("200")),
)
LOTS = (HCL_LOT, *SHELF)


def make_order(form: str, strength: str, *steps: tuple[str, int], times_per_day: int = 1):
    return rx.PrescriptionOrder(
        prescriber=rx.Prescriber("1234567893", "Joe", "Example", "614-555-0100"),
        patient=rx.Patient("Ann", "Patient", date(1970, 1, 1)),
        dosage_form=rx.DosageForm(form),
        strength_mg=D(strength),
        directions=rx.Directions(
            tuple(rx.DirectionStep(D(dose), days) for dose, days in steps), times_per_day
        ),
        written_on=COMPOUNDED_ON,
        days_supply=sum(days for _, days in steps),
    )


EXAMPLE_A = make_order("capsule", "1.5", ("1.5", 30))
EXAMPLE_B = make_order("capsule", "4.5", ("4.5", 30))
EXAMPLE_C = make_order("capsule", "1.5", ("1.5", 10), ("3", 10), ("4.5", 10))
EXAMPLE_D = make_order("oral_liquid", "1", ("4.5", 30))


def worksheet(order, lots=LOTS, settings=SETTINGS_DEFAULT):
    formula = CAPSULES if order.dosage_form is rx.DosageForm.CAPSULE else LIQUID
    return compute_worksheet(order, formula, lots, settings, COMPOUNDED_ON)
