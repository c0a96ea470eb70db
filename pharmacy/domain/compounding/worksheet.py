"""What a worksheet is made of: components, lots, the API calculation, the aliquot."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pharmacy.domain.beyond_use import BeyondUse
from pharmacy.domain.prescription import DosageForm
from pharmacy.domain.screening import Finding, Severity

from .quantities import Balance


class Role(enum.StrEnum):
    API = "api"
    FILLER = "filler"
    CAPSULE = "capsule"
    VEHICLE = "vehicle"
    CONTAINER = "container"


@dataclass(frozen=True)
class LotPick:
    lot_id: int
    lot_number: str
    vendor: str
    expires_on: date
    amount: Decimal  # taken from this lot, in the component's unit


@dataclass(frozen=True)
class ComponentLine:
    """One ingredient of the batch and the lots it comes from.

    `amount_needed` is what the batch must contain (for the API: naltrexone HCl);
    `amount_used` is what is weighed, measured or counted out of stock, aliquot
    leftovers included, which is also what the price is charged on.
    """

    role: Role
    ingredient_code: str
    unit: str  # "mg", "mL" or "each"
    amount_needed: Decimal
    amount_used: Decimal
    picks: tuple[LotPick, ...]
    shortfall: Decimal = Decimal(0)


@dataclass(frozen=True)
class ApiLotShare:
    """The salt and assay correction for one API lot: weigh = HCl × factor."""

    lot_id: int
    lot_number: str
    form: str | None
    molecular_weight: Decimal
    assay_percent: Decimal
    factor: Decimal  # `lots.api_factor`: salt form, water and assay on its basis
    naltrexone_hcl_mg: Decimal  # what this lot's weight carries, as the reference form
    weigh_mg: Decimal  # a reading of the balance
    water_percent: Decimal | None = None
    assay_basis: str = "as_is"  # as_is | anhydrous | dried
    coa_number: str | None = None


@dataclass(frozen=True)
class ApiCalculation:
    """How much active ingredient, in the reference form and as weighed.

    `in_batch_mg` is the lot powder that must end up in the batch; `weighed_mg` is
    what is put on the balance: the same, or the aliquot's larger amount.
    """

    ingredient_code: str
    reference_mw: Decimal
    per_unit_mg: Decimal  # the strength: mg per capsule or per mL
    batch_quantity: Decimal
    needed_mg: Decimal  # batch quantity × strength, as naltrexone HCl
    in_batch_mg: Decimal
    weighed_mg: Decimal
    shares: tuple[ApiLotShare, ...]


class AliquotKind(enum.StrEnum):
    TRITURATE = "triturate"  # capsules: API diluted with the filler
    STOCK_SOLUTION = "stock_solution"  # oral liquid: API dissolved in the vehicle


@dataclass(frozen=True)
class Aliquot:
    """The aliquot method, for an API amount below the minimum weighable quantity.

    Triturate (capsules): weigh `api_weighed_mg` (the MWQ), add `diluent_amount` mg of
    filler to make `stock_amount` mg of a 1 in `ratio` triturate, then weigh
    `portion_amount` mg of it (at least the MWQ), which carries the batch's API and
    `diluent_in_portion` mg of filler.
    Stock solution (oral liquid): weigh `api_weighed_mg` (N times the batch's API, at
    least the MWQ), dissolve and make up to `stock_amount` = N mL with the vehicle, then
    measure `portion_amount` = 1 mL of it into the batch.
    """

    kind: AliquotKind
    ratio: int
    api_weighed_mg: Decimal
    diluent_code: str
    diluent_amount: Decimal
    stock_amount: Decimal
    portion_amount: Decimal
    unit: str  # of the diluent, stock and portion: "mg" or "mL"
    portion_api_mg: Decimal  # lot powder in the portion
    portion_naltrexone_hcl_mg: Decimal
    diluent_in_portion: Decimal

    @property
    def ratio_text(self) -> str:
        return f"1 in {self.ratio}"


@dataclass(frozen=True)
class Weighing:
    """One thing put on the balance, in the order the technician weighs them: at least
    the MWQ, a reading of the balance, and the window of readings that passes."""

    what: str  # "Naltrexone HCl", "MCC to make the triturate"...
    ingredient_code: str  # of what is weighed; the triturate's is the API's
    lot_numbers: tuple[str, ...]
    target_mg: Decimal
    low_mg: Decimal
    high_mg: Decimal


@dataclass(frozen=True)
class Device:
    """What goes to the patient with the preparation, besides its container."""

    code: str  # "oral_syringe", priced as `<code>_each` when the price list has it
    description: str
    count: int


@dataclass(frozen=True)
class SkippedLot:
    lot_id: int
    ingredient_code: str
    lot_number: str
    reason: str


@dataclass(frozen=True)
class Worksheet:
    """Everything the compounding pharmacist makes and the verifying pharmacist checks."""

    mfr_id: int
    mfr_version: int
    formula_name: str
    dosage_form: DosageForm
    strength_mg: Decimal
    compounded_on: date
    days_supply: int
    quantity: Decimal  # dispensed
    unit: str  # "capsule" or "mL"
    overage_percent: Decimal
    batch_quantity: Decimal
    container_code: str
    containers: int
    bottle_size_ml: int | None  # oral liquid: the smallest stocked bottle that holds it
    api: ApiCalculation
    aliquot: Aliquot | None
    fill_weight_mg: Decimal | None
    api_per_capsule_mg: Decimal | None  # lot powder per capsule
    filler_per_capsule_mg: Decimal | None  # fill weight − API per capsule
    components: tuple[ComponentLine, ...]
    storage: str
    auxiliary: tuple[str, ...]
    beyond_use: BeyondUse
    skipped_lots: tuple[SkippedLot, ...]
    findings: tuple[Finding, ...]
    balance: Balance | None = None
    weighings: tuple[Weighing, ...] = ()
    devices: tuple[Device, ...] = ()

    @property
    def on_hold(self) -> bool:
        return any(finding.severity is Severity.HARD_STOP for finding in self.findings)
