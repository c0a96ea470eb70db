"""HL7 FHIR R4 front door of the prescriber API, mounted at /fhir/r4.

A clinic's EHR sends a prescription as a MedicationRequest; it becomes an order by the
same schema, rules and submit service as `POST /api/v1/prescriptions` (`routes`). The
clinic's key is checked as the JSON API checks it (`api.auth`); every refusal is an
OperationOutcome (`outcome`). Modules: `reading` (the body, checked by the FHIR R4
models of `fhir.resources`, and its references), `mapping` (a MedicationRequest as the
JSON API's submit body, and where each field came from), `resources` (what is shown:
MedicationRequest, MedicationDispense, Bundles, the CapabilityStatement).
"""

from __future__ import annotations

from flask import Blueprint, request

from pharmacy.services import Conflict, Invalid, NotFound, ServiceError

from ..errors import ApiError
from .outcome import FhirRefusal, Issue, from_api_error

blueprint = Blueprint("fhir", __name__, url_prefix="/fhir/r4")

PUBLIC_ENDPOINTS = {"fhir.capability_statement"}


@blueprint.before_request
def _authenticate():
    """Every route but the CapabilityStatement runs for a clinic whose key was checked."""
    from .. import auth

    if request.endpoint not in PUBLIC_ENDPOINTS:
        auth.require_clinic()


@blueprint.errorhandler(FhirRefusal)
def _refusal(error: FhirRefusal):
    return error.response()


@blueprint.errorhandler(ApiError)
def _api_error(error: ApiError):
    return from_api_error(error)


@blueprint.errorhandler(ServiceError)
def _service_error(error: ServiceError):
    if isinstance(error, NotFound):
        return FhirRefusal(
            404, [Issue("not-found", error.message)], error_code=error.code
        ).response()
    if isinstance(error, Conflict):
        return FhirRefusal(
            409, [Issue("conflict", error.message)], error_code=error.code
        ).response()
    if isinstance(error, Invalid):
        issues = [Issue("business-rule", p.message, field=p.field) for p in error.problems]
        return FhirRefusal(422, issues, error_code=error.code).response()
    return FhirRefusal(422, [Issue("processing", error.message)], error_code=error.code).response()


from . import routes  # noqa: E402,F401  (routes register on the blueprint)
