"""A prescription's versions: what a prescriber's answer to a pharmacist's question
changes, and how two versions differ.

The clinic answers with `changes`: any fields of a submitted prescription, nested as
at submit. They are laid over the version in force (a field sent replaces that field;
an object sent is laid over the object; a list sent replaces the list), and the result
is checked by every rule of a new prescription. Who the prescription is for and who
wrote it cannot change: that is another prescription.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .prescription import Problem

CHANGES = "changes"

# The fields an answer may not change, and why.
FIXED: dict[str, str] = {
    "patient.first_name": "the patient of a prescription cannot change",
    "patient.last_name": "the patient of a prescription cannot change",
    "patient.date_of_birth": "the patient of a prescription cannot change",
    "prescriber.npi": "the prescriber of a prescription cannot change",
    "renews": "the prescription a prescription renews cannot change",
}
SEND_ANOTHER = ": cancel it and send a new prescription"


@dataclass(frozen=True)
class Difference:
    field: str  # "medication.strength_mg", "directions.steps[1].days"
    before: str
    after: str


def with_changes(body: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`body` with `changes` laid over it; neither is modified."""
    merged = dict(body)
    for name, value in changes.items():
        earlier = merged.get(name)
        if isinstance(value, Mapping) and isinstance(earlier, Mapping):
            merged[name] = with_changes(earlier, value)
        else:
            merged[name] = value
    return merged


def fixed_field_problems(body: Mapping[str, Any], changes: Mapping[str, Any]) -> list[Problem]:
    """A problem for each field of `FIXED` that the changes would give another value."""
    merged = with_changes(body, changes)
    before, after = _flat(body), _flat(merged)
    return [
        Problem(f"{CHANGES}.{field}", why + SEND_ANOTHER)
        for field, why in FIXED.items()
        if before.get(field) != after.get(field)
    ]


def in_changes(problems: list[Problem]) -> list[Problem]:
    """Problems found in the changed prescription, named where the clinic sent them."""
    return [Problem(f"{CHANGES}.{p.field}" if p.field else CHANGES, p.message) for p in problems]


def differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Difference]:
    """Every field whose value differs between two versions, in the later one's order
    (fields only the earlier one has come last)."""
    old, new = _flat(before), _flat(after)
    names = list(new) + [name for name in old if name not in new]
    return [
        Difference(name, old.get(name, "—"), new.get(name, "—"))
        for name in names
        if old.get(name) != new.get(name)
    ]


def _flat(value: Any, prefix: str = "") -> dict[str, str]:
    """Dotted field names to the text of each value: objects and lists of objects are
    opened, a list of plain values is one field."""
    if isinstance(value, Mapping):
        flat: dict[str, str] = {}
        for name, inner in value.items():
            flat.update(_flat(inner, f"{prefix}.{name}" if prefix else str(name)))
        return flat
    if isinstance(value, list) and any(isinstance(item, Mapping) for item in value):
        flat = {}
        for index, inner in enumerate(value):
            flat.update(_flat(inner, f"{prefix}[{index}]"))
        return flat
    if isinstance(value, list):
        return {prefix: ", ".join(_text(item) for item in value)}
    return {prefix: _text(value)}


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
