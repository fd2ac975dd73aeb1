"""A party's request for a mediator or a change and a mediator's withdrawal: events with an
answer deadline in working days; unanswered, the request rises to the body's head once, and
then only the head may answer it."""

from datetime import date

import pytest

from jiefen.disputes.models import Event
from jiefen.lib.errors import Forbidden, Invalid
from jiefen.mediators.models import Assignment, MediatorRequest, RequestState
from jiefen.mediators.requests import (
    mediator_request_answer,
    mediator_request_make,
    mediator_requests_overdue,
)
from jiefen.mediators.services import mediators_assign
from jiefen.mediators.tests.conftest import at, make_mediator, register
from jiefen.org.models import Role


@pytest.fixture
def mediating(world, village_clerk):
    """枫一社区's dispute with 陈小梅 on it, and 王调解 of the same group free."""
    dispute = register(world, village_clerk, when=at(2026, 3, 2))
    first = make_mediator(world.bodies["枫一社区"], "陈小梅", user=village_clerk)
    other = make_mediator(world.bodies["枫一社区"], "王调解")
    mediators_assign(
        actor=village_clerk, dispute_pk=dispute.pk, mediator_pks=[first.pk], at=at(2026, 3, 2)
    )
    return dispute, first, other


def test_a_party_asks_for_another_mediator_with_a_working_day_deadline(world, mediating):
    dispute, first, other = mediating
    # Friday 2026-03-06: three working days later is Wednesday 03-11.
    request = mediator_request_make(
        dispute=dispute,
        kind="change",
        mediator_pk=first.pk,
        wanted_pk=other.pk,
        reason="调解员与对方是亲戚",
        at=at(2026, 3, 6),
    )
    assert request.due_date == date(2026, 3, 11)
    event = Event.objects.get(dispute=dispute, action="mediator_requested")
    assert event.actor is None and event.public
    assert event.params["answer_due"] == "2026-03-11"


def test_a_request_about_a_mediator_not_on_the_dispute_is_refused(world, mediating):
    dispute, _first, other = mediating
    with pytest.raises(Invalid) as refused:
        mediator_request_make(
            dispute=dispute, kind="withdraw", mediator_pk=other.pk, reason="与当事人有亲属关系"
        )
    assert "mediator" in refused.value.fields
    with pytest.raises(Invalid) as refused:
        mediator_request_make(
            dispute=dispute,
            kind="choose",
            wanted_pk=make_mediator(world.bodies["店口镇"], "外").pk,
            reason="想请他调解",
        )
    assert "wanted" in refused.value.fields
    assert not MediatorRequest.objects.exists()


def test_only_the_mediator_declares_their_own_withdrawal(world, mediating, other_village_clerk):
    dispute, first, _other = mediating
    with pytest.raises(Forbidden):
        mediator_request_make(
            dispute=dispute,
            kind="withdraw",
            mediator_pk=first.pk,
            reason="亲属",
            actor=other_village_clerk,
        )


def test_an_unanswered_request_rises_to_the_head_once(world, mediating, village_clerk, town_head):
    dispute, first, other = mediating
    head = world.person("head_fengyi", "陈国强", "枫一社区", Role.HEAD)
    request = mediator_request_make(
        dispute=dispute,
        kind="change",
        mediator_pk=first.pk,
        wanted_pk=other.pk,
        reason="希望换人",
        at=at(2026, 3, 6),
    )
    assert mediator_requests_overdue(today=date(2026, 3, 11), at=at(2026, 3, 11)) == []
    assert mediator_requests_overdue(today=date(2026, 3, 12), at=at(2026, 3, 12)) == [request.pk]
    assert mediator_requests_overdue(today=date(2026, 3, 13), at=at(2026, 3, 13)) == []
    assert Event.objects.filter(dispute=dispute, action="mediator_raised").count() == 1

    with pytest.raises(Forbidden):
        mediator_request_answer(
            actor=village_clerk, request_pk=request.pk, grant=True, answer="同意"
        )
    mediator_request_answer(actor=head, request_pk=request.pk, grant=True, answer="同意更换")
    request.refresh_from_db()
    assert request.state == RequestState.GRANTED
    open_now = Assignment.objects.filter(dispute=dispute, ended_at__isnull=True)
    assert list(open_now.values_list("mediator", flat=True)) == [other.pk]
    first.refresh_from_db()
    other.refresh_from_db()
    assert (first.open_cases, other.open_cases) == (0, 1)


def test_a_head_of_another_body_cannot_answer(world, mediating, other_town_head):
    dispute, first, _other = mediating
    request = mediator_request_make(
        dispute=dispute, kind="change", mediator_pk=first.pk, reason="希望换人"
    )
    from jiefen.lib.errors import NotFound

    with pytest.raises(NotFound):
        mediator_request_answer(
            actor=other_town_head, request_pk=request.pk, grant=False, answer="不同意"
        )
