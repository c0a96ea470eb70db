"""What a worksheet is computed from: the formula, the lots on the shelf, the settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from pharmacy.domain.prescription import DosageForm


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _optional_decimal(value: Any) -> Decimal | None:
    return None if value is None else _decimal(value)


@dataclass(frozen=True)
class Formula:
    """A master formulation record (MFR) version: what goes into the preparation."""

    mfr_id: int
    mfr_version: int
    name: str
    dosage_form: DosageForm
    api_code: str
    api_reference_mw: Decimal  # the form the strength is written in: naltrexone HCl
    overage_percent: Decimal
    container_code: str
    bud_category: str
    storage: str
    filler_code: str | None = None
    capsule_code: str | None = None
    capsule_size: str | None = None
    fill_weight_mg: Decimal | None = None
    vehicle_code: str | None = None
    auxiliary: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.dosage_form is DosageForm.CAPSULE:
            required = {"filler": self.filler_code, "capsule": self.capsule_code}
            required["fill_weight_mg"] = self.fill_weight_mg
        else:
            required = {"vehicle": self.vehicle_code}
        missing = [key for key, value in required.items() if value is None]
        if missing:
            raise ValueError(f"{self.dosage_form} formula lacks {', '.join(missing)}")

    @classmethod
    def from_record(
        cls, mfr_id: int, version: int, name: str, dosage_form: str, formula: Mapping[str, Any]
    ) -> Formula:
        """Read a master_formulation_records row; `formula` is its JSON column."""
        return cls(
            mfr_id=mfr_id,
            mfr_version=version,
            name=name,
            dosage_form=DosageForm(dosage_form),
            api_code=formula["api"],
            api_reference_mw=_decimal(formula["api_reference_mw"]),
            overage_percent=_decimal(formula["overage_percent"]),
            container_code=formula["container"],
            bud_category=formula["bud_category"],
            storage=formula["storage"],
            filler_code=formula.get("filler"),
            capsule_code=formula.get("capsule"),
            capsule_size=formula.get("capsule_size"),
            fill_weight_mg=_optional_decimal(formula.get("fill_weight_mg")),
            vehicle_code=formula.get("vehicle"),
            auxiliary=tuple(formula.get("auxiliary", ())),
        )


@dataclass(frozen=True)
class LotStock:
    """A lot on the shelf, in its ingredient's unit (mg, mL or each)."""

    lot_id: int
    ingredient_code: str
    lot_number: str
    vendor: str
    expires_on: date
    quantity_on_hand: Decimal
    quarantined: bool = False
    molecular_weight: Decimal | None = None  # API lots: of the form on the label
    assay_percent: Decimal | None = None  # API lots: purity of that form
    form: str | None = None  # API lots: "hydrochloride", "dihydrate"...
    water_percent: Decimal | None = None  # API lots: water content (Karl Fischer or LOD)
    assay_basis: str = "as_is"  # API lots: as_is | anhydrous | dried (see `lots.api_factor`)
    coa_number: str | None = None  # API lots: the certificate of analysis it was received with


@dataclass(frozen=True)
class CompoundingSettings:
    minimum_weighable_quantity_mg: Decimal
    bottle_sizes_ml: tuple[int, ...]
    beyond_use_days: Mapping[str, int]
    balance_readability_mg: Decimal = Decimal(1)
    weighing_tolerance_percent: Decimal = Decimal(5)

    @classmethod
    def from_settings(cls, values: Mapping[str, Any]) -> CompoundingSettings:
        """Read the settings table (key → JSON value); other keys are ignored."""
        return cls(
            minimum_weighable_quantity_mg=_decimal(values["minimum_weighable_quantity_mg"]),
            bottle_sizes_ml=tuple(sorted(int(size) for size in values["bottle_sizes_ml"])),
            beyond_use_days=MappingProxyType(
                {key: int(days) for key, days in values["beyond_use_days"].items()}
            ),
            balance_readability_mg=_decimal(values["balance_readability_mg"]),
            weighing_tolerance_percent=_decimal(values["weighing_tolerance_percent"]),
        )
