"""Request and response schemas of prescriber API v1.

The same classes validate requests and generate the OpenAPI document, so the document
cannot drift from what the service accepts. Rules about values come from
`pharmacy.domain`; these schemas add only JSON shape and types.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from pharmacy.domain import prescription as rx
from pharmacy.domain.identifiers import dea_problem, npi_problem
from pharmacy.domain.text import unreadable
from pharmacy.domain.workflow import Status

US_STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "PR",
    "GU",
    "VI",
    "AS",
    "MP",
]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PHONE = re.compile(r"\+?1?[\s.-]?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}")
POSTAL_CODE = re.compile(r"\d{5}(-\d{4})?")
ICD10 = re.compile(r"[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?")
RXNORM = re.compile(r"\d{1,8}")
MAX_EXPONENT = 30

# Limits the routes enforce on what is not a body; the document states these same values.
PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 200
PAGE_MAX = 1_000_000
IDEMPOTENCY_KEY_MAX = 255
STATUS_NAMES = [s.value for s in Status]


def _rule(check: Callable[[Any], str | None]) -> AfterValidator:
    """Turn a domain rule (value -> reason or None) into a schema check."""

    def apply(value: Any) -> Any:
        reason = check(value)
        if reason:
            raise PydanticCustomError("rule", reason)
        return value

    return AfterValidator(apply)


def _pattern(regex: re.Pattern[str], reason: str) -> AfterValidator:
    # None passes: an optional field sent as null is a field not sent.
    return _rule(lambda value: None if value is None or regex.fullmatch(value) else reason)


def _json_number(value: Any) -> Any:
    # A quoted "1.5" or a true/false is a client bug worth telling apart from 1.5.
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise PydanticCustomError("number_type", "must be a JSON number, not a string or null")
    number = Decimal(value)
    # 1e99999999999999999999 is valid JSON; no arithmetic can be done with it.
    if not number.is_finite() or not -MAX_EXPONENT <= number.adjusted() <= MAX_EXPONENT:
        raise PydanticCustomError("number_range", "is not a number of a sensible size")
    return number


def _iso_date(value: Any) -> Any:
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_type", "must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_type", "is not a real calendar date") from None


def _prescription_id(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise PydanticCustomError("id_type", "must be a prescription's id, a string")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise PydanticCustomError("id_type", "is not a prescription's id") from None


def _plain_text(value: str, *, multiline: bool = False) -> str | None:
    """Any script is welcome (José, O'Brien, 李); control characters and lone surrogates
    are not: they cannot be printed on a label or stored faithfully. Nor is text that
    reads otherwise than it is stored (`text.unreadable`): a name with no visible
    letter, a bidirectional override."""
    allowed = {"\n", "\t"} if multiline else set()
    for char in value:
        if char in allowed:
            continue
        if unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            return "contains a control or invalid character"
    if not value.strip():
        return "must not be blank"
    return unreadable(value)


def _text(max_length: int, *, multiline: bool = False) -> Any:
    return Annotated[
        str,
        Strict(),
        Field(min_length=1, max_length=max_length),
        _rule(lambda v: _plain_text(v, multiline=multiline)),
    ]


Name = _text(100)
ShortText = _text(200)
Notes = _text(2000, multiline=True)

Milligrams = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    _rule(rx.dose_problem),
    WithJsonSchema(
        {
            "type": "number",
            "minimum": float(rx.MIN_DOSE_MG),
            "maximum": float(rx.MAX_DOSE_MG),
            "multipleOf": 0.01,
            "description": "mg; 0.5 to 4.5 with at most 2 decimals",
        }
    ),
]


def _whole(check: Callable[[int], str | None], minimum: int, maximum: int) -> Any:
    return Annotated[
        int,
        Strict(),
        _rule(check),
        WithJsonSchema({"type": "integer", "minimum": minimum, "maximum": maximum}),
    ]


DaysSupply = _whole(rx.days_supply_problem, 1, rx.MAX_DAYS_SUPPLY)
StepDays = _whole(rx.step_days_problem, 1, rx.MAX_DAYS_SUPPLY)
Refills = _whole(rx.refills_problem, 0, rx.MAX_REFILLS)
TimesPerDay = _whole(rx.times_per_day_problem, 1, rx.MAX_TIMES_PER_DAY)

IsoDate = Annotated[
    date, BeforeValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})
]
Phone = Annotated[
    str,
    Strict(),
    Field(max_length=30),
    _pattern(PHONE, "must be a 10-digit US phone number"),
    WithJsonSchema({"type": "string", "pattern": "^" + PHONE.pattern + "$", "maxLength": 30}),
]


class Closed(BaseModel):
    """Unknown fields are refused: a client cannot set a price or a status."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PrescriberIn(Closed):
    npi: Annotated[
        str,
        Strict(),
        _rule(npi_problem),
        WithJsonSchema({"type": "string", "pattern": "^[12][0-9]{9}$"}),
    ]
    first_name: Name
    last_name: Name
    phone: Phone
    dea: Annotated[
        str | None,
        Strict(),
        _rule(lambda v: v and dea_problem(v)),
        WithJsonSchema({"type": ["string", "null"], "pattern": "^[A-Za-z]{2}[0-9]{7}$"}),
    ] = None


class AddressIn(Closed):
    line1: ShortText
    line2: ShortText | None = None
    city: Name
    state: Annotated[
        str,
        Strict(),
        _rule(lambda v: None if v in US_STATES else "must be a two-letter US state code"),
        WithJsonSchema({"type": "string", "enum": US_STATES}),
    ]
    postal_code: Annotated[
        str,
        Strict(),
        _pattern(POSTAL_CODE, "must be a ZIP code (12345 or 12345-6789)"),
        WithJsonSchema({"type": "string", "pattern": "^" + POSTAL_CODE.pattern + "$"}),
    ]


class MedicationInUseIn(Closed):
    name: ShortText
    rxnorm: Annotated[
        str | None,
        Strict(),
        _rule(lambda v: None if v is None or RXNORM.fullmatch(v) else "must be an RxNorm code"),
        WithJsonSchema({"type": ["string", "null"], "pattern": "^[0-9]{1,8}$"}),
    ] = None


def _medication_kind(value: Any) -> str:
    return "text" if isinstance(value, str) else "coded"


# The contract lets a medication be plain text or {"name": ..., "rxnorm": ...}.
MedicationEntry = Annotated[
    Annotated[ShortText, Tag("text")] | Annotated[MedicationInUseIn, Tag("coded")],
    Discriminator(_medication_kind),
]
UNION_TAGS = frozenset({"text", "coded"})  # appear in error paths; not field names


class PatientIn(Closed):
    first_name: Name
    last_name: Name
    date_of_birth: IsoDate
    phone: Phone | None = None
    address: AddressIn | None = None
    # Left out: the patient's lists on record stand, and this order is screened on them.
    allergies: Annotated[list[ShortText], Field(max_length=50)] | None = None
    medications: Annotated[list[MedicationEntry], Field(max_length=50)] | None = None
    conditions: Annotated[list[ShortText], Field(max_length=50)] | None = None
    # The language the patient reads: the label's directions and warning, and the
    # information sheet, print in it (English too on the label). Null: English.
    language: Annotated[
        str | None,
        Strict(),
        Field(max_length=35),
        _rule(lambda tag: None if tag is None else rx.language_problem(tag)),
        WithJsonSchema(
            {
                "type": ["string", "null"],
                "maxLength": 35,
                "default": rx.DEFAULT_LANGUAGE,
                "description": "BCP 47 tag of the language the patient reads; supported: "
                + ", ".join(f"{code} ({name})" for code, name in rx.PATIENT_LANGUAGES.items()),
                "examples": ["es", "es-MX"],
            }
        ),
    ] = rx.DEFAULT_LANGUAGE


class MedicationIn(Closed):
    dosage_form: Literal["capsule", "oral_liquid"]
    strength_mg: Milligrams


class StepIn(Closed):
    dose_mg: Milligrams
    days: StepDays


class DirectionsIn(Closed):
    times_per_day: TimesPerDay = 1
    steps: Annotated[list[StepIn], Field(min_length=1, max_length=12)]


class PrescriptionIn(Closed):
    """A new LDN prescription from a clinic."""

    prescriber: PrescriberIn
    patient: PatientIn
    medication: MedicationIn
    directions: DirectionsIn
    days_supply: DaysSupply = rx.DEFAULT_DAYS_SUPPLY
    refills: Refills = 0
    written_on: IsoDate
    diagnosis: Annotated[
        str | None,
        Strict(),
        _pattern(ICD10, "must be an ICD-10-CM code such as M79.7"),
        WithJsonSchema({"type": ["string", "null"], "pattern": "^" + ICD10.pattern + "$"}),
    ] = None
    notes: Notes | None = None
    auto_refill: Annotated[
        bool,
        Strict(),
        Field(
            description="Start each refill when the last fill runs low "
            "(AUTO_REFILL_LEAD_DAYS before its supply ends), without being asked"
        ),
    ] = False
    renews: Annotated[
        uuid.UUID | None,
        BeforeValidator(_prescription_id),
        WithJsonSchema(
            {
                "type": ["string", "null"],
                "format": "uuid",
                "description": "The id of the clinic's own prescription this one renews",
            }
        ),
    ] = None

    def to_order(self) -> rx.PrescriptionOrder:
        p, pt = self.prescriber, self.patient
        address = pt.address
        return rx.PrescriptionOrder(
            prescriber=rx.Prescriber(p.npi, p.first_name, p.last_name, p.phone, p.dea),
            patient=rx.Patient(
                first_name=pt.first_name,
                last_name=pt.last_name,
                date_of_birth=pt.date_of_birth,
                phone=pt.phone,
                address=rx.Address(
                    address.line1,
                    address.city,
                    address.state,
                    address.postal_code,
                    address.line2,
                )
                if address
                else None,
                allergies=None if pt.allergies is None else tuple(pt.allergies),
                medications=None
                if pt.medications is None
                else tuple(
                    rx.MedicationInUse(m)
                    if isinstance(m, str)
                    else rx.MedicationInUse(m.name, m.rxnorm)
                    for m in pt.medications
                ),
                conditions=None if pt.conditions is None else tuple(pt.conditions),
                language=pt.language or rx.DEFAULT_LANGUAGE,
            ),
            dosage_form=rx.DosageForm(self.medication.dosage_form),
            strength_mg=self.medication.strength_mg,
            directions=rx.Directions(
                steps=tuple(rx.DirectionStep(s.dose_mg, s.days) for s in self.directions.steps),
                times_per_day=self.directions.times_per_day,
            ),
            written_on=self.written_on,
            days_supply=self.days_supply,
            refills=self.refills,
            diagnosis=self.diagnosis,
            notes=self.notes,
            auto_refill=self.auto_refill,
            renews=self.renews,
        )


class CancelIn(Closed):
    reason: _text(500, multiline=True) | None = None


class RefillIn(Closed):
    """A refill asks for nothing but itself: the next fill of the prescription."""


class ClarificationIn(Closed):
    """The prescriber's answer to the pharmacist's question, and any changes to the
    prescription: fields of a submitted prescription, nested as at submit, laid over
    the version in force and checked by every rule of a new one. The patient's name
    and birth date, the prescriber's NPI and `renews` cannot change."""

    answer: _text(2000, multiline=True)
    changes: dict[str, Any] | None = None


class RenewalIn(Closed):
    """The prescriber's answer to the pharmacy's renewal request. Only a decline is
    sent here: a renewal is a new prescription sent with `renews`."""

    approved: Annotated[
        bool,
        Strict(),
        Field(description="false: the prescriber declines to renew"),
    ]
    reason: _text(500, multiline=True) | None = None


# Responses: documented here, built as plain dicts by `render` for speed.

Money = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$")]


class QuantityOut(BaseModel):
    value: str
    unit: Literal["capsule", "mL"]


class PriceLineOut(BaseModel):
    label: str
    amount: Money


class PriceOut(BaseModel):
    total: Money
    currency: Literal["USD"]
    lines: list[PriceLineOut]


class AlertOut(BaseModel):
    code: str
    severity: Literal["hard_stop", "caution", "info"]
    detail: str
    resolution: Literal["overridden", "rejected"] | None


class StatusChangeOut(BaseModel):
    status: Literal[tuple(s.value for s in Status)]  # type: ignore[valid-type]
    at: str


class FillOut(BaseModel):
    number: int = Field(description="0 for the original fill, then 1, 2... in the order made")
    refill: int = Field(description="which refill it is: 0 for the original fill")
    status: Literal[(*(s.value for s in Status), "replaced")] = Field(  # type: ignore[valid-type]
        description="replaced: the prescriber answered a question about this fill, and "
        "the next fill (same refill) is the prescription worked again"
    )
    quantity: QuantityOut | None
    beyond_use_date: str | None
    price: PriceOut | None
    dispensed_on: str | None
    shipment: dict[str, Any] | None


class QuestionOut(BaseModel):
    question: str
    asked_at: str
    state: Literal["asked", "answered"]
    answer: str | None
    answered_at: str | None


class PrescriptionOut(BaseModel):
    id: str
    rx_number: str
    status: Literal[tuple(s.value for s in Status)]  # type: ignore[valid-type]
    prescriber: dict[str, Any]
    patient: dict[str, Any]
    medication: dict[str, Any]
    directions: dict[str, Any]
    days_supply: int
    refills: int
    written_on: str
    diagnosis: str | None
    notes: str | None
    quantity: QuantityOut | None
    beyond_use_date: str | None
    price: PriceOut | None
    alerts: list[AlertOut]
    refills_remaining: int
    expires_on: str
    auto_refill: bool
    fills: list[FillOut]
    renews: str | None
    version: int = Field(description="1 as sent; each answer that changes it adds one")
    question: QuestionOut | None = Field(
        description="The pharmacist's latest question to the prescriber, if any"
    )
    created_at: str
    updated_at: str


class RenewalOut(BaseModel):
    prescription: str = Field(description="The id of the prescription to renew")
    rx_number: str
    reason: Literal["no_refills_left", "expiring"]
    state: Literal["requested", "renewed", "declined"]
    requested_at: str
    answered_at: str | None
    decline_reason: str | None
    renewed_by: str | None = Field(description="The id of the renewing prescription")


class PrescriptionPageOut(BaseModel):
    items: list[PrescriptionOut]
    page: int
    per_page: int
    total: int


class ErrorDetailOut(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    error: str
    message: str
    details: list[ErrorDetailOut] = []


# Parameters: declared for the document; the routes read them themselves (`routes`), so
# their refusals keep the words they have always had.


def _absent_by_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # a parameter not sent is none; null cannot be sent


class ListQuery(BaseModel):
    status: Annotated[
        Literal[tuple(STATUS_NAMES)] | None,  # type: ignore[valid-type]
        Field(
            description="Only the prescriptions with this status",
            json_schema_extra=_absent_by_default,
        ),
        WithJsonSchema({"type": "string", "enum": STATUS_NAMES}),
    ] = None
    page: Annotated[int, Field(ge=1, le=PAGE_MAX, description="Which page, from 1")] = 1
    per_page: Annotated[
        int, Field(ge=1, le=PER_PAGE_MAX, description="Prescriptions on a page")
    ] = PER_PAGE_DEFAULT


# What `str.isascii() and str.isprintable()` accept: the space to the tilde.
PRINTABLE_ASCII = re.compile(r"[ -~]+")


class SubmitHeaders(BaseModel):
    idempotency_key: Annotated[
        str | None,
        Field(
            alias="Idempotency-Key",
            description="Retries with the same key and body get the first answer again "
            "and make no second order.",
            json_schema_extra=_absent_by_default,
        ),
        WithJsonSchema(
            {
                "type": "string",
                "minLength": 1,
                "maxLength": IDEMPOTENCY_KEY_MAX,
                "pattern": "^" + PRINTABLE_ASCII.pattern + "$",
            }
        ),
    ] = None


class PrescriptionPath(BaseModel):
    """An id that is not a UUID names no prescription: it is answered 404."""

    prescription_id: uuid.UUID
