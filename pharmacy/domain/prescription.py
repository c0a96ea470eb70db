"""An LDN prescription as the pharmacy understands it, and the rules it must meet.

Single values are checked by the `*_problem` functions (the API's schema calls them,
so the rule and its wording live here once); rules that tie several fields together
are checked by `prescription_problems`.
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

MIN_DOSE_MG = Decimal("0.5")
MAX_DOSE_MG = Decimal("4.5")
MAX_DOSE_DECIMALS = 2
DEFAULT_DAYS_SUPPLY = 30
MAX_DAYS_SUPPLY = 90
MAX_REFILLS = 11
MAX_TIMES_PER_DAY = 4
OLDEST_PRESCRIPTION = timedelta(days=365)
OLDEST_PATIENT_YEARS = 130

# The languages the pharmacy prints a patient's directions, warning and papers in: English,
# and each language with a reviewed catalog in pharmacy/translations (a test checks they
# agree). Keyed by the primary subtag of a BCP 47 tag: "es-MX" reads the "es" catalog.
PATIENT_LANGUAGES = {"en": "English", "es": "Spanish"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


class DosageForm(enum.StrEnum):
    CAPSULE = "capsule"  # strength is mg per capsule
    ORAL_LIQUID = "oral_liquid"  # strength is mg per mL

    @property
    def unit(self) -> str:
        return "capsule" if self is DosageForm.CAPSULE else "mL"


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    state: str
    postal_code: str
    line2: str | None = None


@dataclass(frozen=True)
class Prescriber:
    npi: str
    first_name: str
    last_name: str
    phone: str
    dea: str | None = None


@dataclass(frozen=True)
class MedicationInUse:
    """One line of the patient's medication list, as the clinic wrote it."""

    name: str
    rxnorm: str | None = None


@dataclass(frozen=True)
class Patient:
    first_name: str
    last_name: str
    date_of_birth: date
    phone: str | None = None
    address: Address | None = None
    # None: not sent with this order, so the patient's lists on record stand (a later
    # order that leaves a list out never blanks it).
    allergies: tuple[str, ...] | None = None
    medications: tuple[MedicationInUse, ...] | None = None
    conditions: tuple[str, ...] | None = None
    language: str = DEFAULT_LANGUAGE  # BCP 47, as sent; `print_language` reads it


def print_language(tag: str | None) -> str:
    """The language a patient's papers print in, from the tag the clinic sent ("es-MX":
    "es"); English when none was sent. An unsupported tag was refused at intake."""
    primary = (tag or DEFAULT_LANGUAGE).split("-")[0].lower()
    return primary if primary in PATIENT_LANGUAGES else DEFAULT_LANGUAGE


def language_problem(tag: str) -> str | None:
    supported = ", ".join(f"{code} ({name})" for code, name in PATIENT_LANGUAGES.items())
    if not LANGUAGE_TAG.fullmatch(tag):
        return f"must be a BCP 47 language tag such as es or es-MX; supported: {supported}"
    if tag.split("-")[0].lower() not in PATIENT_LANGUAGES:
        return f"{tag!r} is not a language the pharmacy prints in; supported: {supported}"
    return None


@dataclass(frozen=True)
class DirectionStep:
    dose_mg: Decimal
    days: int


@dataclass(frozen=True)
class Directions:
    steps: tuple[DirectionStep, ...]
    times_per_day: int = 1

    @property
    def is_titration(self) -> bool:
        return len(self.steps) > 1


@dataclass(frozen=True)
class PrescriptionOrder:
    """What a prescriber asks the pharmacy to compound."""

    prescriber: Prescriber
    patient: Patient
    dosage_form: DosageForm
    strength_mg: Decimal
    directions: Directions
    written_on: date
    days_supply: int = DEFAULT_DAYS_SUPPLY
    refills: int = 0
    diagnosis: str | None = None
    notes: str | None = None
    # Start each refill when the last fill runs low, without waiting to be asked.
    auto_refill: bool = False
    # The clinic's id of the prescription this one renews (one of its own), if any.
    renews: uuid.UUID | None = None


@dataclass(frozen=True)
class Problem:
    """One reason a prescription is refused, tied to the field a clinic must fix."""

    field: str
    message: str


@dataclass
class _Problems:
    found: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str | None) -> None:
        if message:
            self.found.append(Problem(where, message))


def dose_problem(value: Decimal) -> str | None:
    """Why `value` is not an LDN amount in mg (a strength or a dose), or None."""
    if not value.is_finite():
        return "must be a number"
    if value < MIN_DOSE_MG or value > MAX_DOSE_MG:
        return f"must be between {MIN_DOSE_MG} and {MAX_DOSE_MG} mg (low dose naltrexone)"
    if value != value.quantize(Decimal(1).scaleb(-MAX_DOSE_DECIMALS)):
        return f"must have at most {MAX_DOSE_DECIMALS} decimals"
    return None


def days_supply_problem(value: int) -> str | None:
    if not 1 <= value <= MAX_DAYS_SUPPLY:
        return f"must be between 1 and {MAX_DAYS_SUPPLY} days"
    return None


def refills_problem(value: int) -> str | None:
    if not 0 <= value <= MAX_REFILLS:
        return f"must be between 0 and {MAX_REFILLS}"
    return None


def times_per_day_problem(value: int) -> str | None:
    if not 1 <= value <= MAX_TIMES_PER_DAY:
        return f"must be between 1 and {MAX_TIMES_PER_DAY}"
    return None


