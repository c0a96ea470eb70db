"""The OpenAPI 3.1 document of prescriber API v1, generated from the routes' declarations.

Each route declares its operation just above itself (`operation`): its id and summary,
the models of its path, query, headers and body (`schemas`), and its answers. SpecTree
turns these into the document, so a limit is stated once: the list's bounds and the
Idempotency-Key's length come from the constants of `schemas` that the routes enforce,
the body's size from `pharmacy.MAX_BODY_BYTES`, which the app gives Flask and
`body.read_json` as MAX_CONTENT_LENGTH.

Why SpecTree: it decorates plain Flask views and can leave validation alone, so the
app stays a plain Flask app with a plain blueprint, and requests are still read by the
strict `body.read_json` and refused by `routes._validated`, with the codes and messages
clinics already handle. It reads Pydantic v2 models as they are. APIFlask would replace
the Flask class with its own and is built around marshmallow; flask-openapi3 would
replace the app and the blueprint with its own classes and validate from the views'
signatures, answering refusals in its own words.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from flask import Flask, jsonify
from pydantic import BaseModel
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData, Server

from pharmacy import MAX_BODY_BYTES

from . import blueprint
from .schemas import ErrorOut

# An answer: (model, description), or a description alone for an error (`ErrorOut`).
Answer = tuple[type[BaseModel], str] | str

COMMON_ANSWERS: dict[int, Answer] = {
    401: "No API key, or an unknown or revoked one",
    503: "A dependency is down; try again shortly",
}
BODY_TOO_LARGE = f"The body is over {MAX_BODY_BYTES // 1024} KiB"

SPEC = SpecTree(
    "flask",
    mode="strict",  # the declared routes only, never the dashboard's
    annotations=False,  # the views take no models as arguments: they read requests
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    validation_error_model=ErrorOut,
    title="LDN prescriber API",
    version="1.0.0",
    description="Clinics submit Low Dose Naltrexone prescriptions and follow them.",
    servers=[Server(url="/")],
    security_schemes=[
        SecurityScheme(name="apiKey", data=SecuritySchemeData(type="http", scheme="bearer"))
    ],
    security={"apiKey": []},
)

# What SpecTree has no words for, added to its operations by operationId (`_finish`).
_PATHS: dict[str, type[BaseModel]] = {}
_BODIES: dict[str, dict[str, Any]] = {}


def operation(
    operation_id: str,
    summary: str,
    *,
    answers: Mapping[int, Answer],
    path: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    headers: type[BaseModel] | None = None,
    json: type[BaseModel] | None = None,
    body_required: bool = True,
    example: Any = None,
    invalid: int = 422,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route in the document. Nothing is validated here: the route reads and
    refuses its requests itself. `invalid` is the answer to a request that breaks the
    models declared (422, or 404 for an id that names nothing); it must be one of
    `answers`."""
    if invalid not in answers:
        raise ValueError(f"{operation_id}: {invalid} is not among its answers")
    responses = Response(
        **{
            f"HTTP_{code}": answer if isinstance(answer, tuple) else (ErrorOut, answer)
            for code, answer in {**answers, **COMMON_ANSWERS}.items()
        }
    )
    if path is not None:
        _PATHS[operation_id] = path
    if json is not None:
        _BODIES[operation_id] = {"required": body_required} | (
            {"example": example} if example is not None else {}
        )
    declare = SPEC.validate(
        query=query,
        headers=headers,
        json=json,
        resp=responses,
        operation_id=operation_id,
        validation_error_status=invalid,
        skip_validation=True,  # its wrapper then only passes the view's answer on
    )

    def declared(view: Callable[..., Any]) -> Callable[..., Any]:
        documented = declare(view)
        documented.__doc__ = summary  # SpecTree takes the summary from the docstring
        return documented

    return declared


@cache
def document() -> dict[str, Any]:
    """The document of the blueprint's routes. It is built on an app holding the
    blueprint alone, so it is the same whichever app serves it and needs none."""
    app = Flask(__name__)
    app.register_blueprint(blueprint)
    with app.app_context():
        generated = copy.deepcopy(SPEC.spec)
    return _finish(generated)


def _finish(document: dict[str, Any]) -> dict[str, Any]:
    """Add what SpecTree cannot say (a path parameter's format, a body's example, a body
    that may be left out) and drop the empty descriptions and tags it writes."""
    document.pop("tags", None)
    for methods in document["paths"].values():
        for op in methods.values():
            operation_id = op["operationId"]
            for key in ("description", "tags"):
                if not op.get(key):
                    op.pop(key, None)
            for parameter in op["parameters"]:
                if not parameter.get("description"):
                    parameter.pop("description", None)
                if parameter["in"] == "path" and operation_id in _PATHS:
                    # Flask's rule says only "a string"; the path's model says more.
                    declared = _PATHS[operation_id].model_json_schema()["properties"]
                    parameter["schema"] = declared[parameter["name"]]
            if operation_id in _BODIES:
                body = _BODIES[operation_id]
                op["requestBody"]["required"] = body["required"]
                if "example" in body:
                    op["requestBody"]["content"]["application/json"]["example"] = body["example"]
    return document


@blueprint.get("/openapi.json")
def openapi_document():
    return jsonify(document())
