"""A FHIR MedicationRequest read as the JSON API's submit body, and where each field of
that body came from.

The body is what a clinic would have sent to `POST /api/v1/prescriptions`; the routes
hand it to the same schema and the same submit service, so every rule and refusal is
the JSON API's. `Mapped.sources` keeps, for each field of the body, the FHIRPath of the
element it was read from (or would have been), so a refusal naming
`directions.steps[1].dose_mg` is reported at
`MedicationRequest.dosageInstruction[1].doseAndRate[0].doseQuantity`.

What the FHIR models do not bind, this module checks: the prescriber's NPI (system
`http://hl7.org/fhir/sid/us-npi`), naltrexone as RxNorm 7243, mg in UCUM, the dose
forms (capsule, oral solution), the units of a strength, a dose and a duration, and
that the request is an active order. Values are passed on as the clinic sent them, so
a quoted number, a fraction of a day or a true/false count is refused by the JSON API's
own rule; only a dose given in capsules or mL, or a strength over a denominator other
than 1, is worked out here, exactly, from the numbers sent.

Read from the request: the Practitioner (requester), the Patient (subject), the
Medication (medicationReference), `dosageInstruction[]` in `sequence` order (timing
frequency per day, `boundsDuration`, `doseAndRate[0].doseQuantity`), `dispenseRequest`
(`expectedSupplyDuration`, `numberOfRepeatsAllowed`), `authoredOn`, an ICD-10-CM
`reasonCode`, `note`, `priorPrescription` (a renewal), the `identifier`, and any
MedicationStatement, AllergyIntolerance and Condition resources sent with it (the
patient's medications, allergies and conditions, which the order is screened on; none
sent: the lists on record stand, as when /api/v1 leaves a list out).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pharmacy.domain.prescription import DEFAULT_DAYS_SUPPLY

from ..schemas import MAX_EXPONENT
from .outcome import Issue
from .reading import Part, Request

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NALTREXONE = "7243"
NPI = "http://hl7.org/fhir/sid/us-npi"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
DRUG_FORM = "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"

# The dose forms LDN is made in, as coded in a Medication's `form`.
DOSE_FORMS = {
    (SNOMED, "385049006"): "capsule",
    (DRUG_FORM, "CAP"): "capsule",
    (SNOMED, "385023001"): "oral_liquid",
    (DRUG_FORM, "ORALSOL"): "oral_liquid",
}
FORM_CODES = (
    "a capsule (SNOMED CT 385049006, or v3 orderableDrugForm CAP) or an oral solution "
    "(SNOMED CT 385023001, or ORALSOL)"
)
# What a dose, or a strength's numerator or denominator, is counted in.
UNITS = {
    (UCUM, "mg"): "mg",
    (UCUM, "mL"): "mL",
    (UCUM, "{capsule}"): "capsule",
    (DRUG_FORM, "CAP"): "capsule",
    (SNOMED, "732937005"): "capsule",  # Capsule (unit of presentation)
}
# The unit one dose form is counted in.
COUNTED_IN = {"capsule": "capsule", "oral_liquid": "mL"}
DAYS_IN = {"d": 1, "wk": 7}
# MedicationRequest statuses and intents that make a prescription to fill.
ACTIVE = "active"
ORDER_INTENTS = ("order", "original-order")
# A MedicationStatement, allergy or condition that is the patient's today.
CURRENT_MEDICATION = ("active", "intended", "on-hold", "unknown")
NOT_SO = ("refuted", "entered-in-error")  # verificationStatus
CURRENT_CLINICALLY = (None, "active", "recurrence", "relapse")
IDEMPOTENCY_PREFIX = "fhir:"
KEY_MAX = 255


@dataclass(frozen=True)
class OrderNumber:
    """The EHR's order number: the identifier a retry is known by."""

    system: str | None
    value: str
    expression: str

    @property
    def key(self) -> str:
        """The idempotency key, apart from /api/v1's Idempotency-Keys by its prefix."""
        return f"{IDEMPOTENCY_PREFIX}{self.system or ''}|{self.value}"

    def as_identifier(self) -> dict[str, Any]:
        sent = {"system": self.system, "value": self.value}
        return {key: value for key, value in sent.items() if value is not None}


