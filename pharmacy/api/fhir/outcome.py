"""How /fhir/r4 answers: FHIR JSON, and every refusal an OperationOutcome.

An issue names what to fix by a FHIRPath `expression` into the resource the clinic sent
(`MedicationRequest.dosageInstruction[1].doseAndRate[0].doseQuantity`), says why in
`details.text`, and where the refusal is one of the JSON API's rules, names that rule's
field in `diagnostics` ("api/v1 field directions.steps[1].dose_mg"), so a clinic that
knows both reads the same rule in both. `details.coding` carries the JSON API's error
code (`validation_failed`, `idempotency_key_reused`, ...) under `ERROR_CODES`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app

from ..errors import ApiError

FHIR_JSON = "application/fhir+json"
# The JSON API's error codes, as OperationOutcome.issue.details codes.
ERROR_CODES = "urn:ldn-pharmacy:error"

# The issue type (http://hl7.org/fhir/issue-type) an HTTP refusal reports.
ISSUE_TYPE_BY_STATUS = {
    400: "structure",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "invalid",
    429: "throttled",
    500: "exception",
    503: "transient",
}


@dataclass(frozen=True)
class Issue:
    """One thing wrong, where, and (for a rule of the JSON API) which of its fields."""

    code: str  # an issue type: required, value, code-invalid, business-rule, ...
    message: str
    expression: str | None = None
    field: str | None = None  # the /api/v1 field the rule is stated for

    def as_json(self, error_code: str | None) -> dict[str, Any]:
        details: dict[str, Any] = {"text": self.message}
        if error_code:
            details["coding"] = [{"system": ERROR_CODES, "code": error_code}]
        issue: dict[str, Any] = {"severity": "error", "code": self.code, "details": details}
        if self.field:
            issue["diagnostics"] = f"api/v1 field {self.field}"
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


class FhirRefusal(Exception):
    """A request refused with `status` and an OperationOutcome of `issues`."""

    def __init__(
        self,
        status: int,
        issues: Sequence[Issue],
        *,
        error_code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__("; ".join(issue.message for issue in issues))
        self.status = status
        self.issues = list(issues)
        self.error_code = error_code
        self.headers = headers or {}

    def response(self):
        return fhir_response(outcome(self.issues, self.error_code), self.status, self.headers)


def refused(status: int, code: str, message: str, expression: str | None = None, **kwargs):
    """A refusal of one issue."""
    return FhirRefusal(status, [Issue(code, message, expression)], **kwargs)


def outcome(issues: Iterable[Issue], error_code: str | None = None) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [issue.as_json(error_code) for issue in issues],
    }


def from_api_error(error: ApiError):
    """A refusal the app makes in the JSON API's words (no key, 404, 413, 503, ...) as
    an OperationOutcome, with the same status and headers."""
    issues = [Issue(ISSUE_TYPE_BY_STATUS.get(error.status, "processing"), error.message)]
    issues += [
        Issue("invalid", detail["message"], field=detail.get("field")) for detail in error.details
    ]
    return fhir_response(outcome(issues, error.code), error.status, error.headers)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _number(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def fhir_response(body: dict[str, Any] | None, status: int = 200, headers=None):
    """`body` as application/fhir+json (no body at all for None)."""
    text = "" if body is None else json.dumps(body, separators=(",", ":"), default=_plain)
    response = current_app.response_class(text, status=status, headers=headers)
    response.content_type = f"{FHIR_JSON}; charset=utf-8"
    return response
