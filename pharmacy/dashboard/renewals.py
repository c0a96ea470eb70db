"""Renewals: the prescriptions the pharmacy asked their prescriber to renew and that
wait for an answer, newest first, so the staff know whom to call about and what a
patient will need before the next fill.

The list shows patient names: reading it is audited (`reads.renewals.pending`).
"""

from __future__ import annotations

from flask import g, render_template

from pharmacy.extensions import database
from pharmacy.services.reads import renewals as renewal_reads

from . import blueprint
from .roles import PHARMACY_STAFF, allow, staff

REASONS = {
    "no_refills_left": "No refills left",
    "expiring": "Expiring",
}


@blueprint.get("/renewals")
@allow(*PHARMACY_STAFF)
def renewals():
    waiting = renewal_reads.pending(
        database.session, actor=staff().actor, request_id=g.get("request_id")
    )
    return render_template(
        "dashboard/renewals.html",
        renewals=waiting,
        reasons=REASONS,
        shown_at_most=renewal_reads.PENDING_SHOWN,
    )