@dataclass
class Mapped:
    """The submit body read from a MedicationRequest, where each field came from, and
    what was already found wrong on the way."""

    root: str
    body: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # body field -> FHIRPath
    problems: list[Issue] = field(default_factory=list)
    flagged: set[str] = field(default_factory=set)  # fields refused here already
    order_number: OrderNumber | None = None

    def expression(self, name: str) -> str:
        """The FHIRPath of body field `name`, or of the nearest field above it."""
        path = name
        while path not in self.sources:
            cut = max(path.rfind("."), path.rfind("["))
            if cut <= 0:
                return self.root
            path = path[:cut]
        return self.sources[path]

    def refused_here(self, name: str) -> bool:
        """Whether a refusal of `name` would repeat one made while reading."""
        return any(
            name == flagged or name.startswith((flagged + ".", flagged + "["))
            for flagged in self.flagged
        )

    def issue(self, code: str, name: str, message: str) -> Issue:
        """A refusal of body field `name`, placed where it came from."""
        return Issue(code, message, self.expression(name), field=name)


def read(request: Request) -> Mapped:
    return _Reader(request).read()


def _is_number(value: Any) -> bool:
    """A JSON number of a size arithmetic can be done with (as the schema judges it)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return False
    number = Decimal(value)
    return number.is_finite() and -MAX_EXPONENT <= number.adjusted() <= MAX_EXPONENT


def _strings(values: Any) -> list[str]:
    """A list of FHIR strings, less the nulls that hold an extension's place."""
    return [value for value in values or [] if isinstance(value, str)]


def _whole(value: Any) -> int:
    """A sequence as a sort key: a whole number, else first."""
    return value if type(value) is int else 0


def _codings(concept: Any) -> list[dict[str, Any]]:
    return (concept or {}).get("coding") or []


def _code_of(concept: Any, system: str) -> str | None:
    return next((c.get("code") for c in _codings(concept) if c.get("system") == system), None)


def _text_of(concept: Any) -> str | None:
    """What a CodeableConcept calls its concept: its text, or a coding's display."""
    concept = concept or {}
    return concept.get("text") or next(
        (c["display"] for c in _codings(concept) if c.get("display")), None
    )


def _unit(quantity: dict[str, Any]) -> str | None:
    return UNITS.get((quantity.get("system"), quantity.get("code")))


def _put(target: dict[str, Any], name: str, value: Any) -> None:
    if value is not None:
        target[name] = value


def _preferred(items: list[dict[str, Any]], uses: Iterable[str]) -> int:
    """The index of the first item of the most preferred `use`, else 0."""
    for use in uses:
        for index, item in enumerate(items):
            if item.get("use") == use:
                return index
    return 0


