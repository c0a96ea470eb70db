"""What a prescription label and a receipt say (domain §2 and §7), as plain text.

The wording lives here once: explicit directions (never "once daily" or "q.d."), one
line per titration step, the opioid warning word for word, the compounded statement.
The English wording is also the message id of its translation: the directions, warning
and auxiliary lines print in the patient's language through a `Translator` (the labels
layer reads it from the catalogs in pharmacy/translations), with English as well.
`pharmacy.labels` only decides where and how large each field is printed, from the
declarative layouts in `label_templates/`, so a field's name here is the name a layout
uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from pharmacy.domain.prescription import PATIENT_LANGUAGES, DirectionStep, DosageForm
from pharmacy.domain.refills import refill_line

OPIOID_WARNING = (
    "DO NOT TAKE WITH OPIOID PAIN, COUGH OR DIARRHEA MEDICINES. They will not work and "
    "may cause sudden withdrawal. Tell every doctor and dentist you take naltrexone."
)
COMPOUNDED_STATEMENT = "This medicine was compounded by the pharmacy."
# Every oral liquid goes out with an oral syringe (intake refuses a dose it cannot
# measure): the label says to use it, not a kitchen spoon.
ORAL_SYRINGE = "Measure each dose with the oral syringe provided."
DRUG_NAME = "Naltrexone HCl"

# Spelled out: a patient reads "twice a day", a pharmacist's shorthand ("b.i.d.") is an error.
HOW_OFTEN = {1: "at bedtime", 2: "twice a day", 3: "three times a day", 4: "four times a day"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# The fields a label layout may print, in USP <17> order.
LABEL_FIELDS = (
    "patient_name",
    "drug",
    "directions",
    "auxiliary",
    "warning",
    "directions_english",
    "auxiliary_english",
    "rx_number",
    "quantity",
    "refills",
    "filled",
    "use_by",
    "storage",
    "compounded",
    "prescriber",
    "pharmacist",
    "pharmacy_name",
    "pharmacy_address",
    "pharmacy_phone",
)
# The English copy of what a patient who reads another language gets in theirs (state
# rules want English on the container too); empty on an English label.
ENGLISH_COPY_FIELDS = ("directions_english", "auxiliary_english")
RECEIPT_FIELDS = (
    "pharmacy_name",
    "pharmacy_address",
    "pharmacy_phone",
    "title",
    "patient_name",
    "rx_number",
    "date",
    "item",
    "prescriber",
    "days_supply",
    "pharmacy_npi",
    "eligible_expense",
)
RECEIPT_ROWS = ("price_lines", "total", "payment")


class Translator(Protocol):
    """gettext's two calls, as `babel.support.Translations` (or `gettext`) answers them."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


class _English:
    """The message ids are the English wording: English needs no catalog."""

    def gettext(self, message: str, /) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        return singular if n == 1 else plural


ENGLISH: Translator = _English()


def number(value: Decimal) -> str:
    """A quantity as a pharmacist writes it: 1.5, 3, 30, 0.25 (no trailing zeros)."""
    return f"{value.normalize():f}"


def plural(count: Decimal | int, word: str) -> str:
    return word if count == 1 else f"{word}s"


