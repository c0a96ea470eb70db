"""Indexes the dashboard reads by, on tables defined elsewhere.

Kept here so the dashboard's needs are in one place (migration 0004 creates them).
"""

from __future__ import annotations

from sqlalchemy import Index

from .prescriptions import Prescription
from .records import AuditEvent

# The queue's date filter: orders received on a day.
PRESCRIPTIONS_BY_RECEIVED = Index(
    "ix_prescriptions_created_at", Prescription.__table__.c.created_at
)
# The audit view's "who did it" filter, newest first.
AUDIT_EVENTS_BY_ACTOR = Index(
    "ix_audit_events_actor", AuditEvent.__table__.c.actor_name, AuditEvent.__table__.c.id
)
