"""How many SQL statements a registration and each move cost (issue 19: at most 15), with
every invariant kept: the event, the level stays, the deadline, the rollups and the audit
records are all written in those statements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.audit.models import Record
from jiefen.disputes.models import Event
from jiefen.disputes.tests.conftest import at, register
from jiefen.disputes.tests.steps import perform

LIMIT = 15


def _counted(call):
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, captured


def _explain(captured):
    return "\n".join(q["sql"][:160] for q in captured.captured_queries)


def test_a_registration_costs_at_most_fifteen_statements(world, village_clerk):
    register(world, village_clerk)  # warm the caches a running server has
    records = Record.objects.count()
    dispute, captured = _counted(lambda: register(world, village_clerk))
    print("register", len(captured))
    assert len(captured) <= LIMIT, _explain(captured)
    assert Event.objects.filter(dispute=dispute, action="register").exists()
    assert Record.objects.count() > records


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
    when = at(2026, 2, 13)
    costs = {}
    for action in chain:
        records = Record.objects.count()
        dispute, captured = _counted(
            lambda action=action, dispute=dispute: perform(
                action, actor=actors.get(action, village_clerk), dispute=dispute, at=when
            )
        )
        costs[action] = len(captured)
        assert Event.objects.filter(dispute=dispute, action=action).exists()
        assert Record.objects.count() > records
    print(costs)
    for action, cost in costs.items():
        assert cost <= LIMIT, (action, cost)