def long_date(day: date) -> str:
    """Nov 21, 2026: the same on every printer, whatever the server's locale."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def money(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount).quantize(Decimal('0.01'), ROUND_HALF_UP):,}"


def drug_description(
    dosage_form: DosageForm | str, strength_mg: Decimal, name: str = DRUG_NAME
) -> str:
    """'Naltrexone HCl 1.5 mg capsule' or 'Naltrexone HCl 1 mg/mL oral liquid'."""
    if DosageForm(dosage_form) is DosageForm.CAPSULE:
        return f"{name} {number(strength_mg)} mg capsule"
    return f"{name} {number(strength_mg)} mg/mL oral liquid"


def _amount(
    dosage_form: DosageForm, strength_mg: Decimal, dose_mg: Decimal, translator: Translator
) -> str:
    """'1 capsule (1.5 mg)', '2 capsules (3 mg)', '4.5 mL (4.5 mg)'. Numbers keep the
    decimal point in every language: the dose reads as on the English copy and the
    prescription, never 1,5 beside 1.5."""
    per_unit = dose_mg / strength_mg
    dose = number(dose_mg)
    if dosage_form is DosageForm.CAPSULE:
        if per_unit != per_unit.to_integral_value():
            raise ValueError(
                f"{number(dose_mg)} mg is not a whole number of {number(strength_mg)} mg capsules"
            )
        count = per_unit.to_integral_value()
        wording = translator.ngettext(
            "{count} capsule ({dose} mg)", "{count} capsules ({dose} mg)", int(count)
        )
        return wording.format(count=number(count), dose=dose)
    volume = per_unit.quantize(Decimal("0.01"), ROUND_HALF_UP)
    return translator.gettext("{volume} mL ({dose} mg)").format(volume=number(volume), dose=dose)


def _how_often(times_per_day: int, translator: Translator) -> str:
    if times_per_day not in HOW_OFTEN:
        raise ValueError(f"times_per_day must be between 1 and {max(HOW_OFTEN)}")
    return translator.gettext(HOW_OFTEN[times_per_day])


def directions_lines(
    dosage_form: DosageForm | str,
    strength_mg: Decimal,
    steps: Sequence[DirectionStep],
    times_per_day: int = 1,
    translator: Translator = ENGLISH,
) -> list[str]:
    """Explicit directions: one line for a fixed dose, one line per step of a titration.

    "Take 1 capsule (1.5 mg) by mouth at bedtime"; "Take 4.5 mL (4.5 mg) by mouth twice a
    day". A titration's steps are short, with the route on every line, "Days 1-14:
    1 capsule (1.5 mg) by mouth at bedtime": each line is a whole direction read alone,
    and a four-step titration still prints one line per step on the 4 x 2 in stock with
    the warning at 8 pt (a label that does not fit is refused, naming a stock it fits).
    """
    form = DosageForm(dosage_form)
    if not steps:
        raise ValueError("directions need at least one step")
    how_often = _how_often(times_per_day, translator)
    _ = translator.gettext
    if len(steps) == 1:
        amount = _amount(form, strength_mg, steps[0].dose_mg, translator)
        return [_("Take {amount} by mouth {how_often}").format(amount=amount, how_often=how_often)]
    lines = []
    first = 1
    for step in steps:
        last = first + step.days - 1
        days = (
            _("Day {first}").format(first=first)
            if first == last
            else _("Days {first}-{last}").format(first=first, last=last)
        )
        amount = _amount(form, strength_mg, step.dose_mg, translator)
        line = _("{days}: {amount} by mouth {how_often}")
        lines.append(line.format(days=days, amount=amount, how_often=how_often))
        first = last + 1
    return lines


@dataclass(frozen=True)
class DoseDays:
    """A row of a patient's dose calendar: from `start` to `end`, both taken."""

    start: date
    end: date
    dose: str  # "1 capsule (1.5 mg) by mouth at bedtime"


def dose_calendar(
    dosage_form: DosageForm | str,
    strength_mg: Decimal,
    steps: Sequence[DirectionStep],
    start: date,
    times_per_day: int = 1,
    translator: Translator = ENGLISH,
) -> list[DoseDays]:
    """The steps with real dates, the first taken on `start` (the day the fill starts)."""
    form = DosageForm(dosage_form)
    how_often = _how_often(times_per_day, translator)
    rows = []
    for step in steps:
        end = start + timedelta(days=step.days - 1)
        amount = _amount(form, strength_mg, step.dose_mg, translator)
        dose = translator.gettext("{amount} by mouth {how_often}")
        rows.append(DoseDays(start, end, dose.format(amount=amount, how_often=how_often)))
        start = end + timedelta(days=1)
    return rows


@dataclass(frozen=True)
class PharmacyDetails:
    name: str
    address: str  # one line: "100 High St, Columbus, OH 43215"
    phone: str


