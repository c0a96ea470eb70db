"""The actions staff take on an order, on each database: who may take them, from which
state, what they record, and that a refusal changes nothing (status, alerts, lots,
audit trail)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from decimal import Decimal

import pytest

from pharmacy.domain.workflow import Status, can_move
from pharmacy.extensions import database
from pharmacy.services import Conflict, Invalid, NotFound
from pharmacy.services.counter import actions as staff_actions
from pharmacy.services.counter.actions import (
    ACTION_STATES,
    ROLE_ACTIONS,
    Forbidden,
    Staff,
)
from tests.support.orders import OPIOID, REASON

ROLES = ("technician", "pharmacist", "admin")
ACTIONS = (
    "override",
    "reject",
    "ask_prescriber",
    "record_compounding",
    "verify",
    "dispense",
    "ship",
    "cancel",
    "split",
)

# Who may do what, as the pharmacy runs it.
MAY = {
    "override": {"pharmacist"},
    "reject": {"pharmacist"},
    "ask_prescriber": {"pharmacist"},
    "split": {"pharmacist"},
    "record_compounding": {"technician", "pharmacist"},
    "verify": {"pharmacist"},
    "dispense": {"technician", "pharmacist"},
    "ship": {"technician", "pharmacist"},
    "cancel": {"pharmacist", "admin"},
    "refill": {"technician", "pharmacist"},
}
# The states each action starts from, and where it leaves the order.
STARTS_FROM = {
    "override": {"on_hold"},
    "reject": {"on_hold", "ready", "awaiting_prescriber"},
    "ask_prescriber": {"on_hold", "ready"},
    # A split starts the next fill (tests/services/test_split_fills.py).
    "split": {"on_hold", "ready"},
    "record_compounding": {"ready"},
    "verify": {"compounded"},
    "dispense": {"verified"},
    "ship": {"verified"},
    "cancel": {"received", "on_hold", "awaiting_prescriber", "ready", "compounded", "verified"},
    # The clinic's answer, through the API (tests/api/test_clarification.py).
    "answer": {"awaiting_prescriber"},
    # A refill starts the next fill (tests/services/test_counter_refills.py).
    "refill": {"dispensed", "shipped", "cancelled"},
}
ENDS_IN = {
    "override": "ready",
    "reject": "rejected",
    "ask_prescriber": "awaiting_prescriber",
    "split": "received",
    "record_compounding": "compounded",
    "verify": "verified",
    "dispense": "dispensed",
    "ship": "shipped",
    "cancel": "cancelled",
}


def test_the_tables_the_dashboard_reads_are_the_pharmacys_rules():
    assert {role: set(actions) for role, actions in ROLE_ACTIONS.items()} == {
        role: {action for action, roles in MAY.items() if role in roles} for role in ROLES
    }
    assert {str(action): {str(s) for s in states} for action, states in ACTION_STATES.items()} == (
        STARTS_FROM
    )


# --- roles ------------------------------------------------------------------------------


def order_for(counter, action: str) -> int:
    """An order in the state `action` starts from (verify: compounded by someone else;
    split: one whose supply outlasts its preparation)."""
    if action in ("override", "reject"):
        return counter.held()
    if action == "split":
        return counter.outlasting()
    if action == "verify":
        return counter.compounded(by="pharmacist2")
    if action in ("dispense", "ship"):
        rx = counter.verified()
        counter.label_printed(rx)
        return rx
    return counter.ready()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_role_may_take_only_its_own_actions(counter, action, role):
    rx = order_for(counter, action)
    if role in MAY[action]:
        counter.act(action, role, rx)
        assert counter.status(rx) == ENDS_IN[action]
        return
    before = counter.state(rx)
    with pytest.raises(Forbidden, match=f"^only .* may .*; .* is signed in as {role}$") as refused:
        counter.act(action, role, rx)
    assert refused.value.code == "forbidden"
    assert counter.state(rx) == before


def test_the_role_that_counts_is_the_accounts_role_now(counter):
    rx = counter.held()
    technician = counter.staff["technician"]
    claims_more = Staff(technician.user_id, technician.username, "pharmacist", "")
    before = counter.state(rx)
    with pytest.raises(Forbidden, match="signed in as technician"):
        counter.call("override", claims_more, rx, REASON)
    assert counter.state(rx) == before


def test_a_deactivated_account_may_do_nothing(counter, deactivated):
    rx = counter.held()
    before = counter.state(rx)
    with pytest.raises(Forbidden, match="has no active staff account"):
        counter.call("override", deactivated, rx, REASON)
    assert counter.state(rx) == before


def test_an_unknown_rx_number_is_not_found(counter):
    with pytest.raises(NotFound, match="there is no Rx 999"):
        counter.call("cancel", "admin", 999, REASON)


# --- states -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def order_in(counter) -> dict[str, int]:
    """One order in every state. Refusals change nothing, so they share them."""
    return {str(status): counter.in_state(status) for status in Status}


REFUSED = [
    (action, str(status))
    for action in ACTIONS
    for status in Status
    if str(status) not in STARTS_FROM[action]
]


@pytest.mark.parametrize(("action", "status"), REFUSED)
def test_an_action_is_refused_in_a_state_it_does_not_start_from(counter, order_in, action, status):
    rx = order_in[status]
    arguments = _arguments(counter, action)
    before = counter.state(rx)
    with pytest.raises(Conflict) as refused:
        counter.call(action, "pharmacist", rx, *arguments)
    assert refused.value.code == "wrong_status"
    assert refused.value.message.startswith(f"Rx {rx} is {status.replace('_', ' ')}: ")
    assert counter.state(rx) == before


def _arguments(counter, action: str) -> tuple:
    if action in ("override", "reject", "ask_prescriber", "cancel"):
        return (REASON,)
    if action == "record_compounding":
        return (counter.entry(counter.ready()),)  # a valid entry, for another order
    return ()


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("verify", "ready", "is ready: only a compounded order can be verified"),
        ("dispense", "compounded", "is compounded: only a verified order can be dispensed"),
        ("override", "ready", "is ready: only an order on hold can be overridden"),
        (
            "cancel",
            "dispensed",
            "is dispensed: a dispensed, shipped, rejected or cancelled order cannot",
        ),
    ],
)
def test_the_refusal_says_what_state_the_order_is_in(counter, order_in, action, status, message):
    with pytest.raises(Conflict, match=message):
        counter.call(action, "pharmacist", order_in[status], *_arguments(counter, action))


# --- override ---------------------------------------------------------------------------


def test_an_override_releases_the_order_and_keeps_the_reason_on_every_hard_stop(counter):
    rx = counter.held(medications=(OPIOID, "loperamide 2 mg as needed"))
    pharmacist = counter.staff["pharmacist"]
    shown = counter.call(
        "override",
        "pharmacist",
        rx,
        "  Patient stopped Percocet 3 weeks ago; confirmed with Dr Example.\r\n",
        request_id="req-override-1",
    )
    reason = "Patient stopped Percocet 3 weeks ago; confirmed with Dr Example."
    assert shown.status == "ready"
    hard_stops = [a for a in shown.alerts if a.severity == "hard_stop"]
    cautions = [a for a in shown.alerts if a.severity == "caution"]
    assert hard_stops and cautions
    for alert in hard_stops:
        assert alert.resolution == "overridden"
        assert alert.resolved_by == f"user:{pharmacist.username}"
        assert alert.resolved_reason == reason
        assert alert.resolved_at is not None
    assert all(alert.resolution is None for alert in cautions)  # shown, never held
    last = shown.status_history[-1]
    assert (last.from_status, last.to_status, last.actor, last.reason) == (
        "on_hold",
        "ready",
        f"user:{pharmacist.username}",
        reason,
    )
    event = counter.audit(rx)[-1]
    assert (event.action, event.actor_type, event.actor_id, event.request_id) == (
        "prescription.overridden",
        "user",
        str(pharmacist.user_id),
        "req-override-1",
    )
    assert event.detail == {
        "from_status": "on_hold",
        "to_status": "ready",
        "reason": reason,
        "alert_ids": [a.id for a in hard_stops],
        "alert_codes": [a.code for a in hard_stops],
    }


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "a written reason is required"),
        ("   ", "a written reason is required"),
        ("ok", "write the reason out: at least 10 characters"),
        ("\x1b[2Jconfirmed by phone", "must not contain control characters"),
    ],
)
def test_an_override_needs_a_written_reason(counter, reason, message):
    rx = counter.held()
    before = counter.state(rx)
    with pytest.raises(Invalid) as refused:
        counter.call("override", "pharmacist", rx, reason)
    [problem] = refused.value.problems
    assert (problem.field, problem.message.startswith(message)) == ("reason", True)
    assert refused.value.message == f"reason: {problem.message}"
    assert counter.state(rx) == before


def test_an_order_held_because_it_could_not_be_worked_is_rejected_not_overridden(counter):
    rx = counter.failed()
    before = counter.state(rx)
    with pytest.raises(Conflict, match="Reject it or cancel it") as refused:
        counter.call("override", "pharmacist", rx, REASON)
    assert refused.value.code == "no_worksheet"
    assert counter.state(rx) == before
    shown = counter.call("reject", "pharmacist", rx, "Order cannot be made as written")
    assert shown.status == "rejected"
    [alert] = shown.alerts
    assert (alert.code, alert.resolution) == ("processing_failed", "rejected")


# --- reject -----------------------------------------------------------------------------


def test_rejecting_a_held_order_resolves_its_hard_stops_as_rejected(counter):
    rx = counter.held()
    shown = counter.call("reject", "pharmacist", rx, "Patient needs opioid pain control")
    assert shown.status == "rejected"
    assert {(a.resolution, a.resolved_reason) for a in shown.alerts} == {
        ("rejected", "Patient needs opioid pain control")
    }
    event = counter.audit(rx)[-1]
    assert event.action == "prescription.rejected"
    assert event.detail["reason"] == "Patient needs opioid pain control"
    assert event.detail["alert_codes"] == [a.code for a in shown.alerts]


def test_a_ready_order_is_rejected_in_one_move_with_the_reason(counter):
    rx = counter.ready()
    shown = counter.call("reject", "pharmacist", rx, "Duplicate of an order already filled")
    moves = [(c.from_status, c.to_status, c.reason) for c in shown.status_history[-2:]]
    assert moves == [
        ("received", "ready", None),
        ("ready", "rejected", "Duplicate of an order already filled"),
    ]
    event = counter.audit(rx)[-1]
    assert (event.action, event.detail["from_status"]) == ("prescription.rejected", "ready")


def test_a_rejection_needs_a_written_reason(counter):
    rx = counter.ready()
    before = counter.state(rx)
    with pytest.raises(Invalid, match="reason: a written reason is required"):
        counter.call("reject", "pharmacist", rx, "")
    assert counter.state(rx) == before


# --- recording compounding --------------------------------------------------------------


def test_recording_compounding_takes_what_was_used_off_the_lots(counter):
    rx = counter.ready()
    entry = counter.entry(rx, deviations="Balance 2 used; balance 1 in calibration.")
    before = counter.lots()
    record = counter.call("record_compounding", "technician", rx, entry, request_id="req-7")
    after = counter.lots()
    used = {(use.ingredient_code, use.lot_number): use.amount for use in entry.components}
    assert {key: before[key] - after[key] for key in before if before[key] != after[key]} == used
    technician = counter.staff["technician"]
    assert record.compounded_by == technician.user_id
    assert (record.compounded_on, record.quantity_made, record.quantity_unit) == (
        counter.today,
        Decimal(32),
        "capsule",
    )
    assert record.deviations == "Balance 2 used; balance 1 in calibration."
    assert record.qc_passed is True and record.qc["check"] == "capsule_weight"
    assert (record.verified_by, record.verified_at) == (None, None)
    assert [(c["ingredient_code"], c["lot_number"], c["amount"]) for c in record.components] == [
        (use.ingredient_code, use.lot_number, str(use.amount)) for use in entry.components
    ]
    assert {c["unit"] for c in record.components} == {"mg", "each"}
    assert all(c["vendor"] == "Test Supply" and c["expires_on"] for c in record.components)
    state = counter.state(rx)
    assert state["status"] == "compounded"
    assert state["history"][-1] == ("ready", "compounded", f"user:{technician.username}", None)
    event = counter.audit(rx)[-1]
    assert (event.action, event.request_id) == ("prescription.compounded", "req-7")
    assert event.detail["compounding_record_id"] == record.id
    assert event.detail["qc_passed"] is True and event.detail["has_deviations"] is True
    assert len(event.detail["lots"]) == len(entry.components)


def test_the_lots_the_worksheet_picked_can_be_recorded_as_planned(counter):
    rx = counter.ready()
    entry = counter.entry(rx, planned_lots=True)
    before = counter.lots()
    counter.call("record_compounding", "pharmacist", rx, entry)
    after = counter.lots()
    for use in entry.components:
        key = (use.ingredient_code, use.lot_number)
        assert after[key] == before[key] - use.amount


def test_a_failed_capsule_weight_check_is_recorded_and_flagged(counter):
    rx = counter.ready()
    weights = (Decimal("120.1"), Decimal("101.0"), Decimal("134.0"))
    record = counter.call(
        "record_compounding", "technician", rx, counter.entry(rx, capsule_weights_mg=weights)
    )
    assert record.qc_passed is False
    assert record.qc["outside"] == ["101.0", "134.0"]
    assert record.qc["summary"].startswith("capsule weight check failed: 2 of 3 outside")
    assert counter.status(rx) == "compounded"
    assert counter.audit(rx)[-1].detail["qc_passed"] is False


@pytest.mark.parametrize(("volume", "passed"), [("32", True), ("31.36", True), ("31.3", False)])
def test_an_oral_liquid_is_checked_by_its_final_volume(counter, volume, passed):
    rx = counter.ready(dosage_form="oral_liquid", strength_mg=1.5)
    plan = counter.plan(rx)
    assert plan.batch_quantity == 32  # 30 mL to dispense + 5 %, rounded up; ± 2 %
    entry = counter.entry(rx, final_volume_ml=Decimal(volume))
    record = counter.call("record_compounding", "technician", rx, entry)
    assert (record.qc_passed, record.qc["check"], record.quantity_unit) == (
        passed,
        "liquid_volume",
        "mL",
    )


def test_the_tolerance_of_the_check_is_the_pharmacys_setting(counter):
    heavy = (Decimal("128"),)  # 120 mg + 6.7 %
    first, second = counter.ready(), counter.ready()
    record = counter.call(
        "record_compounding", "technician", first, counter.entry(first, capsule_weights_mg=heavy)
    )
    assert record.qc_passed is True
    before = counter.set_setting("capsule_weight_tolerance_percent", "5")
    try:
        record = counter.call(
            "record_compounding",
            "technician",
            second,
            counter.entry(second, capsule_weights_mg=heavy),
        )
    finally:
        counter.set_setting("capsule_weight_tolerance_percent", before)
    assert record.qc_passed is False
    assert record.qc["tolerance_percent"] == "5"


def test_without_its_tolerance_setting_the_check_cannot_be_made(counter):
    rx = counter.ready()
    entry = counter.entry(rx)
    before = counter.state(rx)
    kept = counter.remove_setting("capsule_weight_tolerance_percent")
    try:
        with pytest.raises(Conflict, match="run `pharmacy db upgrade`") as refused:
            counter.call("record_compounding", "technician", rx, entry)
    finally:
        counter.restore_setting("capsule_weight_tolerance_percent", kept)
    assert refused.value.code == "setting_missing"
    assert counter.state(rx) == before


def _replace_lot(entry, code: str, lot_number: str, amount: Decimal | None = None):
    from dataclasses import replace

    return replace(
        entry,
        components=tuple(
            replace(use, lot_number=lot_number, amount=amount or use.amount)
            if use.ingredient_code == code
            else use
            for use in entry.components
        ),
    )


@pytest.mark.parametrize(
    ("code", "lot", "field", "message"),
    [
        ("naltrexone_hcl", "NTX-22001", "lot_number", "lot NTX-22001 of naltrexone_hcl expired"),
        ("mcc_ph102", "MCC-5400", "lot_number", "lot MCC-5400 of mcc_ph102 is quarantined"),
        ("vial_cap", "NO-SUCH-LOT", "lot_number", "there is no lot NO-SUCH-LOT of vial_cap"),
        ("capsule_3_clear", "small", "amount", "32 each is more than lot"),
    ],
)
def test_a_lot_that_may_not_be_used_is_refused_and_nothing_changes(
    counter, code, lot, field, message
):
    rx = counter.ready()
    if lot == "small":
        lot = counter.add_lot(code, "10")
    entry = _replace_lot(counter.entry(rx), code, lot)
    index = [use.ingredient_code for use in entry.components].index(code)
    before = counter.state(rx)
    with pytest.raises(Invalid) as refused:
        counter.call("record_compounding", "technician", rx, entry)
    [problem] = refused.value.problems
    assert problem.field == f"components[{index}].{field}"
    assert problem.message.startswith(message)
    assert counter.state(rx) == before


def test_an_entry_with_several_problems_names_each_and_changes_nothing(counter):
    rx = counter.ready()
    entry = counter.entry(rx, quantity_made=Decimal(10), capsule_weights_mg=(), components=())
    before = counter.state(rx)
    with pytest.raises(Invalid) as refused:
        counter.call("record_compounding", "technician", rx, entry)
    assert [p.field for p in refused.value.problems] == [
        "components",
        "quantity_made",
        "capsule_weights_mg",
    ]
    assert counter.state(rx) == before


def test_two_batches_cannot_both_take_the_last_of_a_lot(counter):
    """Each records in its own transaction at the same moment: the lot is locked while
    one takes from it, so the other sees what is left and is refused."""
    shells = counter.add_lot("capsule_3_clear", "32")
    orders = [counter.ready(), counter.ready()]
    entries = [_replace_lot(counter.entry(rx), "capsule_3_clear", shells) for rx in orders]
    start = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def record(index: int) -> None:
        start.wait()
        try:
            outcomes[index] = counter.call(
                "record_compounding", "technician", orders[index], entries[index]
            )
        except Invalid as refused:
            outcomes[index] = refused

    threads = [threading.Thread(target=record, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    refused = [o for o in outcomes if isinstance(o, Invalid)]
    assert len(refused) == 1, outcomes
    assert "is more than lot" in refused[0].message
    assert counter.lots()[("capsule_3_clear", shells)] == 0
    assert sorted(counter.status(rx) for rx in orders) == ["compounded", "ready"]


# --- verify -----------------------------------------------------------------------------


def test_another_pharmacist_verifies_the_compounded_order(counter):
    rx = counter.compounded(by="pharmacist")
    checker = counter.staff["pharmacist2"]
    shown = counter.call("verify", "pharmacist2", rx)
    assert shown.status == "verified"
    record = shown.compounding_record
    assert record.verified_by == checker.user_id and record.verified_at is not None
    event = counter.audit(rx)[-1]
    assert event.action == "prescription.verified"
    assert event.detail == {
        "from_status": "compounded",
        "to_status": "verified",
        "compounding_record_id": record.id,
        "qc_passed": True,
    }


def test_the_pharmacist_who_compounded_may_not_verify(counter):
    rx = counter.compounded(by="pharmacist")
    before = counter.state(rx)
    name = counter.staff["pharmacist"].username
    message = f"{name} compounded Rx {rx} and may not also verify it: another pharmacist"
    with pytest.raises(Forbidden, match=message):
        counter.call("verify", "pharmacist", rx)
    assert counter.state(rx) == before


def test_the_pharmacy_may_let_the_compounding_pharmacist_verify(counter):
    rx = counter.compounded(by="pharmacist")
    assert counter.verifier_may_be_compounder() is False  # the default
    before = counter.set_setting("verifier_may_be_compounder", True)
    try:
        assert counter.verifier_may_be_compounder() is True  # for the page's buttons
        shown = counter.call("verify", "pharmacist", rx)
    finally:
        counter.set_setting("verifier_may_be_compounder", before)
    assert shown.status == "verified"


def test_a_failed_check_is_verified_only_with_a_deviation_note_explaining_it(counter):
    light = (Decimal("150"),)
    unexplained = counter.compounded(capsule_weights_mg=light)
    before = counter.state(unexplained)
    with pytest.raises(Conflict, match="has no deviation note explaining it") as refused:
        counter.call("verify", "pharmacist", unexplained)
    assert refused.value.code == "qc_failed_unexplained"
    assert "capsule weight check failed: 1 of 1 outside" in refused.value.message
    assert counter.state(unexplained) == before

    explained = counter.compounded(
        capsule_weights_mg=light,
        deviations="Capsule 1 was a shell dropped on the tray; 10 re-weighed within range.",
    )
    shown = counter.call("verify", "pharmacist", explained)
    assert shown.status == "verified"
    assert counter.audit(explained)[-1].detail["qc_passed"] is False


# --- dispense and cancel ----------------------------------------------------------------


def test_a_technician_dispenses_a_verified_order(counter):
    rx = counter.verified()
    technician = counter.staff["technician"]
    shown = counter.call("dispense", "technician", rx, request_id="req-pickup")
    assert shown.status == "dispensed"
    last = shown.status_history[-1]
    assert (last.from_status, last.to_status, last.actor) == (
        "verified",
        "dispensed",
        f"user:{technician.username}",
    )
    event = counter.audit(rx)[-1]
    assert (event.action, event.actor_id, event.request_id) == (
        "prescription.dispensed",
        str(technician.user_id),
        "req-pickup",
    )


def test_an_order_is_dispensed_up_to_its_beyond_use_date_and_not_after(counter):
    on_the_day, too_late = counter.verified(), counter.verified()
    use_by = counter.plan(on_the_day).beyond_use_date
    # On its last day the supply outlasts it: only a pharmacist, with a reason.
    shown = counter.call(
        "dispense", "pharmacist", on_the_day, today=use_by, short_supply_reason=REASON
    )
    assert shown.status == "dispensed"
    before = counter.state(too_late)
    day_after = counter.plan(too_late).beyond_use_date + timedelta(days=1)
    with pytest.raises(Conflict, match=r"to be used by \d{4}-\d\d-\d\d: it may not be") as no:
        counter.call("dispense", "technician", too_late, today=day_after)
    assert no.value.code == "past_beyond_use_date"
    assert counter.state(too_late) == before


@pytest.mark.parametrize("status", sorted(STARTS_FROM["cancel"]))
def test_an_order_not_yet_closed_is_cancelled_with_a_reason(counter, status):
    rx = counter.in_state(Status(status))
    lots = counter.lots()
    shown = counter.call("cancel", "admin", rx, "Clinic called: patient moved away")
    assert shown.status == "cancelled"
    assert shown.status_history[-1].reason == "Clinic called: patient moved away"
    event = counter.audit(rx)[-1]
    assert (event.action, event.detail["from_status"], event.detail["reason"]) == (
        "prescription.cancelled",
        status,
        "Clinic called: patient moved away",
    )
    assert counter.lots() == lots  # what was compounded stays used


def test_a_cancellation_needs_a_written_reason(counter):
    rx = counter.ready()
    before = counter.state(rx)
    with pytest.raises(Invalid, match="reason: write the reason out"):
        counter.call("cancel", "admin", rx, "dup")
    assert counter.state(rx) == before


# --- the whole life of an order ---------------------------------------------------------


def test_an_order_goes_from_hold_to_pickup_in_allowed_moves_with_an_audit_trail(counter):
    rx = counter.held()
    counter.call("override", "pharmacist", rx, REASON)
    counter.call("record_compounding", "technician", rx, counter.entry(rx))
    counter.call("verify", "pharmacist", rx)
    counter.label_printed(rx)
    counter.pay(rx)
    counter.call("dispense", "technician", rx)
    state = counter.state(rx)
    moves = [(before, after) for before, after, _, _ in state["history"]]
    assert moves == [
        (None, "received"),
        ("received", "on_hold"),
        ("on_hold", "ready"),
        ("ready", "compounded"),
        ("compounded", "verified"),
        ("verified", "dispensed"),
    ]
    assert all(can_move(Status(a), Status(b)) for a, b in moves[1:])
    events = counter.audit(rx)
    assert [e.action for e in events] == [
        "prescription.received",
        "prescription.worked",
        "prescription.overridden",
        "prescription.compounded",
        "prescription.verified",
        "label.printed",
        "payment.taken",
        "prescription.dispensed",
    ]
    trail = json.dumps([e.detail for e in events])
    for private in ("Counterpatient", "Ada", "1980-01-02", "614-555-0199", "Main St"):
        assert private not in trail


def test_an_order_is_not_handed_over_before_its_label_is_printed(counter):
    rx = counter.compounded()
    counter.call("verify", "pharmacist", rx)
    counter.pay(rx)
    with counter.app.app_context(), pytest.raises(Conflict) as refused:
        staff_actions.dispense(
            database.session, counter.staff["technician"], rx, today=counter.today
        )
    assert refused.value.code == "label_not_printed"
    assert "print it" in refused.value.message
    assert counter.status(rx) == Status.VERIFIED
    counter.label_printed(rx)
    assert counter.call("dispense", "technician", rx).status == "dispensed"


def test_a_fill_whose_use_by_comes_before_its_supply_ends_needs_a_pharmacists_reason(counter):
    rx = counter.verified()
    use_by = counter.plan(rx).beyond_use_date
    late = use_by - timedelta(days=10)  # 10 days left of a 30-day supply
    before = counter.state(rx)
    with pytest.raises(Conflict, match="before its 30-day supply would run out") as refused:
        counter.call("dispense", "technician", rx, today=late)
    assert refused.value.code == "beyond_use_before_supply_ends"
    with pytest.raises(Forbidden, match="only a pharmacist may hand over"):
        counter.call("dispense", "technician", rx, today=late, short_supply_reason=REASON)
    assert counter.state(rx) == before
    shown = counter.call("dispense", "pharmacist", rx, today=late, short_supply_reason=REASON)
    assert shown.status == "dispensed"
    event = counter.audit(rx)[-1]
    assert event.detail["short_supply_reason"] == REASON
    assert event.detail["beyond_use_date"] == use_by.isoformat()


def test_a_batch_made_after_its_worksheet_has_its_use_by_counted_from_the_day_it_was_made(
    counter,
):
    rx = counter.ready()
    plan = counter.plan(rx)
    made = plan.worked_on + timedelta(days=5)
    counter.call("record_compounding", "technician", rx, counter.entry(rx, compounded_on=made))
    shown = counter.call("verify", "pharmacist", rx)
    # 180 days for capsules, the day made counted as day 1; the builder's lots, used
    # here, outlast it (the worksheet's date was cut short by a lot it had picked).
    assert shown.beyond_use_date == made + timedelta(days=179)
    assert shown.beyond_use_date > plan.beyond_use_date
    event = next(e for e in counter.audit(rx) if e.action == "prescription.compounded")
    assert event.detail["worksheet_beyond_use_date"] == plan.beyond_use_date.isoformat()
