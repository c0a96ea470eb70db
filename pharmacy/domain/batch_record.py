"""The batch record's rules (domain §8): the MFR's procedure, each step as ticked at the
bench, and the yield.

A master formulation record carries its procedure in its `formula` JSON (`procedure`: a
list of steps, `equipment`: a list of lines). Formulas are data the pharmacy edits, so
the procedure is read leniently: a step without an id or words is left out, never
guessed at. A step not ticked is recorded as not ticked; verification sees it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

from .prescription import Problem

DEFAULT_YIELD = (Decimal(95), Decimal(105))  # per cent of the batch


@dataclass(frozen=True)
class ProcedureStep:
    id: str
    title: str
    text: str
    check: str | None = None  # capsule_weight | liquid_volume | yield: the QC it is
    yield_percent: tuple[Decimal, Decimal] | None = None


def procedure_of(formula: Mapping[str, Any]) -> tuple[ProcedureStep, ...]:
    """The steps of a formula's procedure, in order; none for a formula without one."""
    steps = []
    seen: set[str] = set()
    for item in formula.get("procedure") or ():
        if not isinstance(item, Mapping):
            continue
        step_id, title = item.get("id"), item.get("title")
        if not isinstance(step_id, str) or not isinstance(title, str) or step_id in seen:
            continue
        seen.add(step_id)
        bounds = item.get("yield_percent")
        steps.append(
            ProcedureStep(
                id=step_id,
                title=title,
                text=str(item.get("text", "")),
                check=item.get("check") if isinstance(item.get("check"), str) else None,
                yield_percent=_bounds(bounds),
            )
        )
    return tuple(steps)


def equipment_of(formula: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(line) for line in formula.get("equipment") or () if str(line).strip())


def _bounds(value: Any) -> tuple[Decimal, Decimal] | None:
    try:
        low, high = (Decimal(str(part)) for part in value)
    except (TypeError, ValueError, ArithmeticError):
        return None
    return (low, high) if low <= high else None


@dataclass(frozen=True)
class StepTick:
    """A step ticked on the compounding form; `at` is the time of day it was done, when
    the compounder wrote it, else the step counts as done when the batch is recorded."""

    step: str
    at: time | None = None


def tick_problems(
    ticks: Sequence[StepTick],
    procedure: Sequence[ProcedureStep],
    day: date,
    recorded_at: datetime,
    zone: tzinfo,
) -> list[Problem]:
    """What is wrong with the ticks: a step the procedure does not have, a step ticked
    twice, a time later than now."""
    problems = []
    known = {step.id for step in procedure}
    seen: set[str] = set()
    for index, tick in enumerate(ticks):
        where = f"steps[{index}]"
        if not isinstance(tick, StepTick) or not isinstance(tick.step, str):
            problems.append(Problem(where, "must be a step of the procedure"))
        elif tick.step not in known:
            problems.append(Problem(where, f"{tick.step!r} is not a step of this formula"))
        elif tick.step in seen:
            problems.append(Problem(where, f"step {tick.step} is ticked twice"))
        elif tick.at is not None and not isinstance(tick.at, time):
            problems.append(Problem(where, "the time must be a time of day (HH:MM)"))
        elif tick.at is not None and datetime.combine(day, tick.at, zone) > recorded_at:
            problems.append(Problem(where, f"{tick.at:%H:%M} is later than now"))
        else:
            seen.add(tick.step)
    return problems


def step_record(
    procedure: Sequence[ProcedureStep],
    ticks: Sequence[StepTick],
    *,
    user_id: int,
    initials: str,
    day: date,
    recorded_at: datetime,
    zone: tzinfo,
) -> list[dict[str, Any]]:
    """Every step of the procedure as the record keeps it (JSON): its words, and for a
    ticked step who ticked it and when (UTC, ISO). Call on ticks without problems."""
    ticked = {tick.step: tick for tick in ticks}
    record = []
    for step in procedure:
        item: dict[str, Any] = {"id": step.id, "title": step.title, "text": step.text}
        tick = ticked.get(step.id)
        if tick is None:
            item["done"] = False
        else:
            at = datetime.combine(day, tick.at, zone) if tick.at is not None else recorded_at
            item |= {"done": True, "by": user_id, "initials": initials, "at": at.isoformat()}
        record.append(item)
    return record


