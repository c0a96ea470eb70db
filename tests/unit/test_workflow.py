"""The order's workflow (domain.workflow): the table of actions against the allowed
moves, the open, closed and printable states, the refusals' words, a refill starting the
next fill, and the README's table rendered from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pharmacy.domain.workflow import (
    ACTIONS,
    ALLOWED_MOVES,
    CLINIC,
    CLOSED,
    FINAL,
    FIRST,
    OPEN,
    PRINTABLE,
    STAFF_ROLES,
    WORKED,
    Action,
    Move,
    NotTheirs,
    Refused,
    Status,
    WrongState,
    can_move,
    markdown_table,
    may,
    move,
    only_who_may,
    roles_for,
    why_not_printable,
)
from pharmacy.models import ROLES

README = Path(__file__).resolve().parents[2] / "README.md"
ARCHITECTURE = README.parent / "docs" / "architecture.md"
NOT_FINAL = [status for status in Status if status not in FINAL]
MOVES = [action for action in Action if not ACTIONS[action].new_fill]


@pytest.mark.parametrize("action", MOVES, ids=str)
def test_every_move_of_an_action_is_a_move_the_workflow_allows(action):
    rule = ACTIONS[action]
    assert rule.starts_from
    for status in rule.starts_from:
        assert can_move(status, rule.to), f"{action}: {status} → {rule.to}"
        assert move(status, action) == Move(status, rule.to)


def test_only_a_refill_the_prescribers_answer_and_a_split_start_a_new_fill():
    assert [action for action in Action if ACTIONS[action].new_fill] == [
        Action.REFILL,
        Action.ANSWER,
        Action.SPLIT,
    ]


def test_a_question_waits_for_the_clinic_whose_answer_starts_the_fill_again():
    for status in (Status.ON_HOLD, Status.READY):
        assert move(status, Action.ASK_PRESCRIBER, by="pharmacist") == Move(
            status, Status.AWAITING_PRESCRIBER
        )
    with pytest.raises(NotTheirs):
        move(Status.READY, Action.ASK_PRESCRIBER, by="technician")
    with pytest.raises(WrongState):
        move(Status.COMPOUNDED, Action.ASK_PRESCRIBER, by="pharmacist")
    # Only the clinic answers; the fill asked about stays as it was.
    assert move(Status.AWAITING_PRESCRIBER, Action.ANSWER, by=CLINIC) == Move(None, FIRST)
    with pytest.raises(NotTheirs):
        move(Status.AWAITING_PRESCRIBER, Action.ANSWER, by="pharmacist")
    with pytest.raises(WrongState):
        move(Status.READY, Action.ANSWER, by=CLINIC)
    # No answer coming, the pharmacist rejects it or anyone who may cancels it.
    assert move(Status.AWAITING_PRESCRIBER, Action.REJECT, by="pharmacist").to_status == (
        Status.REJECTED
    )
    assert move(Status.AWAITING_PRESCRIBER, Action.CANCEL, by=CLINIC).to_status == (
        Status.CANCELLED
    )
    assert why_not_printable(Status.AWAITING_PRESCRIBER) is not None


@pytest.mark.parametrize("status", [Status.DISPENSED, Status.SHIPPED, Status.CANCELLED], ids=str)
def test_a_refill_starts_the_next_fill_received_and_leaves_the_last_as_it_ended(status):
    assert ACTIONS[Action.REFILL].starts_from == {
        Status.DISPENSED,
        Status.SHIPPED,
        Status.CANCELLED,
    }
    # The new fill's first status, written as a new order's is: from none.
    assert move(status, Action.REFILL) == Move(None, FIRST) == Move(None, Status.RECEIVED)
    assert not can_move(status, Status.RECEIVED)  # the fill itself stays closed
    for who in ("technician", "pharmacist", CLINIC):
        assert move(status, Action.REFILL, by=who) == Move(None, Status.RECEIVED)


@pytest.mark.parametrize(
    "status", [s for s in Status if s not in (Status.DISPENSED, Status.SHIPPED, Status.CANCELLED)]
)
def test_a_refill_does_not_start_while_a_fill_is_open_or_after_a_rejection(status):
    with pytest.raises(WrongState) as refused:
        move(status, Action.REFILL, rx_number=12)
    assert refused.value.code == "wrong_status"
    assert str(refused.value) == (
        f"Rx 12 is {status.value.replace('_', ' ')}: a refill starts only once the last "
        "fill was dispensed or shipped, or a refill was cancelled"
    )


def test_an_admin_may_not_start_a_refill():
    assert roles_for(Action.REFILL) == ["technician", "pharmacist"]
    assert only_who_may(Action.REFILL) == "only a technician or a pharmacist may start a refill"
    assert only_who_may(Action.REFILL, "switch automatic refills") == (
        "only a technician or a pharmacist may switch automatic refills"
    )
    with pytest.raises(NotTheirs) as refused:
        move(Status.DISPENSED, Action.REFILL, by="admin")
    assert (
        str(refused.value) == "only a technician or a pharmacist may start a refill, not an admin"
    )


def test_every_action_is_in_the_table_and_someone_may_take_it():
    assert set(ACTIONS) == set(Action)
    # The clinic's answer is the one action no staff role takes.
    assert [action for action in Action if not roles_for(action)] == [Action.ANSWER]
    assert all(ACTIONS[action].who for action in Action)


def test_the_worker_moves_a_received_order_to_ready_or_on_hold():
    assert set(WORKED) == {Status.READY, Status.ON_HOLD}
    for status in WORKED:
        assert can_move(Status.RECEIVED, status)
        assert move(Status.RECEIVED, status) == Move(Status.RECEIVED, status)
    with pytest.raises(Refused, match="does not move a received order to cancelled"):
        move(Status.RECEIVED, Status.CANCELLED)  # a person's action, never the system's
    with pytest.raises(Refused):
        move(Status.READY, Status.ON_HOLD)


def test_a_new_order_is_received():
    assert move(None, Status.RECEIVED) == Move(None, Status.RECEIVED)
    with pytest.raises(Refused):
        move(None, Status.READY)


@pytest.mark.parametrize("status", NOT_FINAL, ids=str)
def test_every_order_not_closed_can_be_cancelled_by_the_staff_and_the_clinic(status):
    assert status in ACTIONS[Action.CANCEL].starts_from
    for who in ("pharmacist", "admin", CLINIC):
        assert move(status, Action.CANCEL, by=who) == Move(status, Status.CANCELLED)


@pytest.mark.parametrize("status", sorted(FINAL), ids=str)
def test_a_closed_fill_moves_no_further(status):
    assert ALLOWED_MOVES[status] == frozenset()
    for action in MOVES:
        assert status not in ACTIONS[action].starts_from
        with pytest.raises(WrongState):
            move(status, action)
    for target in Status:
        with pytest.raises(Refused):
            move(status, target)


def test_open_and_closed_split_the_states():
    assert set(OPEN) == {
        Status.RECEIVED,
        Status.READY,
        Status.ON_HOLD,
        Status.AWAITING_PRESCRIBER,
        Status.COMPOUNDED,
        Status.VERIFIED,
    }
    handed_over_or_stopped = {Status.DISPENSED, Status.SHIPPED, Status.REJECTED, Status.CANCELLED}
    assert set(CLOSED) == FINAL == handed_over_or_stopped
    assert set(OPEN) | set(CLOSED) == set(Status)
    assert not set(OPEN) & set(CLOSED)


def test_a_worked_order_prints_and_the_others_say_why_not():
    assert set(PRINTABLE) == {
        Status.READY,
        Status.COMPOUNDED,
        Status.VERIFIED,
        Status.DISPENSED,
        Status.SHIPPED,
    }
    assert all(why_not_printable(status) is None for status in PRINTABLE)
    assert why_not_printable(Status.RECEIVED) == (
        "it has not been worked yet (no worksheet, BUD or price)"
    )
    assert why_not_printable("on_hold") == "it is on hold until a pharmacist resolves its alerts"
    assert why_not_printable(Status.REJECTED) == "it is rejected"
    assert why_not_printable(Status.CANCELLED) == "it is cancelled"


def test_the_roles_are_the_accounts_roles():
    assert STAFF_ROLES == ROLES
    assert roles_for(Action.CANCEL) == ["pharmacist", "admin"]
    assert roles_for(Action.DISPENSE) == ["technician", "pharmacist"]
    assert only_who_may(Action.CANCEL) == "only a pharmacist or an admin may cancel an order"
    assert only_who_may(Action.OVERRIDE) == "only a pharmacist may override a hold"


def test_a_refusal_by_state_names_the_order_its_state_and_the_rule():
    with pytest.raises(WrongState) as refused:
        move(Status.ON_HOLD, Action.DISPENSE, rx_number=12)
    assert refused.value.code == "wrong_status"
    assert str(refused.value) == "Rx 12 is on hold: only a verified order can be dispensed"


def test_the_clinic_is_refused_in_its_own_words():
    with pytest.raises(WrongState) as refused:
        move(Status.DISPENSED, Action.CANCEL, by=CLINIC)
    assert refused.value.code == "not_cancellable"
    assert refused.value.message == "the prescription is already dispensed"


def test_the_clinic_may_only_cancel_ask_for_a_refill_and_answer_a_question():
    assert [action for action in Action if may(CLINIC, action)] == [
        Action.CANCEL,
        Action.REFILL,
        Action.ANSWER,
    ]
    for action in Action:
        if not may(CLINIC, action):
            with pytest.raises(NotTheirs):
                move(Status.ON_HOLD, action, by=CLINIC)


def test_the_clinics_words_for_a_closed_order_are_for_its_cancel_only():
    with pytest.raises(WrongState) as refused:
        move(Status.READY, Action.REFILL, by=CLINIC)
    assert refused.value.code == "wrong_status"


def test_the_cancel_refusal_names_every_closed_state():
    rule = ACTIONS[Action.CANCEL].state_rule
    assert all(status.value in rule for status in CLOSED)


@pytest.mark.parametrize(
    ("document", "heading"),
    [(README, "## The order's workflow"), (ARCHITECTURE, "## The workflow")],
    ids=["README", "architecture"],
)
def test_the_documents_show_the_workflow_table(document, heading):
    text = document.read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("|")]
    assert "\n".join(table) + "\n" == markdown_table()


def test_the_table_shows_a_refill_starting_the_next_fill():
    table = markdown_table().splitlines()
    refill = "|  | start a refill | technician, pharmacist, clinic | received (the next fill) |"
    at = {
        line.split(" | ")[0]: index
        for index, line in enumerate(table)
        if not line.startswith("|  |")
    }
    handed_over = ("| dispensed (label and receipt print)", "| shipped (label and receipt print)")
    for state in (*handed_over, "| cancelled"):
        assert table[at[state]].endswith("| none: the fill is closed |  |  |")
        assert table[at[state] + 1] == refill
    assert table.count(refill) == 3