class _Reader:
    def __init__(self, request: Request) -> None:
        self.request = request
        self.order = request.order.resource
        self.at = request.order.path
        self.mapped = Mapped(root=self.at)
        self.form: str | None = None
        self.strength: Decimal | None = None

    # --- what every part uses ------------------------------------------------------------

    def source(self, name: str, expression: str) -> None:
        self.mapped.sources[name] = expression

    def problem(self, code: str, message: str, expression: str, name: str | None = None):
        self.mapped.problems.append(Issue(code, message, expression, field=name))
        if name is not None:
            self.mapped.flagged.add(name)

    def understood(self) -> None:
        """A modifierExtension changes what its element means; none is known here, so
        an order that has one, anywhere, is not taken."""
        for where in self.request.modifier_extensions():
            self.problem(
                "not-supported",
                "a modifierExtension changes what this element means, and this pharmacy "
                "does not know it: send the order without it",
                where,
            )

    def referenced(
        self, reference: Any, kind: str, where: str, name: str, *, or_kind: str | None = None
    ) -> Part | None:
        """The resource `reference` points to, if it is in the request and a `kind` (or
        an `or_kind`); else None, and the problem told."""
        self.source(name, where)
        if reference is None:
            self.problem("required", f"is required: a reference to a {kind}", where, name)
            return None
        part = self.request.parts.find(reference)
        if part is None:
            shown = reference.get("reference") if isinstance(reference, dict) else None
            self.problem(
                "not-found",
                f"{shown or 'the reference'} is not in this request: send the {kind} "
                "contained in the MedicationRequest (reference '#id') or as an entry of "
                "the Bundle",
                where,
                name,
            )
            return None
        if part.kind not in (kind, or_kind):
            self.problem("invalid", f"must reference a {kind}, not a {part.kind}", where, name)
            return None
        self.source(name, part.path)
        return part

    # --- the whole order -----------------------------------------------------------------

    def read(self) -> Mapped:
        order, at, body = self.order, self.at, self.mapped.body
        self.source("body", at)
        self.understood()
        if order.get("status") != ACTIVE:
            self.problem("value", "a new prescription is sent as 'active'", f"{at}.status")
        if order.get("intent") not in ORDER_INTENTS:
            self.problem("value", "a prescription to fill is sent as an 'order'", f"{at}.intent")
        if order.get("doNotPerform") is True:
            self.problem(
                "not-supported", "an order not to dispense is not taken", f"{at}.doNotPerform"
            )
        self.order_number()
        _put(body, "prescriber", self.prescriber())
        _put(body, "patient", self.patient())
        _put(body, "medication", self.medication())
        dispense = order.get("dispenseRequest") or {}
        supply = dispense.get("expectedSupplyDuration")
        self.source("days_supply", f"{at}.dispenseRequest.expectedSupplyDuration")
        if supply is not None:
            where = self.mapped.sources["days_supply"]
            _put(body, "days_supply", self.days(supply, where, "days_supply"))
        _put(body, "directions", self.directions(body.get("days_supply")))
        self.source("refills", f"{at}.dispenseRequest.numberOfRepeatsAllowed")
        _put(body, "refills", dispense.get("numberOfRepeatsAllowed"))
        self.source("written_on", f"{at}.authoredOn")
        authored = order.get("authoredOn")
        if isinstance(authored, str) and authored[10:11] == "T":
            authored = authored[:10]  # the day it was written, as the EHR wrote it
        _put(body, "written_on", authored)
        self.diagnosis()
        notes = [note.get("text") for note in order.get("note") or [] if note.get("text")]
        self.source("notes", f"{at}.note")
        if notes:
            body["notes"] = "\n\n".join(notes)
        self.renews()
        return self.mapped

    def order_number(self) -> None:
        identifiers = self.order.get("identifier") or []
        if not identifiers:
            return
        placer = [
            index
            for index, identifier in enumerate(identifiers)
            if any(
                c.get("system") == IDENTIFIER_TYPE and c.get("code") == "PLAC"
                for c in _codings(identifier.get("type"))
            )
        ]
        index = placer[0] if placer else _preferred(identifiers, ("official", "usual"))
        chosen, where = identifiers[index], f"{self.at}.identifier[{index}]"
        value = chosen.get("value")
        if not value:
            self.problem(
                "required",
                "the order number needs its value: a retry is known by it",
                f"{where}.value",
            )
            return
        number = OrderNumber(chosen.get("system"), value, where)
        if len(number.key) > KEY_MAX:
            self.problem(
                "value",
                f"the order number's system and value together must be at most "
                f"{KEY_MAX - len(IDEMPOTENCY_PREFIX) - 1} characters",
                where,
            )
            return
        self.mapped.order_number = number

    # --- people --------------------------------------------------------------------------

    def name(self, resource: dict[str, Any], path: str, prefix: str, out: dict) -> None:
        names = resource.get("name") or []
        if not names:
            self.source(f"{prefix}.first_name", f"{path}.name")
            self.source(f"{prefix}.last_name", f"{path}.name")
            return
        index = _preferred(names, ("official", "usual"))
        name, where = names[index], f"{path}.name[{index}]"
        self.source(f"{prefix}.first_name", f"{where}.given")
        self.source(f"{prefix}.last_name", f"{where}.family")
        given = _strings(name.get("given"))
        if given:
            out["first_name"] = " ".join(given)
        _put(out, "last_name", name.get("family"))

    def phone(self, resource: dict[str, Any], path: str, prefix: str, out: dict, uses) -> None:
        telecom = resource.get("telecom") or []
        phones = [t for t in telecom if t.get("system") == "phone" and t.get("value")]
        self.source(f"{prefix}.phone", f"{path}.telecom")
        if phones:
            chosen = phones[_preferred(phones, uses)]
            index = next(i for i, t in enumerate(telecom) if t is chosen)
            self.source(f"{prefix}.phone", f"{path}.telecom[{index}].value")
            out["phone"] = chosen["value"]

    def prescriber(self) -> dict[str, Any] | None:
        """The Practitioner who wrote it: the requester, or the practitioner of the
        requester's PractitionerRole (whose phone counts when the person has none)."""
        part = self.referenced(
            self.order.get("requester"),
            "Practitioner",
            f"{self.at}.requester",
            "prescriber",
            or_kind="PractitionerRole",
        )
        role = None
        if part is not None and part.kind == "PractitionerRole":
            role = part
            part = self.referenced(
                role.resource.get("practitioner"),
                "Practitioner",
                f"{role.path}.practitioner",
                "prescriber",
            )
        if part is None:
            return None
        practitioner, path, out = part.resource, part.path, {}
        identifiers = practitioner.get("identifier") or []
        npis = [i for i, identifier in enumerate(identifiers) if identifier.get("system") == NPI]
        self.source("prescriber.npi", f"{path}.identifier")
        if npis:
            self.source("prescriber.npi", f"{path}.identifier[{npis[0]}].value")
            _put(out, "npi", identifiers[npis[0]].get("value"))
        else:
            self.problem(
                "required",
                f"the prescriber's NPI is required: an identifier with system {NPI}",
                f"{path}.identifier",
                "prescriber.npi",
            )
        self.name(practitioner, path, "prescriber", out)
        self.phone(practitioner, path, "prescriber", out, ("work", "mobile"))
        if "phone" not in out and role is not None:
            self.phone(role.resource, role.path, "prescriber", out, ("work", "mobile"))
        return out

    def patient(self) -> dict[str, Any] | None:
        part = self.referenced(
            self.order.get("subject"), "Patient", f"{self.at}.subject", "patient"
        )
        if part is None:
            return None
        patient, path, out = part.resource, part.path, {}
        self.name(patient, path, "patient", out)
        self.source("patient.date_of_birth", f"{path}.birthDate")
        _put(out, "date_of_birth", patient.get("birthDate"))
        self.phone(patient, path, "patient", out, ("mobile", "home"))
        _put(out, "address", self.address(patient, path))
        self.lists(out)
        return out

    def address(self, patient: dict[str, Any], path: str) -> dict[str, Any] | None:
        addresses = patient.get("address") or []
        if not addresses:
            return None
        index = _preferred(addresses, ("home",))
        sent, where, out = addresses[index], f"{path}.address[{index}]", {}
        self.source("patient.address", where)
        lines = _strings(sent.get("line"))
        self.source("patient.address.line1", f"{where}.line[0]" if lines else f"{where}.line")
        if lines:
            out["line1"] = lines[0]
        if len(lines) > 1:
            self.source("patient.address.line2", f"{where}.line[1]")
            out["line2"] = ", ".join(lines[1:])
        for name, element in (("city", "city"), ("state", "state"), ("postal_code", "postalCode")):
            self.source(f"patient.address.{name}", f"{where}.{element}")
            _put(out, name, sent.get(element))
        return out

    # --- the patient's lists, screened with the order --------------------------------------

    def lists(self, out: dict[str, Any]) -> None:
        parts = self.request.parts
        statements = parts.of_kind("MedicationStatement")
        if statements:
            current = [p for p in statements if p.resource.get("status") in CURRENT_MEDICATION]
            out["medications"] = self.items("patient.medications", current, self.medication_used)
        allergies = parts.of_kind("AllergyIntolerance")
        if allergies:
            current = [p for p in allergies if self.clinically_current(p)]
            out["allergies"] = self.items("patient.allergies", current, self.coded_name)
        conditions = parts.of_kind("Condition")
        if conditions:
            current = [p for p in conditions if self.clinically_current(p)]
            out["conditions"] = self.items("patient.conditions", current, self.coded_name)

    def items(self, name: str, parts: list[Part], read_one) -> list[Any]:
        """The list field `name` from `parts`, each read by `read_one` (-> the item, or
        None, and the FHIRPath it was read from)."""
        self.source(name, parts[0].path if parts else self.at)
        items = []
        for part in parts:
            item, where = read_one(part)
            if item is not None:
                self.source(f"{name}[{len(items)}]", where)
                items.append(item)
        return items

    @staticmethod
    def clinically_current(part: Part) -> bool:
        resource = part.resource
        clinical = _codings(resource.get("clinicalStatus"))
        verification = _codings(resource.get("verificationStatus"))
        return (clinical[0].get("code") if clinical else None) in CURRENT_CLINICALLY and not any(
            c.get("code") in NOT_SO for c in verification
        )

    def coded_name(self, part: Part) -> tuple[str | None, str]:
        concept, where = part.resource.get("code") or {}, f"{part.path}.code"
        text = _text_of(concept)
        if text is None:
            self.problem("required", "name it: code.text, or a coding's display", where)
        return text, where

    def medication_used(self, part: Part) -> tuple[dict[str, Any] | str | None, str]:
        statement = part.resource
        concept, where, display = None, f"{part.path}.medicationCodeableConcept", None
        if "medicationCodeableConcept" in statement:
            concept = statement["medicationCodeableConcept"]
        elif "medicationReference" in statement:
            where = f"{part.path}.medicationReference"
            display = statement["medicationReference"].get("display")
            found = self.request.parts.find(statement["medicationReference"])
            if found is not None and found.kind == "Medication":
                concept = found.resource.get("code")
        rxnorm = _code_of(concept, RXNORM)
        name = _text_of(concept) or display or (f"RxNorm {rxnorm}" if rxnorm else None)
        if name is None:
            self.problem("required", "name the medication: text, or a coding's display", where)
            return None, where
        dosage = next((d.get("text") for d in statement.get("dosage") or [] if d.get("text")), None)
        named = f"{name} {dosage}" if dosage else name
        # As /api/v1 takes a line: coded, or as text alone.
        return ({"name": named, "rxnorm": rxnorm} if rxnorm else named), where

    # --- the medication ------------------------------------------------------------------

    def medication(self) -> dict[str, Any] | None:
        if "medicationCodeableConcept" in self.order:
            self.problem(
                "not-supported",
                "name a Medication resource (contained, or an entry of the Bundle) that "
                "gives naltrexone's strength per capsule or per mL: medicationReference",
                f"{self.at}.medicationCodeableConcept",
                "medication",
            )
            return None
        part = self.referenced(
            self.order.get("medicationReference"),
            "Medication",
            f"{self.at}.medicationReference",
            "medication",
        )
        if part is None:
            return None
        medication, path, out = part.resource, part.path, {}
        self.source("medication.dosage_form", f"{path}.form")
        forms = {
            DOSE_FORMS.get((c.get("system"), c.get("code")))
            for c in _codings(medication.get("form"))
        }
        forms.discard(None)
        if len(forms) == 1:
            self.form = forms.pop()
            out["dosage_form"] = self.form
        else:
            self.problem(
                "code-invalid", f"must be {FORM_CODES}", f"{path}.form", "medication.dosage_form"
            )
        named = [
            c.get("code") for c in _codings(medication.get("code")) if c.get("system") == RXNORM
        ]
        if named and NALTREXONE not in named:
            self.problem(
                "code-invalid",
                f"RxNorm {', '.join(map(str, named))} is not naltrexone (RxNorm {NALTREXONE}): "
                "this pharmacy compounds low dose naltrexone only",
                f"{path}.code",
            )
        _put(out, "strength_mg", self.strength_of(medication, path))
        return out

    def strength_of(self, medication: dict[str, Any], path: str) -> Any:
        ingredients = medication.get("ingredient") or []
        naltrexone = []
        for index, ingredient in enumerate(ingredients):
            item = ingredient.get("itemCodeableConcept")
            if _code_of(item, RXNORM) == NALTREXONE:
                naltrexone.append(index)
            elif ingredient.get("isActive") is not False:
                self.problem(
                    "code-invalid",
                    f"only naltrexone (RxNorm {NALTREXONE}) is an active ingredient of low "
                    "dose naltrexone: mark any other ingredient isActive false",
                    f"{path}.ingredient[{index}]",
                )
        name = "medication.strength_mg"
        self.source(name, f"{path}.ingredient")
        if len(naltrexone) != 1:
            self.problem(
                "required",
                f"name naltrexone (RxNorm {NALTREXONE}, itemCodeableConcept) as one "
                "ingredient, with its strength per capsule or per mL",
                f"{path}.ingredient",
                name,
            )
            return None
        where = f"{path}.ingredient[{naltrexone[0]}].strength"
        self.source(name, where)
        ratio = ingredients[naltrexone[0]].get("strength")
        if not ratio:
            self.problem("required", "naltrexone's strength is required", where, name)
            return None
        numerator, denominator = ratio.get("numerator") or {}, ratio.get("denominator") or {}
        counted_in = COUNTED_IN.get(self.form or "")
        if _unit(numerator) != "mg":
            self.problem(
                "code-invalid",
                f"must be in mg (UCUM: system {UCUM}, code mg)",
                f"{where}.numerator",
                name,
            )
        if _unit(denominator) not in ("capsule", "mL") or (
            counted_in and _unit(denominator) != counted_in
        ):
            self.problem(
                "code-invalid",
                "must be per capsule (UCUM {capsule}, or CAP) for capsules, per mL (UCUM mL) "
                "for an oral solution",
                f"{where}.denominator",
                name,
            )
        if self.mapped.refused_here(name):
            return None
        mg, per = numerator.get("value"), denominator.get("value")
        if per == 1 and not isinstance(per, bool):
            strength = mg  # as sent: the schema's rule judges it
        elif _is_number(mg) and _is_number(per) and per > 0:
            strength = Decimal(mg) / Decimal(per)
        else:
            self.problem(
                "value", "numerator and denominator must be numbers of a sensible size", where, name
            )
            return None
        if _is_number(strength):
            self.strength = Decimal(strength)
        return strength

    # --- directions ----------------------------------------------------------------------

    def directions(self, days_supply: Any) -> dict[str, Any] | None:
        at = self.at
        dosages = self.order.get("dosageInstruction") or []
        self.source("directions", f"{at}.dosageInstruction")
        self.source("directions.steps", f"{at}.dosageInstruction")
        if not dosages:
            self.problem(
                "required",
                "the directions are required: a dosageInstruction for each step",
                f"{at}.dosageInstruction",
                "directions",
            )
            return None
        if len(dosages) > 1:
            self.sequences(dosages)
        ordered = sorted(range(len(dosages)), key=lambda k: (_whole(dosages[k].get("sequence")), k))
        steps, frequencies = [], []
        for number, index in enumerate(ordered):
            dosage, where = dosages[index], f"{at}.dosageInstruction[{index}]"
            self.source(f"directions.steps[{number}]", where)
            repeat = (dosage.get("timing") or {}).get("repeat") or {}
            frequencies.append(self.frequency(repeat, f"{where}.timing.repeat"))
            step: dict[str, Any] = {}
            _put(step, "dose_mg", self.dose(dosage, where, f"directions.steps[{number}].dose_mg"))
            _put(step, "days", self.step_days(repeat, where, number, len(dosages), days_supply))
            steps.append(step)
        out: dict[str, Any] = {"steps": steps}
        given = [(value, where) for value, where in frequencies if where is not None]
        if given:
            first, first_at = given[0]
            self.source("directions.times_per_day", first_at)
            for value, where in given[1:]:
                if value != first or type(value) is not type(first):
                    self.problem(
                        "business-rule",
                        f"every step is taken the same number of times a day (the first, {first})",
                        where,
                        "directions.times_per_day",
                    )
                    break
            out["times_per_day"] = first
        return out

    def sequences(self, dosages: list[dict[str, Any]]) -> None:
        seen: set[int] = set()
        for index, dosage in enumerate(dosages):
            sequence, where = dosage.get("sequence"), f"{self.at}.dosageInstruction[{index}]"
            if sequence is None:
                self.problem(
                    "required",
                    "each step of a titration gives its place in the course: sequence",
                    f"{where}.sequence",
                    "directions.steps",
                )
            elif type(sequence) is not int:
                self.problem(
                    "value", "must be a whole number", f"{where}.sequence", "directions.steps"
                )
            elif sequence in seen:
                self.problem(
                    "business-rule",
                    f"two steps have sequence {sequence}: each step of a titration follows "
                    "the one before",
                    f"{where}.sequence",
                    "directions.steps",
                )
            else:
                seen.add(sequence)

    def frequency(self, repeat: dict[str, Any], where: str) -> tuple[Any, str | None]:
        """Times a day, and where it was said (None: not said, once a day)."""
        period, unit = repeat.get("period"), repeat.get("periodUnit")
        if "frequency" not in repeat and period is None and unit is None:
            return 1, None
        if not (period == 1 and not isinstance(period, bool) and unit == "d"):
            self.problem(
                "value",
                "give the times a day: frequency, with period 1 and periodUnit 'd'",
                f"{where}.period" if period is not None else where,
                "directions.times_per_day",
            )
        return repeat.get("frequency", 1), f"{where}.frequency"

    def dose(self, dosage: dict[str, Any], where: str, name: str) -> Any:
        rates = dosage.get("doseAndRate") or []
        self.source(name, f"{where}.doseAndRate[0].doseQuantity")
        if len(rates) != 1 or "doseQuantity" not in rates[0]:
            self.problem(
                "required",
                "give the dose as one doseAndRate with a doseQuantity",
                f"{where}.doseAndRate",
                name,
            )
            return None
        quantity, at = rates[0]["doseQuantity"], f"{where}.doseAndRate[0].doseQuantity"
        unit, value = _unit(quantity), quantity.get("value")
        if unit == "mg":
            return value
        counted_in = COUNTED_IN.get(self.form or "")
        if unit in ("capsule", "mL") and (counted_in is None or unit == counted_in):
            if not _is_number(value):
                return value  # the schema's rule says what is wrong with it
            if self.strength is None:
                self.mapped.flagged.add(name)  # the strength's own refusal says why
                return None
            return Decimal(value) * self.strength
        counted = {"capsule": "capsules", "mL": "mL"}.get(counted_in or "", "capsules or mL")
        self.problem(
            "code-invalid",
            f"must be in mg (UCUM: system {UCUM}, code mg), or in {counted} of the "
            "Medication's strength",
            at,
            name,
        )
        return None

    def step_days(
        self, repeat: dict[str, Any], where: str, number: int, count: int, days_supply: Any
    ) -> Any:
        name = f"directions.steps[{number}].days"
        bounds = f"{where}.timing.repeat.boundsDuration"
        self.source(name, bounds)
        if "boundsDuration" in repeat:
            return self.days(repeat["boundsDuration"], bounds, name)
        if "boundsPeriod" in repeat or "boundsRange" in repeat:
            self.problem("not-supported", "give each step's length as boundsDuration", bounds, name)
            return None
        if count == 1:  # one step: it lasts the supply
            self.source(name, self.mapped.sources["days_supply"])
            return DEFAULT_DAYS_SUPPLY if days_supply is None else days_supply
        self.problem(
            "required",
            "each step of a titration gives its length: timing.repeat.boundsDuration",
            bounds,
            name,
        )
        return None

    def days(self, duration: dict[str, Any], where: str, name: str | None = None) -> Any:
        """A Duration in days or weeks as days; other units are refused."""
        code, system = duration.get("code"), duration.get("system")
        if code not in DAYS_IN or system not in (None, UCUM):
            self.problem(
                "code-invalid",
                f"must be in days or weeks (UCUM: system {UCUM}, code d or wk)",
                where,
                name,
            )
            return None
        value = duration.get("value")
        if DAYS_IN[code] == 1 or type(value) is not int:
            return value
        return value * DAYS_IN[code]

    # --- the rest of the order -----------------------------------------------------------

    def diagnosis(self) -> None:
        self.source("diagnosis", f"{self.at}.reasonCode")
        for index, concept in enumerate(self.order.get("reasonCode") or []):
            for place, coding in enumerate(_codings(concept)):
                if coding.get("system") == ICD10CM:
                    self.source("diagnosis", f"{self.at}.reasonCode[{index}].coding[{place}].code")
                    _put(self.mapped.body, "diagnosis", coding.get("code"))
                    return

    def renews(self) -> None:
        prior = self.order.get("priorPrescription")
        self.source("renews", f"{self.at}.priorPrescription")
        if prior is None:
            return
        reference = prior.get("reference")
        if not isinstance(reference, str) or "MedicationRequest/" not in reference:
            self.problem(
                "value",
                "must reference one of the clinic's MedicationRequests here: "
                "MedicationRequest/<id>",
                f"{self.at}.priorPrescription",
                "renews",
            )
            return
        self.mapped.body["renews"] = reference.rsplit("MedicationRequest/", 1)[1]
