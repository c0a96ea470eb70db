"""The defaults of domain.md, loaded into the database where absent.

They are data from then on: the pharmacy edits formulas, prices and settings (as new
versions), and no code path reads these constants except to seed an empty database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.models import Ingredient, MasterFormulationRecord, PriceList, Setting
from pharmacy.services.reference.drug_data import load_packaged
from pharmacy.services.unit_of_work import in_unit_of_work

SEEDED_BY = "system:defaults"

INGREDIENTS = [
    {"code": "naltrexone_hcl", "name": "Naltrexone hydrochloride USP", "kind": "api", "unit": "mg"},
    {
        "code": "mcc_ph102",
        "name": "Microcrystalline cellulose NF (Avicel PH-102)",
        "kind": "filler",
        "unit": "mg",
    },
    {
        "code": "capsule_3_clear",
        "name": "Capsule, hard gelatin, size #3, clear",
        "kind": "capsule",
        "unit": "each",
    },
    {
        "code": "oral_vehicle_preserved",
        "name": "Oral vehicle, aqueous, preserved",
        "kind": "vehicle",
        "unit": "mL",
    },
    {
        "code": "vial_cap",
        "name": "Amber vial with child-resistant cap",
        "kind": "container",
        "unit": "each",
    },
    {
        "code": "amber_bottle",
        "name": "Amber oral liquid bottle with child-resistant cap",
        "kind": "container",
        "unit": "each",
    },
]

# The steps of each MFR's procedure, ticked on the compounding form and printed on the
# batch record (migration 0016 gave existing formulas the same, as a new version).
BALANCE = "Analytical balance BAL-01, checked with its test weight"
EQUIPMENT: dict[str, list[str]] = {
    "capsule": [
        BALANCE,
        "Glass mortar and pestle, spatulas, weighing boats",
        "Capsule filling machine for size #3 capsules",
    ],
    "oral_liquid": [BALANCE, "Glass beaker, stirring rod, graduated cylinder of the batch volume"],
}
PREPARE = {
    "id": "prepare",
    "title": "Prepare",
    "text": "Clean the bench and the equipment. Check balance BAL-01 with its test weight. "
    "Check each lot against the worksheet: number, expiry, not quarantined.",
}
APPEARANCE = "QC: appearance"
YIELD = {"check": "yield", "yield_percent": ["95", "105"]}
PROCEDURE: dict[str, list[dict[str, Any]]] = {
    "capsule": [
        PREPARE,
        {
            "id": "weigh",
            "title": "Weigh",
            "text": "Weigh each ingredient on balance BAL-01 as the worksheet says (the aliquot "
            "where it prescribes one) and write down each actual weight and lot.",
        },
        {
            "id": "geometric_dilution",
            "title": "Geometric dilution",
            "text": "Triturate the naltrexone HCl (or its portion of triturate) with an equal "
            "amount of the filler in the mortar; add filler in amounts equal to the blend "
            "until all of it is in.",
        },
        {
            "id": "mix",
            "title": "Mix",
            "text": "Mix the blend for at least 5 minutes, until its appearance is uniform.",
            "minutes": 5,
        },
        {
            "id": "encapsulate",
            "title": "Encapsulate",
            "text": "Fill the size #3 clear capsules on the capsule machine, tamping evenly to "
            "the fill weight; close them and wipe them clean.",
        },
        {
            "id": "qc_weight",
            "title": "QC: capsule weight",
            "text": "Weigh a sample of 10 filled capsules: each net fill weight within the "
            "formula fill weight ± the capsule weight tolerance.",
            "check": "capsule_weight",
        },
        {
            "id": "qc_appearance",
            "title": APPEARANCE,
            "text": "Capsules closed, clean, uniform, not dented, no powder outside.",
        },
        {
            "id": "qc_yield",
            "title": "QC: yield",
            "text": "Count the capsules made: the yield is within 95-105 % of the batch.",
            **YIELD,
        },
    ],
    "oral_liquid": [
        PREPARE,
        {
            "id": "weigh",
            "title": "Weigh",
            "text": "Weigh the naltrexone HCl on balance BAL-01 as the worksheet says and "
            "write down the actual weight and lot.",
        },
        {
            "id": "dissolve",
            "title": "Dissolve",
            "text": "Dissolve the naltrexone HCl in about half of the vehicle in the beaker.",
        },
        {
            "id": "qs_mix",
            "title": "Bring to volume and mix",
            "text": "Bring to the batch volume with the vehicle in the graduated cylinder and "
            "mix for at least 5 minutes.",
            "minutes": 5,
        },
        {
            "id": "qc_volume",
            "title": "QC: final volume",
            "text": "Measure the final volume: within the batch volume ± the volume tolerance.",
            "check": "liquid_volume",
        },
        {
            "id": "qc_appearance",
            "title": APPEARANCE,
            "text": "Clear, colourless to faintly yellow, free of particles.",
        },
        {
            "id": "qc_yield",
            "title": "QC: yield",
            "text": "The volume bottled is within 95-105 % of the batch.",
            **YIELD,
        },
    ],
}

FORMULAS: list[dict[str, Any]] = [
    {
        "dosage_form": "capsule",
        "name": "Naltrexone HCl capsules (LDN)",
        "formula": {
            "api": "naltrexone_hcl",
            "api_reference_mw": "377.87",
            "filler": "mcc_ph102",
            "capsule": "capsule_3_clear",
            "capsule_size": "3",
            "fill_weight_mg": "120",
            "overage_percent": "5",
            "container": "vial_cap",
            "bud_category": "nonaqueous_solid",
            "storage": "Store at room temperature, 20-25 °C, in a dry place.",
            "never_use": ["calcium carbonate"],
            "release": "immediate",
            "equipment": EQUIPMENT["capsule"],
            "procedure": PROCEDURE["capsule"],
        },
    },
    {
        "dosage_form": "oral_liquid",
        "name": "Naltrexone HCl oral liquid (LDN)",
        "formula": {
            "api": "naltrexone_hcl",
            "api_reference_mw": "377.87",
            "vehicle": "oral_vehicle_preserved",
            "overage_percent": "5",
            "container": "amber_bottle",
            "bud_category": "aqueous_preserved",
            "storage": "Store at room temperature or in the refrigerator. Shake well.",
            "auxiliary": ["Shake well before each dose."],
            "equipment": EQUIPMENT["oral_liquid"],
            "procedure": PROCEDURE["oral_liquid"],
        },
    },
]

PRICES: dict[str, Any] = {
    "naltrexone_hcl_per_mg": "0.03",
    "mcc_per_g": "0.05",
    "capsule_each": "0.03",
    "vial_cap_each": "0.50",
    "oral_vehicle_per_ml": "0.04",
    "amber_bottle_each": "0.80",
    "oral_syringe_each": "0.30",
    "markup": "2.0",
    "compounding_fee": {"capsule": "12.00", "oral_liquid": "10.00"},
    "dispensing_fee": "5.00",
    "minimum_price": "20.00",
}

SETTINGS: dict[str, Any] = {
    # The balance: what it reads to, the least it may weigh (domain §10), and the window
    # around each weighing on the worksheet.
    "balance_readability_mg": "1",
    "minimum_weighable_quantity_mg": "120",
    "weighing_tolerance_percent": "5",
    "bottle_sizes_ml": [30, 60, 120, 180, 240],
    "beyond_use_days": {
        "aqueous_unpreserved": 14,
        "aqueous_preserved": 35,
        "nonaqueous_liquid": 90,
        "nonaqueous_solid": 180,
    },
    "verifier_may_be_compounder": False,
    # Quality control on the compounding record: each sampled capsule's net fill weight
    # within ± this % of the worksheet's fill weight; an oral liquid's final volume
    # within ± this % of the batch volume.
    "capsule_weight_tolerance_percent": "10",
    "liquid_volume_tolerance_percent": "2",
}


@in_unit_of_work
def load_defaults(session: Session) -> list[str]:
    """Insert whatever default is missing; returns what was added, for the operator."""
    added: list[str] = []
    known = set(session.scalars(select(Ingredient.code)))
    for item in INGREDIENTS:
        if item["code"] not in known:
            session.add(Ingredient(**item))
            added.append(f"ingredient {item['code']}")
    forms = set(session.scalars(select(MasterFormulationRecord.dosage_form)))
    for record in FORMULAS:
        if record["dosage_form"] not in forms:
            session.add(MasterFormulationRecord(version=1, created_by=SEEDED_BY, **record))
            added.append(f"master formulation record {record['dosage_form']} v1")
    if session.scalar(select(PriceList.id).limit(1)) is None:
        session.add(PriceList(version=1, prices=PRICES, created_by=SEEDED_BY))
        added.append("price list v1")
    settings = set(session.scalars(select(Setting.key)))
    for key, value in SETTINGS.items():
        if key not in settings:
            session.add(Setting(key=key, value=value))
            added.append(f"setting {key}")
    drug_data = load_packaged(session, SEEDED_BY)
    if drug_data:
        added.append(drug_data)
    return added
