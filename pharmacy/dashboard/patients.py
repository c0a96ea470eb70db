"""The patient's page: who they are, the allergies, medications and conditions on
record, whether a renewal is waiting for the prescriber, and every prescription of
theirs with its fills, newest first.

The staff who may open an order may open its patient (the dashboard is the pharmacy's:
every clinic's patients are its patients). Opening the page is access to patient data
and is audited (`services.reads.patients`).
"""

from __future__ import annotations

from flask import g, render_template

from pharmacy.extensions import database
from pharmacy.services.reads import patients as patient_reads

from . import blueprint
from .roles import EVERYONE, allow, staff


@blueprint.get("/patients/<int(max=2147483647):patient_id>")
@allow(*EVERYONE)
def patient(patient_id: int):
    seen = patient_reads.view_patient(
        database.session, patient_id, actor=staff().actor, request_id=g.get("request_id")
    )
    return render_template("dashboard/patient.html", patient=seen)
