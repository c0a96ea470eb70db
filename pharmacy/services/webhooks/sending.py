"""One attempt of one delivery, as its task makes it.

The attempt is claimed first, in a transaction of its own (`attempts` goes up only if
it is still the attempt the task was given), so two copies of a task send once. The
request is made with no transaction open, signed by the Standard Webhooks scheme, to
the address checked just before, with connect and read timeouts, following no
redirect. A 2xx ends the delivery; anything else (an error status, a timeout, a refused
address) is tried again after a backoff that doubles each time, until `give_up_at`,
when the delivery fails and waits for an admin to resend it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pharmacy.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, utcnow
from pharmacy.services.unit_of_work import unit_of_work

from . import DELIVERED, FAILED, PENDING, addresses

USER_AGENT = "ldn-pharmacy-webhooks/1"
ERROR_MAX = 500
log = logging.getLogger("pharmacy.webhooks")


@dataclass(frozen=True)
class Policy:
    """The settings an attempt goes by (`WEBHOOK_*`)."""

    allow_private: bool
    connect_timeout_s: float
    read_timeout_s: float
    backoff_s: float
    backoff_max_s: float
    lease: timedelta = timedelta(minutes=2)  # as the scan leases: a retry waits for it

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt: doubling, up to the most."""
        return timedelta(seconds=min(self.backoff_s * 2 ** (attempts - 1), self.backoff_max_s))


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    attempt: int  # the number of this attempt, from 1
    give_up_at: datetime
    message_id: str
    body: str
    url: str
    secret: str


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str | None

    @property
    def accepted(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def attempt(session: Session, delivery_id: int, attempt_number: int, policy: Policy) -> str:
    """Make attempt `attempt_number` (0 for the first) of the delivery; the delivery's
    state after it, or "skipped" when that attempt was made already or is not due."""
    claimed = _claim(session, delivery_id, attempt_number, policy)
    if claimed is None:
        return "skipped"
    answer = post(claimed, policy)
    return _record(session, claimed, answer, policy)


def _claim(
    session: Session, delivery_id: int, attempt_number: int, policy: Policy
) -> Claimed | None:
    now = utcnow()
    with unit_of_work(session):
        claimed = session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.state == PENDING,
                WebhookDelivery.attempts == attempt_number,
            )
            .values(attempts=attempt_number + 1, next_attempt_at=now + policy.lease, updated_at=now)
            .returning(
                WebhookDelivery.event_id, WebhookDelivery.endpoint_id, WebhookDelivery.give_up_at
            )
        ).first()
        if claimed is None:
            return None
        event = session.execute(
            select(WebhookEvent.uid, WebhookEvent.body).where(WebhookEvent.id == claimed.event_id)
        ).one()
        endpoint = session.execute(
            select(WebhookEndpoint.url, WebhookEndpoint.secret).where(
                WebhookEndpoint.id == claimed.endpoint_id
            )
        ).one()
    return Claimed(
        delivery_id,
        attempt_number + 1,
        claimed.give_up_at,
        message_id(event.uid.hex),
        event.body,
        endpoint.url,
        endpoint.secret,
    )


def message_id(hex_id: str) -> str:
    return f"msg_{hex_id}"


def signed_headers(secret: str, message: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers: the signature covers `id.timestamp.body`."""
    from standardwebhooks import Webhook  # here: a worker that sends none never loads it

    return {
        "webhook-id": message,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message, at, body),
    }


def post(claimed: Claimed, policy: Policy) -> Answer:
    """Send the body to the endpoint, connecting to the address checked now."""
    import httpx  # here: some 18 MB a worker that sends no webhook need not carry

    try:
        target = addresses.target(claimed.url, allow_private=policy.allow_private)
    except addresses.Refused as refusal:
        return Answer(None, str(refusal))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Host": target.host_header,
        **signed_headers(claimed.secret, claimed.message_id, claimed.body, utcnow()),
    }
    timeout = httpx.Timeout(
        policy.read_timeout_s, connect=policy.connect_timeout_s, pool=policy.connect_timeout_s
    )
    # trust_env off: a proxy from the environment would connect to the name, not to the
    # address just checked.
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        request = client.build_request(
            "POST",
            target.connect_url(claimed.url),
            content=claimed.body.encode(),
            headers=headers,
            # TLS is spoken to the name: the certificate must be the clinic's.
            extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
        )
        try:
            response = client.send(request, stream=True)  # the answer's body is not read
            response.close()
        except httpx.TimeoutException as error:
            return Answer(None, f"timed out ({type(error).__name__})")
        except httpx.HTTPError as error:
            return Answer(None, f"{type(error).__name__}: {error}"[:ERROR_MAX])
    if 200 <= response.status_code < 300:
        return Answer(response.status_code, None)
    return Answer(response.status_code, f"answered {response.status_code}")


def _record(session: Session, claimed: Claimed, answer: Answer, policy: Policy) -> str:
    now = utcnow()
    if answer.accepted:
        state, values = DELIVERED, {"delivered_at": now, "last_error": None}
    else:
        retry_at = now + policy.backoff(claimed.attempt)
        state = FAILED if retry_at > claimed.give_up_at else PENDING
        values = {"last_error": answer.error, "next_attempt_at": retry_at}
        log.warning(
            "webhook not delivered",
            extra={
                "error": f"delivery {claimed.delivery_id} attempt {claimed.attempt}: {answer.error}"
            },
        )
    with unit_of_work(session):
        session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == claimed.delivery_id,
                WebhookDelivery.attempts == claimed.attempt,
                WebhookDelivery.state == PENDING,
            )
            .values(state=state, last_status_code=answer.status_code, updated_at=now, **values)
        )
    return state