@dataclass(frozen=True)
class LabelFacts:
    """Everything one prescription label prints, from whatever source holds it."""

    rx_number: str
    patient_name: str
    dosage_form: DosageForm
    strength_mg: Decimal
    steps: tuple[DirectionStep, ...]
    quantity: Decimal  # dispensed, in capsules or mL
    refills_left: int
    filled_on: date
    use_by: date  # the beyond-use date
    storage: str
    prescriber_name: str
    pharmacist_initials: str
    pharmacy: PharmacyDetails
    times_per_day: int = 1
    auxiliary: tuple[str, ...] = ()  # "Shake well before each dose."
    drug_name: str = DRUG_NAME
    refill: int = 0  # which fill this is: 0 the original, 1 the first refill...
    refills: int | None = None  # the prescription's refills; None: the fill is not named
    language: str = "en"  # the patient's, a key of PATIENT_LANGUAGES (`print_language`)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dosage_form", DosageForm(self.dosage_form))
        if self.language not in PATIENT_LANGUAGES:
            raise ValueError(f"Rx {self.rx_number}: no label is printed in {self.language!r}")
        object.__setattr__(self, "steps", tuple(self.steps))
        auxiliary = tuple(self.auxiliary)
        if self.dosage_form is DosageForm.ORAL_LIQUID and ORAL_SYRINGE not in auxiliary:
            auxiliary += (ORAL_SYRINGE,)
        object.__setattr__(self, "auxiliary", auxiliary)
        if not self.rx_number.strip() or not self.rx_number.isascii():
            raise ValueError(f"Rx number {self.rx_number!r} must be plain ASCII (it is barcoded)")
        required = {
            "the patient's name": self.patient_name,
            "storage instructions": self.storage,
            "the prescriber's name": self.prescriber_name,
            "the pharmacist's initials": self.pharmacist_initials,
            "the pharmacy's name": self.pharmacy.name,
            "the pharmacy's address": self.pharmacy.address,
            "the pharmacy's phone": self.pharmacy.phone,
        }
        for what, text in required.items():
            if not text.strip():
                raise ValueError(f"Rx {self.rx_number}: the label needs {what}")
        if self.refills_left < 0:
            raise ValueError(f"Rx {self.rx_number}: refills left cannot be negative")
        if self.refills is not None and not 0 <= self.refill <= self.refills:
            raise ValueError(
                f"Rx {self.rx_number}: refill {self.refill} is not a fill of a prescription "
                f"with {self.refills} refills"
            )
        if self.use_by < self.filled_on:
            raise ValueError(f"Rx {self.rx_number}: the use-by date is before the fill date")

    @property
    def drug(self) -> str:
        return drug_description(self.dosage_form, self.strength_mg, self.drug_name)

    @property
    def unit(self) -> str:
        return self.dosage_form.unit

    @property
    def directions(self) -> list[str]:
        return directions_lines(self.dosage_form, self.strength_mg, self.steps, self.times_per_day)

    def directions_in(self, translator: Translator) -> list[str]:
        return directions_lines(
            self.dosage_form, self.strength_mg, self.steps, self.times_per_day, translator
        )


def quantity_text(quantity: Decimal, unit: str) -> str:
    return f"{number(quantity)} {plural(quantity, unit) if unit == 'capsule' else unit}"


def refills_text(refills_left: int) -> str:
    if refills_left == 0:
        return "No refills"
    return f"{refills_left} {plural(refills_left, 'refill')} left"


def fill_refills_text(refill: int, refills: int, refills_left: int) -> str:
    """Which fill this is and what is left after it: "Refill 1 of 2 · 1 refill left",
    "Original fill · 2 refills left", "Refill 2 of 2 · No refills left". After the
    fill's name, a bare "No refills" could be read as "this is not a refill"."""
    left = refills_text(refills_left) if refills_left else "No refills left"
    return f"{refill_line(refill, refills)} · {left}"


def label_fields(facts: LabelFacts, translator: Translator = ENGLISH) -> dict[str, tuple[str, ...]]:
    """Each label field's text, one entry per line that must start a new line.

    `translator` is the catalog of `facts.language`: the directions, auxiliary lines and
    warning print in it, and the warning again in English, with the English copy."""
    pharmacy = facts.pharmacy
    english = facts.language == "en"
    if not english and translator is ENGLISH:
        raise ValueError(f"Rx {facts.rx_number}: a label in {facts.language!r} needs its catalog")
    if english:
        translator = ENGLISH
    warning = translator.gettext(OPIOID_WARNING)
    return {
        "patient_name": (facts.patient_name,),
        "drug": (facts.drug,),
        "directions": tuple(facts.directions_in(translator)),
        "auxiliary": tuple(translator.gettext(line) for line in facts.auxiliary),
        "warning": (warning,) if english else (warning, OPIOID_WARNING),
        "directions_english": () if english else tuple(facts.directions),
        "auxiliary_english": () if english else facts.auxiliary,
        "rx_number": (f"Rx {facts.rx_number}",),
        "quantity": (f"Qty: {quantity_text(facts.quantity, facts.unit)}",),
        "refills": (
            refills_text(facts.refills_left)
            if facts.refills is None
            else fill_refills_text(facts.refill, facts.refills, facts.refills_left),
        ),
        "filled": (f"Filled: {long_date(facts.filled_on)}",),
        "use_by": (f"Use by: {long_date(facts.use_by)}",),
        "storage": (facts.storage,),
        "compounded": (COMPOUNDED_STATEMENT,),
        "prescriber": (f"Prescriber: {facts.prescriber_name}",),
        "pharmacist": (f"RPh: {facts.pharmacist_initials}",),
        "pharmacy_name": (pharmacy.name,),
        "pharmacy_address": (pharmacy.address,),
        "pharmacy_phone": (pharmacy.phone,),
    }


