"""From a prescription to a compounding worksheet (domain §3): every number to check.

- `inputs`: what the worksheet is computed from (formula, lots on the shelf, settings);
- `worksheet`: what it is made of (components, lot picks, API calculation, aliquot);
- `quantities`: the quantity dispensed, the batch, the bottle, and how numbers round;
- `lots`: which lots are used (one if one holds it, else FEFO, each weighing at least the
  MWQ) and the API's factor for salt form, water and assay;
- `aliquot`: the triturate or stock solution for an API amount below the MWQ;
- `compute`: `compute_worksheet`, which puts them together.
"""

from .aliquot import LIQUID_ALIQUOT_ML
from .compute import compute_worksheet
from .inputs import CompoundingSettings, Formula, LotStock
from .lots import api_factor, plan_weighings, take_fefo
from .quantities import (
    FACTOR,
    MG,
    ML,
    WHOLE,
    Balance,
    batch_quantity,
    bottle_for,
    mg,
    quantity_dispensed,
)
from .worksheet import (
    Aliquot,
    AliquotKind,
    ApiCalculation,
    ApiLotShare,
    ComponentLine,
    Device,
    LotPick,
    Role,
    SkippedLot,
    Weighing,
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
    "Balance",
    "ComponentLine",
    "CompoundingSettings",
    "Device",
    "Formula",
    "LotPick",
    "LotStock",
    "Role",
    "SkippedLot",
    "Weighing",
    "Worksheet",
    "api_factor",
    "batch_quantity",
    "bottle_for",
    "compute_worksheet",
    "mg",
    "plan_weighings",
    "quantity_dispensed",
    "take_fefo",
]
