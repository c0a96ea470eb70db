"""From a prescription to a compounding worksheet (domain §3): every number to check.

- `inputs`: what the worksheet is computed from (formula, lots on the shelf, settings);
- `worksheet`: what it is made of (components, lot picks, API calculation, aliquot);
- `quantities`: the quantity dispensed, the batch, the bottle, and how numbers round;
- `lots`: which lots are used, first-expiring-first-out, and the API's salt/assay factor;
- `aliquot`: the triturate or stock solution for an API amount below the MWQ;
- `compute`: `compute_worksheet`, which puts them together.
"""

from .aliquot import LIQUID_ALIQUOT_ML
from .compute import compute_worksheet
from .inputs import CompoundingSettings, Formula, LotStock
from .lots import api_factor, take_api, take_api_by_weight, take_fefo
from .quantities import FACTOR, MG, ML, WHOLE, batch_quantity, bottle_for, mg, quantity_dispensed
from .worksheet import (
    Aliquot,
    AliquotKind,
    ApiCalculation,
    ApiLotShare,
    ComponentLine,
    LotPick,
    Role,
    SkippedLot,
    Worksheet,
)

__all__ = [
    "FACTOR",
    "LIQUID_ALIQUOT_ML",
    "MG",
    "ML",
    "WHOLE",
    "Aliquot",
    "AliquotKind",
    "ApiCalculation",
    "ApiLotShare",
    "ComponentLine",
    "CompoundingSettings",
    "Formula",
    "LotPick",
    "LotStock",
    "Role",
    "SkippedLot",
    "Worksheet",
    "api_factor",
    "batch_quantity",
    "bottle_for",
    "compute_worksheet",
    "mg",
    "quantity_dispensed",
    "take_api",
    "take_api_by_weight",
    "take_fefo",
]
