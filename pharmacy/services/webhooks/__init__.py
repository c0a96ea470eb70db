"""Clinics' webhooks: signed status events, delivered at least once.

- `endpoints`: a clinic registers, lists and deletes its receivers (the API).
- `scan`: beat's round turns new status changes, the audit trail's renewal requests and
  questions, and refills that became due into events numbered per prescription, one
  delivery per endpoint that wants it; and hands back the deliveries due to be sent.
- `sending`: one attempt of one delivery, a task of its own on the webhook queue, with
  timeouts, to the address checked just before; a 2xx ends it, anything else is tried
  again later, for `WEBHOOK_RETRY_FOR_S`, then failed for an admin to resend (`admin`).

Nothing here runs in intake or in the worker's pharmacy work: the rows they write are
read afterwards, so a slow or dead receiver slows only its own deliveries.
"""

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
