"""Reading a FHIR request: its body, checked by the FHIR R4 models, and its references.

The body is read as strictly as /api/v1 reads its own (`body`: exact decimals, no
duplicate keys, no NaN), then validated by `fhir.resources` (its R4B models, which read
R4 MedicationRequests, Patients, Practitioners, Medications and Bundles as they are):
a body that is not a well-formed resource of the expected type is refused with 400 and
an issue per fault, its `expression` the FHIRPath of the element. What it validates
stays the plain JSON the clinic sent: the mapping (`mapping`) reads that, so values
reach the JSON API's own schema exactly as sent (a quoted number stays a string there,
and is refused by the same rule as /api/v1 refuses it).

A MedicationRequest's references to its Patient, Practitioner and Medication resolve to
resources it contains (`#id`), or in a Bundle, to the Bundle's entries (by `fullUrl`, or
`Type/id`): `Parts` finds them, with the FHIRPath of where each one sits.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import request
from pydantic import ValidationError

from ..body import _exact, _raw_body, _refuse_constant, _refuse_duplicates
from .outcome import FHIR_JSON, FhirRefusal, Issue, refused

# What a clinic may send the body as: FHIR's own type, or plain JSON.
MEDIA_TYPES = (FHIR_JSON, "application/json")

Resource = dict[str, Any]


def read_body() -> Resource:
    """The body as a JSON object, every non-integer number an exact Decimal."""
    raw = _raw_body()
    if request.mimetype not in MEDIA_TYPES:
        raise refused(415, "not-supported", f"send the body as {FHIR_JSON}")
    try:
        document = json.loads(
            raw.decode("utf-8"),
            parse_float=_exact,
            parse_constant=_refuse_constant,
            object_pairs_hook=_refuse_duplicates,
        )
    except UnicodeDecodeError:
        raise refused(400, "structure", "the body is not UTF-8 text") from None
    except RecursionError:
        raise refused(400, "structure", "the body is nested too deeply") from None
    except ValueError as error:
        raise refused(400, "structure", f"the body is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise refused(400, "structure", "the body must be a FHIR resource, a JSON object")
    return document


def checked(document: Resource, resource_type: str) -> Resource:
    """`document` if it is a valid FHIR R4 `resource_type` (every resource in it
    included), else a 400 naming each fault by its FHIRPath."""
    sent = document.get("resourceType")
    if sent != resource_type:
        raise refused(
            400,
            "structure",
            f"this endpoint takes a {resource_type}, not {_named(sent)}",
            f"{resource_type}.resourceType" if sent is not None else resource_type,
        )
    faults = [*_nulls(document, resource_type), *_unknown_resource_types(document, resource_type)]
    if faults:
        raise FhirRefusal(400, faults)
    try:
        get_fhir_model_class(resource_type).model_validate(document)
    except ValidationError as error:
        raise FhirRefusal(400, _structure_issues(error, resource_type)) from None
    except (TypeError, ValueError, KeyError, AttributeError) as error:  # the library's own
        raise refused(400, "structure", f"the {resource_type} cannot be read: {error}") from None
    return document


def _nulls(value: Any, path: str) -> Iterator[Issue]:
    """FHIR JSON has no null element: one left out is absent. (A null inside a list of
    primitives holds the place of an extension, and is allowed.)"""
    if isinstance(value, dict):
        for key, item in value.items():
            if item is None:
                yield Issue("structure", "null is not a FHIR value: leave it out", f"{path}.{key}")
            else:
                yield from _nulls(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if item is not None:
                yield from _nulls(item, f"{path}[{index}]")


def _named(value: Any) -> str:
    return f"a {value}" if isinstance(value, str) and value else "a body without resourceType"


def _unknown_resource_types(document: Resource, root: str) -> Iterator[Issue]:
    """Resources inside `document` (contained, or a Bundle's entries) whose
    resourceType names no FHIR resource: the models cannot even say what is wrong."""
    inner: list[tuple[Any, str]] = []
    for index, entry in enumerate(_list(document.get("entry"))):
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
            resource = entry["resource"]
            path = f"{root}.entry[{index}].resource"
            inner.append((resource, path))
            inner += [
                (c, f"{path}.contained[{i}]")
                for i, c in enumerate(_list(resource.get("contained")))
            ]
    inner += [(c, f"{root}.contained[{i}]") for i, c in enumerate(_list(document.get("contained")))]
    for resource, path in inner:
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if not isinstance(kind, str) or not _is_resource_type(kind):
            yield Issue("structure", f"{_named(kind)} is not a FHIR R4 resource", path)


def get_fhir_model_class(name: str):
    """The R4B model of `name`; imported when first needed, so that the workers, which
    create the app but read no FHIR, never load the models (some 20 MB)."""
    from fhir.resources.R4B import get_fhir_model_class as model_class

    return model_class(name)


def _is_resource_type(name: str) -> bool:
    if not name.isascii() or not name.isalpha() or not name[:1].isupper():
        return False
    try:
        model = get_fhir_model_class(name)
    except ValueError:
        return False
    return model.has_resource_base()


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


_MESSAGES = {
    "extra_forbidden": "is not an element of this resource in FHIR R4",
    "model_field_validation.missing": "is required",
    "missing": "is required",
}
_ISSUE_TYPES = {"model_field_validation.missing": "required", "missing": "required"}


def _structure_issues(error: ValidationError, root: str) -> list[Issue]:
    issues = []
    for item in error.errors(include_url=False, include_input=False):
        message = _MESSAGES.get(item["type"]) or item["msg"].removeprefix("Value error, ")
        code = _ISSUE_TYPES.get(item["type"], "structure")
        issues.append(Issue(code, message, fhir_path(root, item["loc"])))
    return issues


def fhir_path(root: str, location: tuple[Any, ...]) -> str:
    """('dosageInstruction', 0, 'timing') under 'MedicationRequest' ->
    'MedicationRequest.dosageInstruction[0].timing'."""
    path = root
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "resource_type":
            path += "." + str(part).removesuffix("__ext")
    return path


# --- references ------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A resource of the request and the FHIRPath of where it sits."""

    resource: Resource
    path: str

    @property
    def kind(self) -> str:
        return self.resource.get("resourceType", "")


@dataclass
class Parts:
    """The resources a MedicationRequest may reference: those it contains, and in a
    Bundle, the Bundle's entries."""

    contained: dict[str, Part] = field(default_factory=dict)  # "#id"
    entries: dict[str, Part] = field(default_factory=dict)  # fullUrl and "Type/id"
    every: list[Part] = field(default_factory=list)

    @classmethod
    def of(cls, order: Part, bundle_entries: Sequence[Part] = ()) -> Parts:
        parts = cls()
        for index, resource in enumerate(_list(order.resource.get("contained"))):
            part = Part(resource, f"{order.path}.contained[{index}]")
            if "id" in resource:
                parts.contained[f"#{resource['id']}"] = part
            parts.every.append(part)
        for entry in bundle_entries:
            if entry.resource is order.resource:
                continue
            parts.every.append(entry)
        return parts

    def add_entry(self, full_url: str | None, part: Part) -> None:
        if full_url:
            self.entries[full_url] = part
        if "id" in part.resource:
            self.entries[f"{part.kind}/{part.resource['id']}"] = part

    def find(self, reference: Any) -> Part | None:
        """The resource a Reference points to, if the request holds it."""
        target = reference.get("reference") if isinstance(reference, dict) else None
        if not isinstance(target, str):
            return None
        if target.startswith("#"):
            return self.contained.get(target)
        found = self.entries.get(target)
        if found is None and "/" in target:  # an absolute URL ending in Type/id
            found = self.entries.get("/".join(target.rsplit("/", 2)[-2:]))
        return found

    def of_kind(self, kind: str) -> list[Part]:
        return [part for part in self.every if part.kind == kind]


@dataclass(frozen=True)
class Request:
    """The MedicationRequest of a request, where it sits, what it may reference, and
    the whole document sent."""

    order: Part
    parts: Parts
    document: Part
    entries: tuple[Part, ...] = ()  # a Bundle's entries, in order; none sent alone

    def modifier_extensions(self) -> Iterator[str]:
        """The FHIRPath of every modifierExtension sent, anywhere in the document."""
        return _modifier_extensions(self.document.resource, self.document.path)


def _modifier_extensions(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "modifierExtension" and item:
                yield f"{path}.modifierExtension"
            else:
                yield from _modifier_extensions(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _modifier_extensions(item, f"{path}[{index}]")


def medication_request(document: Resource) -> Request:
    """A MedicationRequest sent on its own, its resources contained in it."""
    order = Part(checked(document, "MedicationRequest"), "MedicationRequest")
    return Request(order, Parts.of(order), order)


def transaction(document: Resource) -> Request:
    """A transaction Bundle holding one MedicationRequest and its resources as entries
    (or contained in it)."""
    checked(document, "Bundle")
    if document.get("type") != "transaction":
        raise refused(
            422,
            "value",
            "the Bundle must be a transaction (type 'transaction')",
            "Bundle.type",
        )
    placed = [
        (entry.get("fullUrl"), Part(entry["resource"], f"Bundle.entry[{index}].resource"))
        for index, entry in enumerate(_list(document.get("entry")))
        if isinstance(entry.get("resource"), dict)
    ]
    entries = [part for _, part in placed]
    orders = [entry for entry in entries if entry.kind == "MedicationRequest"]
    if len(orders) != 1:
        raise refused(
            422,
            "invalid",
            f"the Bundle must hold exactly one MedicationRequest (it holds {len(orders)})",
            "Bundle.entry",
        )
    (order,) = orders
    parts = Parts.of(order, entries)
    for full_url, part in placed:
        parts.add_entry(full_url, part)
    return Request(order, parts, Part(document, "Bundle"), tuple(entries))
