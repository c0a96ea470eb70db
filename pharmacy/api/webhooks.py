"""Webhook endpoints of prescriber API v1: a clinic registers, lists and deletes the
servers its status events are sent to (docs/webhooks.md). The signing secret is in the
answer to the registration, and nowhere else ever again."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from flask import current_app, g, jsonify
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from pharmacy.extensions import database
from pharmacy.services.webhooks import endpoints
from pharmacy.services.webhooks.addresses import URL_MAX
from pharmacy.services.webhooks.events import EVENT_TYPES

from . import blueprint
from .body import read_json
from .errors import ApiError, validation_details
from .openapi import BODY_TOO_LARGE, operation

EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Annotated[
        str,
        Strict(),
        Field(
            min_length=1,
            max_length=URL_MAX,
            description="Where the events are POSTed: an https URL of a public server",
        ),
    ]
    events: Annotated[
        list[EventType],
        Field(min_length=1, max_length=len(EVENT_TYPES), description="The events to send"),
    ]


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[EventType]
    created_at: str


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(
        pattern="^whsec_[A-Za-z0-9+/]+={0,2}$",
        description="The signing secret (Standard Webhooks), shown this once",
    )


class WebhookListOut(BaseModel):
    items: list[WebhookOut]


class WebhookPath(BaseModel):
    """An id that is not a UUID names no endpoint: it is answered 404."""

    webhook_id: uuid.UUID


EXAMPLE = {"url": "https://ehr.example.com/ldn-events", "events": list(EVENT_TYPES[:3])}


@blueprint.post("/webhooks")
@operation(
    "createWebhook",
    "Register a webhook endpoint for the clinic's status events",
    json=WebhookIn,
    example=EXAMPLE,
    answers={
        201: (WebhookCreatedOut, "Registered; the secret is shown this once"),
        400: "The body is not valid JSON",
        409: "error too_many_endpoints: delete one first",
        413: BODY_TOO_LARGE,
        415: "The body is not application/json",
        422: "The URL or an event is refused; details name the field",
    },
)
def create_webhook():
    try:
        body = WebhookIn.model_validate(read_json())
    except ValidationError as error:
        raise ApiError(
            422,
            "validation_failed",
            "the request breaks the rules listed in details",
            validation_details(error),
        ) from None
    registered = endpoints.register(
        database.session,
        g.clinic_id,
        g.actor,
        body.url,
        body.events,
        allow_private=bool(current_app.config["WEBHOOK_ALLOW_PRIVATE"]),
        request_id=g.request_id,
    )
    response = jsonify({**_shown(registered.endpoint), "secret": registered.secret})
    response.status_code = 201
    return response


@blueprint.get("/webhooks")
@operation(
    "listWebhooks",
    "The clinic's webhook endpoints (their secrets are never shown again)",
    answers={200: (WebhookListOut, "The endpoints, oldest first")},
    invalid=200,  # it takes nothing that could be invalid
)
def list_webhooks():
    return jsonify(
        items=[_shown(e) for e in endpoints.list_for_clinic(database.session, g.clinic_id)]
    )


@blueprint.delete("/webhooks/<webhook_id>")
@operation(
    "deleteWebhook",
    "Delete a webhook endpoint: nothing more is sent to it",
    path=WebhookPath,
    answers={
        204: (None, "Deleted"),  # type: ignore[dict-item]
        404: "Not one of this clinic's endpoints",
    },
    invalid=404,
)
def delete_webhook(webhook_id: str):
    try:
        uid = uuid.UUID(webhook_id)
    except ValueError:
        raise ApiError(404, "not_found", "no such webhook endpoint for this clinic") from None
    endpoints.delete(database.session, g.clinic_id, g.actor, uid, request_id=g.request_id)
    return "", 204


def _shown(endpoint: endpoints.Endpoint) -> dict:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "created_at": endpoint.created_at.isoformat(),
    }
