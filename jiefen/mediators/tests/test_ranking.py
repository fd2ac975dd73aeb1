"""The proposal: where the dispute belongs and who could mediate it, ranked by matter, the day's
availability and the open caseload; a body assigns only its own mediators."""

from datetime import date

import pytest

from jiefen.disputes.models import Category, Event
from jiefen.lib.errors import Invalid
from jiefen.mediators.catalogue import route_entry_save
from jiefen.mediators.models import Assignment, Mediator, RouteEntry
from jiefen.mediators.selectors import mediators_ranked, proposal_for, queue_of
from jiefen.mediators.services import mediator_save, mediators_assign
from jiefen.mediators.tests.conftest import make_mediator, register
from jiefen.regions.models import Level

WEDNESDAY = date(2026, 3, 4)


def test_ranking_puts_matter_then_day_then_caseload(world, bodies):
    centre = world.bodies["枫桥镇"]
    busy = make_mediator(centre, "忙碌", open_cases=5)
    free = make_mediator(centre, "空闲", open_cases=1)
    monday_only = make_mediator(centre, "周一", weekdays="1")
    generalist = make_mediator(centre, "邻里", matters=("neighbourhood",))
    make_mediator(centre, "离任", active=False)
    labour = Category.objects.get(key="labour")
    ranked = mediators_ranked(body=centre, category_id=labour.pk, on=WEDNESDAY)
    assert [c.mediator for c in ranked] == [free, busy, monday_only, generalist]
    assert "在办 1 件" in ranked[0].reasons
    assert not ranked[2].sits_today and not ranked[3].takes_matter


def test_the_proposal_names_the_committee_and_its_mediators_first(world, bodies, village_clerk):
    route_entry_save(
        entry=RouteEntry(
            region=world.regions["诸暨市"],
            level=Level.TOWN,
            category=Category.objects.get(key="labour"),
            department=bodies["诸暨市人社局"],
            committee=bodies["诸暨市劳动调委会"],
            source="人社局权责清单：劳动争议调解",
        )
    )
    expert = make_mediator(bodies["诸暨市劳动调委会"], "孙调解")
    own = make_mediator(world.bodies["枫一社区"], "陈小梅")
    dispute = register(
        world, village_clerk, category=Category.objects.get(key="labour"), title="拖欠工资"
    )
    proposal = proposal_for(dispute, on=WEDNESDAY)
    assert proposal.committee == bodies["诸暨市劳动调委会"]
    assert proposal.department == bodies["诸暨市人社局"]
    assert [c.mediator for c in proposal.candidates] == [expert, own]


def test_a_body_assigns_its_own_mediators_and_the_caseload_follows(
    world, bodies, village_clerk, town_head
):
    dispute = register(world, village_clerk)
    own = make_mediator(world.bodies["枫一社区"], "陈小梅")
    foreign = make_mediator(world.bodies["店口镇"], "外镇")
    with pytest.raises(Invalid) as refused:
        mediators_assign(
            actor=village_clerk, dispute_pk=dispute.pk, mediator_pks=[own.pk, foreign.pk]
        )
    assert "名册" in refused.value.message
    assert not Assignment.objects.exists()

    mediators_assign(actor=village_clerk, dispute_pk=dispute.pk, mediator_pks=[own.pk])
    own.refresh_from_db()
    assert own.open_cases == 1
    assert list(queue_of(own).values_list("dispute", flat=True)) == [dispute.pk]
    event = Event.objects.filter(dispute=dispute, action="mediator_assigned").get()
    assert event.params["mediators"] == [own.pk]
    with pytest.raises(Invalid):
        mediators_assign(actor=village_clerk, dispute_pk=dispute.pk, mediator_pks=[own.pk])


def test_a_resolved_dispute_leaves_the_mediators_queue(world, bodies, village_clerk):
    from jiefen.disputes.services import dispute_decline
    from jiefen.org.models import Role

    head = world.person("head_fengyi", "陈国强", "枫一社区", Role.HEAD)
    dispute = register(world, village_clerk)
    own = make_mediator(world.bodies["枫一社区"], "陈小梅")
    mediators_assign(actor=village_clerk, dispute_pk=dispute.pk, mediator_pks=[own.pk])
    dispute_decline(actor=head, dispute_id=dispute.pk, version=None, reason="不属于调解范围")
    own.refresh_from_db()
    assert own.open_cases == 0
    assert not queue_of(own).exists()


def test_a_mediator_record_refuses_bad_input_with_every_problem(world):
    mediator = Mediator(
        name="",
        home_body=world.bodies["枫一社区"],
        appointed_on=date(2025, 1, 1),
        term_ends=date(2024, 1, 1),
        weekdays="189",
        phone="1380-abc",
        id_number="123",
    )
    with pytest.raises(Invalid) as refused:
        mediator_save(mediator=mediator, bodies=[world.bodies["永安社区"]])
    assert set(refused.value.fields) == {
        "name",
        "weekdays",
        "phone",
        "id_number",
        "term_ends",
        "bodies",
    }
    assert not Mediator.objects.exists()
