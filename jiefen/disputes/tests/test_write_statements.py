"""How many SQL statements a registration and each move send (issue 19: at most 15), with
every invariant kept: the event, the level stays, the deadline, the rollups, the search index
and the audit records are all written in those statements.

Counted without transaction control: in a test the service's transaction is a SAVEPOINT and
its RELEASE inside the test's own; in production it is BEGIN and COMMIT around the same
statements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.audit.models import Record
from jiefen.disputes.models import Event, LevelStay
from jiefen.disputes.tests.conftest import at, register
from jiefen.disputes.tests.steps import perform
from jiefen.metrics.models import Tally
from jiefen.search.models import SearchEntry

LIMIT = 15


def _statements(call):
    with CaptureQueriesContext(connection) as captured:
        result = call()
    sql = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    return result, sql


def test_a_registration_costs_at_most_fifteen_statements(world, village_clerk):
    register(world, village_clerk)  # warm the caches a running server has
    records, tallies = Record.objects.count(), Tally.objects.count()
    dispute, sql = _statements(lambda: register(world, village_clerk, complex=True))
    assert len(sql) <= LIMIT, "\n".join(s[:160] for s in sql)
    assert Event.objects.filter(dispute=dispute, action="register").exists()
    stay = LevelStay.objects.get(dispute=dispute)
    assert dispute.due_date is not None and stay.due_date == dispute.due_date
    assert SearchEntry.objects.filter(dispute_id=dispute.pk).exists()
    assert Record.objects.count() > records and Tally.objects.count() >= tallies


@pytest.mark.parametrize(
    "chain",
    [
        ("accept", "resolve", "visit", "close"),
        ("transfer", "receive"),
        ("transfer", "return"),
    ],
)
def test_each_move_costs_at_most_fifteen_statements(world, village_clerk, town_head, chain):
    register(world, village_clerk)
    dispute = register(world, village_clerk, complex=True, when=at(2026, 2, 12))
    actors = {"receive": town_head, "return": town_head}
    costs = {}
    for action in chain:
        records = Record.objects.count()
        dispute, sql = _statements(
            lambda action=action, dispute=dispute: perform(
                action, actor=actors.get(action, village_clerk), dispute=dispute, at=at(2026, 2, 13)
            )
        )
        costs[action] = len(sql)
        assert Event.objects.filter(dispute=dispute, action=action).exists()
        assert Record.objects.count() > records
        # All of the move's audit records in one INSERT, and no lock on the chain's head.
        assert len([s for s in sql if s.startswith('INSERT INTO "audit_record"')]) == 1
        assert not [s for s in sql if "audit_chainhead" in s]
    for action, cost in costs.items():
        assert cost <= LIMIT, (action, cost)