class _Priced(Protocol):
    label: str
    amount: Decimal


@dataclass(frozen=True)
class ReceiptLine:
    label: str
    amount: Decimal


@dataclass(frozen=True)
class ReceiptFacts:
    """A cash receipt: every price line, and a total that is their sum (domain §5)."""

    pharmacy: PharmacyDetails
    patient_name: str
    rx_number: str
    date: date
    lines: tuple[ReceiptLine, ...]
    total: Decimal
    payment: str  # "Paid by card ending 4242", "Cash", "Due at pickup"
    amount_paid: Decimal | None = None
    item: str = ""  # "Naltrexone HCl 1.5 mg capsule, 30 capsules"
    # What was taken and given back at the counter, in order: a refund's amount is
    # negative. When there is any, these rows replace `payment` and `amount_paid`.
    payments: tuple[ReceiptLine, ...] = ()
    waived: str = ""  # "Payment waived by P. Pharmacist: ..." when a pharmacist waived it
    prescriber: str = ""
    days_supply: int | None = None
    pharmacy_npi: str = ""
    # The day the fill was handed over, which an HSA/FSA administrator's line names.
    dispensed_on: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        if not self.lines:
            raise ValueError(f"Rx {self.rx_number}: a receipt needs at least one price line")
        added = sum((line.amount for line in self.lines), Decimal(0))
        if added != self.total:
            raise ValueError(
                f"Rx {self.rx_number}: the price lines add up to {money(added)}, "
                f"not the total {money(self.total)}"
            )

    @staticmethod
    def lines_from(priced: Iterable[_Priced]) -> tuple[ReceiptLine, ...]:
        """Receipt lines from any priced lines (`pricing.PriceLine`): label and amount."""
        return tuple(ReceiptLine(line.label, line.amount) for line in priced)


def receipt_fields(facts: ReceiptFacts) -> dict[str, tuple[str, ...]]:
    pharmacy = facts.pharmacy
    return {
        "pharmacy_name": (pharmacy.name,),
        "pharmacy_address": (pharmacy.address,),
        "pharmacy_phone": (pharmacy.phone,),
        "title": ("Receipt",),
        "patient_name": (f"Patient: {facts.patient_name}",),
        "rx_number": (f"Rx {facts.rx_number}",),
        "date": (f"Date: {long_date(facts.date)}",),
        "item": (facts.item,) if facts.item else (),
        "prescriber": (f"Prescriber: {facts.prescriber}",) if facts.prescriber else (),
        "days_supply": (f"Days supply: {facts.days_supply}",) if facts.days_supply else (),
        "pharmacy_npi": (f"Pharmacy NPI: {facts.pharmacy_npi}",) if facts.pharmacy_npi else (),
        "eligible_expense": _eligible_expense(facts),
    }


def _eligible_expense(facts: ReceiptFacts) -> tuple[str, ...]:
    """The line an HSA/FSA administrator needs to accept the receipt as a claim."""
    if facts.dispensed_on is None:
        return ()
    return (
        "Prescription medicine: eligible medical expense; "
        f"Rx {facts.rx_number}, dispensed {long_date(facts.dispensed_on)}",
    )


def receipt_rows(facts: ReceiptFacts) -> Mapping[str, tuple[tuple[str, str], ...]]:
    """Two-column rows (words, amount) of the receipt's price table, total and payment."""
    payment: list[tuple[str, str]] = []
    if facts.payments or facts.waived:
        payment.extend((line.label, money(line.amount)) for line in facts.payments)
        net = sum((line.amount for line in facts.payments), Decimal(0))
        if any(line.amount < 0 for line in facts.payments):
            payment.append(("Net paid", money(net)))
        if facts.waived:
            payment.append((facts.waived, ""))
        elif net < facts.total and not any(line.amount < 0 for line in facts.payments):
            payment.append(("Balance due", money(facts.total - net)))
    elif facts.amount_paid is None:
        payment.append((f"Payment: {facts.payment}", ""))
    else:
        payment.append((f"Paid: {facts.payment}", money(facts.amount_paid)))
        due = facts.total - facts.amount_paid
        if due:
            payment.append(("Balance due" if due > 0 else "Change", money(abs(due))))
    return {
        "price_lines": tuple((line.label, money(line.amount)) for line in facts.lines),
        "total": (("Total", money(facts.total)),),
        "payment": tuple(payment),
    }
