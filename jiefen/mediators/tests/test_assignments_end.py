"""A move that ends a dispute's mediation ends its mediators' assignments, whether the move
read "open assignments" with the dispute's row (services.LOCK_FACTS) or not."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.disputes.tests.conftest import at, register
from jiefen.disputes.tests.steps import perform
from jiefen.mediators.models import Assignment
from jiefen.mediators.services import mediators_assign
from jiefen.mediators.tests.conftest import make_mediator


def test_resolving_ends_the_assignments_and_counts_the_caseload_down(world, village_clerk):
    dispute = register(world, village_clerk, when=at(2026, 3, 2))
    chen = make_mediator(world.bodies["枫一社区"], "陈小梅", user=village_clerk)
    mediators_assign(
        actor=village_clerk, dispute_pk=dispute.pk, mediator_pks=[chen.pk], at=at(2026, 3, 2)
    )
    chen.refresh_from_db()
    assert chen.open_cases == 1
    dispute.refresh_from_db()
    dispute = perform("accept", actor=village_clerk, dispute=dispute, at=at(2026, 3, 3))
    perform("resolve", actor=village_clerk, dispute=dispute, at=at(2026, 3, 4))
    row = Assignment.objects.get(dispute=dispute, mediator=chen)
    assert row.ended_at == at(2026, 3, 4) and row.ended_why == "resolved"
    chen.refresh_from_db()
    assert chen.open_cases == 0


def test_a_dispute_without_mediators_is_resolved_without_asking_for_them(world, village_clerk):
    dispute = register(world, village_clerk, when=at(2026, 3, 2))
    dispute = perform("accept", actor=village_clerk, dispute=dispute, at=at(2026, 3, 3))
    with CaptureQueriesContext(connection) as captured:
        perform("resolve", actor=village_clerk, dispute=dispute, at=at(2026, 3, 4))
    assert not [
        q
        for q in captured.captured_queries
        if 'FROM "mediators_assignment"' in q["sql"] and "EXISTS" not in q["sql"]
    ]
