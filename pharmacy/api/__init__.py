"""Prescriber API v1, mounted at /api/v1."""

from __future__ import annotations

from flask import Blueprint, request

from pharmacy.services import Conflict, Invalid, NotFound, ServiceError, Unauthorized

from .errors import ApiError

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.openapi_document"}
# Endpoints whose write looks the key up itself (see `auth.present_key`).
KEY_CHECKED_BY_THE_WRITE = {"api.submit_prescription"}


@blueprint.before_request
def _authenticate():
    from . import auth

    if request.endpoint in KEY_CHECKED_BY_THE_WRITE:
        auth.present_key()
    elif request.endpoint not in PUBLIC_ENDPOINTS:
        auth.require_clinic()


@blueprint.errorhandler(ApiError)
def _api_error(error: ApiError):
    return (_key_refusal() or error).response()


@blueprint.errorhandler(ServiceError)
def _service_error(error: ServiceError):
    refusal = _key_refusal()
    if refusal is not None:
        return refusal.response()
    if isinstance(error, Unauthorized):
        from .auth import unknown_key

        return unknown_key().response()
    if isinstance(error, NotFound):
        return ApiError(404, error.code, error.message).response()
    if isinstance(error, Conflict):
        return ApiError(409, error.code, error.message).response()
    if isinstance(error, Invalid):
        details = [{"field": p.field, "message": p.message} for p in error.problems]
        return ApiError(422, error.code, error.message, details).response()
    return ApiError(422, error.code, error.message).response()


def _key_refusal() -> ApiError | None:
    from .auth import key_refusal

    return key_refusal()


from . import openapi, routes  # noqa: E402,F401  (routes register on the blueprint)
