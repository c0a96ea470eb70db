"""The OpenAPI 3.1 document, generated from the schemas that validate requests."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import jsonify
from pydantic.json_schema import models_json_schema

from . import blueprint
from .examples import EXAMPLE_PRESCRIPTION
from .schemas import (
    CancelIn,
    ErrorOut,
    PrescriptionIn,
    PrescriptionOut,
    PrescriptionPageOut,
)

REF = "#/components/schemas/{model}"


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorOut")}}},
    }


def _json(model: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=model)}}},
    }


COMMON_ERRORS = {
    "401": _error("No API key, or an unknown or revoked one"),
    "503": _error("A dependency is down; try again shortly"),
}
PRESCRIPTION_ID = {
    "name": "prescription_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
}


@cache
def document() -> dict[str, Any]:
    _, schemas = models_json_schema(
        [
            (PrescriptionIn, "validation"),
            (CancelIn, "validation"),
            (PrescriptionOut, "serialization"),
            (PrescriptionPageOut, "serialization"),
            (ErrorOut, "serialization"),
        ],
        ref_template=REF,
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LDN prescriber API",
            "version": "1.0.0",
            "description": "Clinics submit Low Dose Naltrexone prescriptions and follow them.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"apiKey": []}],
        "paths": {
            "/api/v1/prescriptions": {
                "post": {
                    "operationId": "submitPrescription",
                    "summary": "Submit a prescription",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "description": "Retries with the same key and body get the "
                            "first answer again and make no second order.",
                            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": REF.format(model="PrescriptionIn")},
                                "example": EXAMPLE_PRESCRIPTION,
                            }
                        },
                    },
                    "responses": {
                        "201": _json("PrescriptionOut", "Stored; it is worked next"),
                        "400": _error("The body is not valid JSON"),
                        "409": _error("The Idempotency-Key was used with another body"),
                        "413": _error("The body is over 64 KiB"),
                        "415": _error("The body is not application/json"),
                        "422": _error("The prescription breaks a rule; details name fields"),
                        **COMMON_ERRORS,
                    },
                },
                "get": {
                    "operationId": "listPrescriptions",
                    "summary": "List the clinic's prescriptions, newest first",
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {
                                "type": "string",
                                "enum": PrescriptionOut.model_json_schema()["properties"]["status"][
                                    "enum"
                                ],
                            },
                        },
                        {
                            "name": "page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 1000000},
                        },
                        {
                            "name": "per_page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                        },
                    ],
                    "responses": {
                        "200": _json("PrescriptionPageOut", "One page of prescriptions"),
                        "422": _error("A query parameter is out of range"),
                        **COMMON_ERRORS,
                    },
                },
            },
            "/api/v1/prescriptions/{prescription_id}": {
                "get": {
                    "operationId": "getPrescription",
                    "summary": "One prescription, with its status, quantity, BUD and price",
                    "parameters": [PRESCRIPTION_ID],
                    "responses": {
                        "200": _json("PrescriptionOut", "The prescription"),
                        "404": _error("Not one of this clinic's prescriptions"),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/prescriptions/{prescription_id}/cancel": {
                "post": {
                    "operationId": "cancelPrescription",
                    "summary": "Cancel a prescription not yet dispensed",
                    "parameters": [PRESCRIPTION_ID],
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/json": {"schema": {"$ref": REF.format(model="CancelIn")}}
                        },
                    },
                    "responses": {
                        "200": _json("PrescriptionOut", "Cancelled (or already cancelled)"),
                        "400": _error("The body is not valid JSON"),
                        "404": _error("Not one of this clinic's prescriptions"),
                        "409": _error("Already dispensed or rejected"),
                        "415": _error("The body is not application/json"),
                        "422": _error("The reason breaks a rule"),
                        **COMMON_ERRORS,
                    },
                }
            },
        },
    }


@blueprint.get("/openapi.json")
def openapi_document():
    return jsonify(document())
