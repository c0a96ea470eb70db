"""Prescriber API v1, mounted at /api/v1."""

from __future__ import annotations

from flask import Blueprint, request

from pharmacy.services import Conflict, Invalid, NotFound, ServiceError

from .errors import ApiError

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.openapi_document"}


@blueprint.before_request
def _authenticate():
    """Every route but the public ones runs for a clinic whose key was checked here."""
    from . import auth

    if request.endpoint not in PUBLIC_ENDPOINTS:
        auth.require_clinic()


@blueprint.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error.response()


@blueprint.errorhandler(ServiceError)
def _service_error(error: ServiceError):
    if isinstance(error, NotFound):
        return ApiError(404, error.code, error.message).response()
    if isinstance(error, Conflict):
        return ApiError(409, error.code, error.message, extra=error.extra).response()
    if isinstance(error, Invalid):
        details = [{"field": p.field, "message": p.message} for p in error.problems]
        return ApiError(422, error.code, error.message, details).response()
    return ApiError(422, error.code, error.message).response()


from . import openapi, routes, webhooks  # noqa: E402,F401  (routes register on the blueprint)
