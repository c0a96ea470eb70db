"""Which buttons the order page shows: the role, the state, and the two rules the
actions would refuse anyway (no worksheet to override to; the compounder verifying)."""

import pytest

from pharmacy.models import Prescription, User, Worksheet
from pharmacy.services import Actor
from pharmacy.services.counter.actions import Staff, allowed_actions

TECHNICIAN = Staff(1, "terry", "technician", "TT")
PHARMACIST = Staff(2, "pat", "pharmacist", "PP")
ADMIN = Staff(3, "ada", "admin", "AA")
OTHER = 9  # whoever else compounded


def order(status: str, *, worksheet: bool = True, refill: int = 0) -> Prescription:
    return Prescription(
        status=status,
        worksheet=Worksheet(data={}) if worksheet else None,
        current_refill=refill,
    )


@pytest.mark.parametrize(
    ("staff", "status", "expected"),
    [
        (PHARMACIST, "received", ["cancel"]),
        (TECHNICIAN, "received", []),
        (ADMIN, "received", ["cancel"]),
        (PHARMACIST, "on_hold", ["override", "reject", "cancel", "ask_prescriber"]),
        (TECHNICIAN, "on_hold", []),
        (ADMIN, "on_hold", ["cancel"]),
        (PHARMACIST, "ready", ["reject", "record_compounding", "cancel", "ask_prescriber"]),
        (PHARMACIST, "awaiting_prescriber", ["reject", "cancel"]),
        (TECHNICIAN, "awaiting_prescriber", []),
        (TECHNICIAN, "ready", ["record_compounding"]),
        (ADMIN, "ready", ["cancel"]),
        (PHARMACIST, "compounded", ["verify", "cancel"]),
        (TECHNICIAN, "compounded", []),
        (ADMIN, "compounded", ["cancel"]),
        (PHARMACIST, "verified", ["dispense", "ship", "cancel"]),
        (TECHNICIAN, "verified", ["dispense", "ship"]),
        (ADMIN, "verified", ["cancel"]),
        (PHARMACIST, "dispensed", ["refill"]),
        (TECHNICIAN, "dispensed", ["refill"]),
        (ADMIN, "dispensed", []),
        (PHARMACIST, "shipped", ["refill"]),
        (TECHNICIAN, "shipped", ["refill"]),
        (ADMIN, "shipped", []),
        (PHARMACIST, "rejected", []),
        (PHARMACIST, "cancelled", []),
        (ADMIN, "cancelled", []),
    ],
)
def test_the_page_offers_what_the_role_may_do_in_this_state(staff, status, expected):
    assert allowed_actions(staff, order(status), OTHER) == expected


def test_a_cancelled_refill_offers_another_and_a_cancelled_original_does_not():
    assert allowed_actions(TECHNICIAN, order("cancelled", refill=1), None) == ["refill"]
    assert allowed_actions(PHARMACIST, order("cancelled", refill=2), None) == ["refill"]
    assert allowed_actions(TECHNICIAN, order("cancelled", refill=0), None) == []
    assert allowed_actions(ADMIN, order("cancelled", refill=1), None) == []


def test_an_order_held_without_a_worksheet_offers_no_override():
    assert allowed_actions(PHARMACIST, order("on_hold", worksheet=False), None) == [
        "reject",
        "cancel",
        "ask_prescriber",
    ]


def test_the_pharmacist_who_compounded_is_not_offered_verification_by_default():
    compounded = order("compounded")
    assert allowed_actions(PHARMACIST, compounded, PHARMACIST.user_id) == ["cancel"]
    assert allowed_actions(
        PHARMACIST, compounded, PHARMACIST.user_id, verifier_may_be_compounder=True
    ) == ["verify", "cancel"]


def test_an_unknown_role_is_offered_nothing():
    assert allowed_actions(Staff(4, "x", "visitor", ""), order("ready"), None) == []


def test_staff_are_built_from_the_user_and_named_in_the_audit_trail():
    user = User(id=7, username="quinn", role="pharmacist", initials="QC")
    staff = Staff.of(user)
    assert staff == Staff(7, "quinn", "pharmacist", "QC")
    assert staff.actor == Actor("user", "7", "quinn")
    assert staff.actor.label == "user:quinn"