@dataclass(frozen=True)
class YieldResult:
    percent: Decimal  # made / batch × 100, to 0.1 %
    low: Decimal
    high: Decimal

    @property
    def within(self) -> bool:
        return self.low <= self.percent <= self.high

    @property
    def summary(self) -> str:
        where = "within" if self.within else "outside"
        return f"yield {self.percent} % ({where} {self.low}-{self.high} %)"


def batch_yield(
    made: Decimal, batch: Decimal, procedure: Sequence[ProcedureStep] = ()
) -> YieldResult:
    """The yield of a batch against the bounds of the procedure's yield step (95-105 %
    when it names none)."""
    bounds = next(
        (s.yield_percent for s in procedure if s.check == "yield" and s.yield_percent),
        DEFAULT_YIELD,
    )
    percent = (Decimal(made) * 100 / Decimal(batch)).quantize(Decimal("0.1"))
    return YieldResult(percent, *bounds)


# --- the printed record -------------------------------------------------------------------


@dataclass(frozen=True)
class Weighing:
    ingredient: str  # the ingredient's name
    lot_number: str
    vendor: str
    expires_on: str
    planned: str  # what the worksheet said, with its unit ("" when it named none)
    actual: str  # what was weighed, measured or counted, with its unit


@dataclass(frozen=True)
class StepDone:
    title: str
    text: str
    done: bool
    initials: str
    at: str  # the pharmacy's local time, "" when not ticked


@dataclass(frozen=True)
class BatchRecordFacts:
    """Everything USP <795> asks of a compounding record (domain §8), as printed."""

    pharmacy: str
    rx_number: str
    fill: str  # "Fill 0 (original)", "Fill 2 (refill 2)"
    patient: str
    prescriber: str
    preparation: str  # "Naltrexone HCl 1.5 mg capsules"
    formula: str  # the MFR's name
    formula_version: int
    equipment: tuple[str, ...]
    compounded_on: str
    compounded_at: str
    compounded_by: str
    verified_by: str  # "" while not verified
    verified_at: str
    quantity_to_dispense: str
    batch_quantity: str
    quantity_made: str
    beyond_use_date: str
    weighings: tuple[Weighing, ...]
    calculations: tuple[str, ...]
    steps: tuple[StepDone, ...]
    qc_passed: bool
    qc_summary: str
    qc_measured: str
    yield_summary: str
    deviations: str
    printed_at: str


def calculation_lines(worksheet: Mapping[str, Any]) -> tuple[str, ...]:
    """The worksheet's arithmetic in sentences, as far as the worksheet has it."""
    lines = []
    unit = "capsules" if worksheet.get("unit") == "capsule" else "mL"
    if "quantity" in worksheet and "batch_quantity" in worksheet:
        lines.append(
            f"Batch: {worksheet['quantity']} {unit} to dispense + "
            f"{worksheet.get('overage_percent', '?')} % overage = "
            f"{worksheet['batch_quantity']} {unit}"
        )
    api = worksheet.get("api") or {}
    if api:
        lines.append(
            f"Naltrexone HCl needed: {api.get('batch_quantity')} × {api.get('per_unit_mg')} mg "
            f"= {api.get('needed_mg')} mg (as the HCl, MW {api.get('reference_mw')})"
        )
        for share in api.get("shares") or ():
            lines.append(
                f"Lot {share.get('lot_number')}: {share.get('form') or 'form not stated'}, "
                f"MW {share.get('molecular_weight')}, assay {share.get('assay_percent')} % → "
                f"factor {share.get('factor')}; weigh {share.get('weigh_mg')} mg"
            )
        lines.append(f"Naltrexone lot powder to weigh: {api.get('weighed_mg')} mg")
    aliquot = worksheet.get("aliquot")
    if aliquot:
        al_unit = aliquot.get("unit", "")
        lines.append(
            f"Aliquot 1 in {aliquot.get('ratio')}: weigh {aliquot.get('api_weighed_mg')} mg API "
            f"+ {aliquot.get('diluent_amount')} {al_unit} diluent = "
            f"{aliquot.get('stock_amount')} {al_unit}; take {aliquot.get('portion_amount')} "
            f"{al_unit}"
        )
    if worksheet.get("fill_weight_mg"):
        lines.append(
            f"Per capsule: fill weight {worksheet['fill_weight_mg']} mg = API "
            f"{worksheet.get('api_per_capsule_mg')} mg + filler "
            f"{worksheet.get('filler_per_capsule_mg')} mg"
        )
    return tuple(lines)
