"""Every (state, action) pair of the one transition table, tried through the services.

The dispute is registered at 枫桥镇's resolution centre and driven to each status with the
services; the action is then attempted by someone allowed to make it (the town head for the
holder, the county officer for the receiving county meeting, the clerk of 枫桥自然资源所 for the
department). Legal pairs move to the table's target; illegal ones raise IllegalMove and leave
every row as it was.
"""

import pytest
from django.db import transaction

from jiefen.disputes.access import available_moves
from jiefen.disputes.lifecycle import (
    TABLE,
    Action,
    DisputeError,
    IllegalMove,
    Invalid,
    Who,
    moves_from,
)
from jiefen.disputes.models import Event, Status
from jiefen.disputes.tests.conftest import at, register
from jiefen.disputes.tests.steps import PATHS, drive, open_stays, perform, snapshot

# The plan's flow, written out by hand: the table in lifecycle.py must say exactly this.
LEGAL = {
    Status.REGISTERED: {
        Action.ACCEPT: Status.ACCEPTED,
        Action.DECLINE: Status.DECLINED,
        Action.TRANSFER: Status.TRANSFERRING,
    },
    Status.ACCEPTED: {
        Action.SESSION: Status.MEDIATING,
        Action.TRANSFER: Status.TRANSFERRING,
        Action.ASSIGN: Status.ASSIGNED,
        Action.RESOLVE: Status.RESOLVED,
    },
    Status.MEDIATING: {
        Action.SESSION: Status.MEDIATING,
        Action.TRANSFER: Status.TRANSFERRING,
        Action.ASSIGN: Status.ASSIGNED,
        Action.RESOLVE: Status.RESOLVED,
    },
    Status.TRANSFERRING: {Action.RECEIVE: Status.ACCEPTED, Action.RETURN: Status.ACCEPTED},
    Status.ASSIGNED: {Action.REPORT: Status.MEDIATING},
    Status.RESOLVED: {Action.VISIT: Status.VISITED, Action.REOPEN: Status.ACCEPTED},
    Status.VISITED: {Action.CLOSE: Status.CLOSED, Action.REOPEN: Status.ACCEPTED},
    Status.CLOSED: {Action.REOPEN: Status.ACCEPTED},
    # A decline is not the end: the level above may review it and take the dispute on.
    Status.DECLINED: {Action.REVIEW_REOPEN: Status.ACCEPTED},
}

# Statuses in which the dispute sits at a level, with that level's clock running.
AT_A_LEVEL = {Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING, Status.ASSIGNED}


def test_it_has_the_plans_flow_and_nothing_else():
    assert set(LEGAL) == set(Status)
    assert {status: {m.action: m.target for m in moves_from(status)} for status in Status} == LEGAL


def test_it_asks_for_a_reason_where_the_plan_does():
    assert {a for a, m in TABLE.items() if m.needs_reason} == {
        Action.DECLINE,
        Action.TRANSFER,
        Action.RETURN,
        Action.REPORT,
        Action.REOPEN,
        Action.REVIEW_REOPEN,
    }


@pytest.fixture
def at_status(world, town_head, county_officer, town_department, town_department_clerk):
    """A dispute of 枫一社区 registered at 枫桥镇's centre, driven to the requested status."""

    def make(status):
        dispute = register(world, town_head, body="枫桥镇", when=at(2026, 3, 2, 9))
        dispute = drive(
            dispute,
            PATHS[status],
            actor=town_head,
            start=at(2026, 3, 2, 10),
            department=town_department,
        )
        assert dispute.status == status
        return dispute

    actors = {
        Who.HOLDER: town_head,
        Who.RECEIVER: county_officer,
        Who.DEPARTMENT: town_department_clerk,
        Who.ABOVE: county_officer,  # the county joint meeting above 枫桥镇's centre
    }
    return make, actors


def _attempt(status, action, *, dispute, actor, department):
    """Try one pair on `dispute` (in `status`) and check the outcome against LEGAL."""
    move = TABLE[action]
    before = snapshot(dispute.pk)
    if action in LEGAL[status]:
        assert move in available_moves(actor, dispute)
        moved = perform(
            action, actor=actor, dispute=dispute, department=department, at=at(2026, 3, 3)
        )
        moved.refresh_from_db()
        assert moved.status == LEGAL[status][action] == move.target
        assert moved.version == dispute.version + 1
        events = list(Event.objects.filter(dispute=dispute).order_by("id"))
        assert len(events) == len(before["events"]) + 1
        assert (
            events[-1].action,
            events[-1].from_status,
            events[-1].to_status,
            events[-1].actor,
        ) == (action, status, move.target, actor)
        stays = open_stays(moved)
        assert len(stays) == (1 if moved.status in AT_A_LEVEL else 0)
        assert all(stay.body_id == moved.holder_id for stay in stays)
    else:
        assert move not in available_moves(actor, dispute)
        with pytest.raises(IllegalMove):
            perform(action, actor=actor, dispute=dispute, department=department, at=at(2026, 3, 3))
        assert snapshot(dispute.pk) == before


@pytest.mark.parametrize("status", list(Status))
def test_it_makes_legal_moves_and_refuses_the_rest(at_status, town_department, status):
    """Every action of the table on one dispute in `status`, each tried in a savepoint that is
    then rolled back, so that the next action finds the dispute as it was."""
    make, actors = at_status
    dispute = make(status)
    wrong = []
    for action in TABLE:
        with transaction.atomic():
            try:
                _attempt(
                    status,
                    action,
                    dispute=dispute,
                    actor=actors[TABLE[action].who],
                    department=town_department,
                )
            except (AssertionError, DisputeError) as error:
                wrong.append(f"{status} × {action}: {type(error).__name__} {error}")
            transaction.set_rollback(True)
    assert wrong == []


@pytest.mark.parametrize("action", [a for a, m in TABLE.items() if m.needs_reason])
def test_it_refuses_a_move_without_its_reason(at_status, town_department, action):
    make, actors = at_status
    status = next(s for s, moves in LEGAL.items() if action in moves)
    dispute = make(status)
    before = snapshot(dispute.pk)
    with pytest.raises(Invalid) as refused:
        perform(
            action,
            actor=actors[TABLE[action].who],
            dispute=dispute,
            reason="   ",
            department=town_department,
            at=at(2026, 3, 3),
        )
    assert "reason" in refused.value.fields
    assert snapshot(dispute.pk) == before