def step_days_problem(value: int) -> str | None:
    if not 1 <= value <= MAX_DAYS_SUPPLY:
        return f"must be between 1 and {MAX_DAYS_SUPPLY} days"
    return None


def _either(values: list[int]) -> str:
    """60, 90 or 120."""
    words = [str(value) for value in values]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def course_problem(steps: Sequence[DirectionStep], days_supply: int, refills: int) -> str | None:
    """Why the steps' days do not make a course the fills can walk through, or None.

    The steps may last one fill (every fill then holds them, a refill continuing at the
    last dose), or k fills of the days supply with 2 <= k <= refills + 1: fill after
    fill takes the next days_supply days of the course, so a titration can climb over
    several fills, and there must be a fill for every part of it.
    """
    total = sum(step.days for step in steps)
    if days_supply < 1:
        return f"the steps' days add up to {total} but must equal days_supply ({days_supply})"
    refills = max(refills, 0)  # a negative count has its own problem
    fills = total // days_supply
    if total % days_supply == 0 and 1 <= fills <= refills + 1:
        return None
    longer = [days_supply * k for k in range(2, refills + 2)]
    allowed = f": {_either(longer)}" if longer else f", so only {days_supply} with no refills"
    return (
        f"the steps' days add up to {total} but must equal days_supply ({days_supply}) "
        f"or a whole number of fills of it, at most refills + 1 ({refills + 1}) fills"
        f"{allowed}"
    )


SYRINGE_STEP_ML = Decimal("0.1")  # an oral syringe's graduation
SYRINGE_LEAST_ML = Decimal("0.2")  # the least dose it measures well


def _measurable(volume: Decimal) -> bool:
    return volume >= SYRINGE_LEAST_ML and volume % SYRINGE_STEP_ML == 0


def nearest_measurable_doses(dose_mg: Decimal, strength_mg: Decimal) -> list[Decimal]:
    """The doses nearest `dose_mg`, below and above, whose volume of a `strength_mg`
    per mL liquid an oral syringe measures and which are doses the rules allow."""
    doses = []
    tenths = int(MAX_DOSE_MG / strength_mg / SYRINGE_STEP_ML) + 1
    for count in range(int(SYRINGE_LEAST_ML / SYRINGE_STEP_ML), tenths + 1):
        dose = strength_mg * SYRINGE_STEP_ML * count
        if dose_problem(dose.normalize()) is None:
            doses.append(dose.normalize())
    below = [dose for dose in doses if dose < dose_mg]
    above = [dose for dose in doses if dose > dose_mg]
    return ([below[-1]] if below else []) + ([above[0]] if above else [])


def syringe_problem(dose_mg: Decimal, strength_mg: Decimal) -> str | None:
    """Why a dose of an oral liquid cannot be measured with an oral syringe, or None."""
    if dose_problem(dose_mg) or dose_problem(strength_mg):
        return None  # the fields' own checks say why
    volume = dose_mg / strength_mg
    if _measurable(volume):
        return None
    shown = volume.quantize(Decimal("0.001")).normalize()
    nearest = [
        f"{dose:f} mg ({(dose / strength_mg).quantize(SYRINGE_STEP_ML)} mL)"
        for dose in nearest_measurable_doses(dose_mg, strength_mg)
    ]
    if volume < SYRINGE_LEAST_ML:
        what = f"is under {SYRINGE_LEAST_ML} mL"
    else:
        what = f"is not a multiple of {SYRINGE_STEP_ML} mL"
    if len(nearest) > 1:
        offer = f"; the nearest measurable doses are {' and '.join(nearest)}"
    else:
        offer = "".join(f"; the nearest measurable dose is {dose}" for dose in nearest)
    return (
        f"{dose_mg} mg of a {strength_mg} mg/mL liquid is {shown:f} mL, which {what}: an "
        f"oral syringe cannot measure it{offer}"
    )


def prescription_problems(order: PrescriptionOrder, today: date) -> list[Problem]:
    """The rules that tie fields together; an empty list means the order can be taken."""
    problems = _Problems()
    steps = order.directions.steps
    problems.add("directions.steps", course_problem(steps, order.days_supply, order.refills))
    for index, step in enumerate(steps):
        where = f"directions.steps[{index}].dose_mg"
        per_unit = step.dose_mg / order.strength_mg
        if order.dosage_form is DosageForm.CAPSULE and per_unit != per_unit.to_integral_value():
            problems.add(
                where,
                f"{step.dose_mg} mg is not a whole number of {order.strength_mg} mg capsules",
            )
        if order.dosage_form is DosageForm.ORAL_LIQUID:
            problems.add(where, syringe_problem(step.dose_mg, order.strength_mg))
        daily = step.dose_mg * order.directions.times_per_day
        if daily > MAX_DOSE_MG:
            problems.add(
                where,
                f"{step.dose_mg} mg taken {order.directions.times_per_day} times a day is "
                f"{daily} mg a day, above the low dose limit of {MAX_DOSE_MG} mg a day",
            )
    if order.written_on > today:
        problems.add("written_on", "must not be in the future")
    elif order.written_on < today - OLDEST_PRESCRIPTION:
        problems.add("written_on", "must not be older than one year")
    born = order.patient.date_of_birth
    if born > today:
        problems.add("patient.date_of_birth", "must not be in the future")
    elif born.year < today.year - OLDEST_PATIENT_YEARS:
        problems.add("patient.date_of_birth", f"is more than {OLDEST_PATIENT_YEARS} years ago")
    return problems.found
