"""Supervision orders (督办) and urging (催办): who may, to whom, and nothing written on refusal."""

from datetime import date

import pytest
from django.core import mail

from jiefen.disputes.lifecycle import Conflict, Forbidden, IllegalMove, Invalid, NotFound
from jiefen.disputes.models import Event
from jiefen.disputes.tests.steps import perform
from jiefen.supervision.models import Notification, SupervisionOrder
from jiefen.supervision.services import dispute_urge, order_answer, order_issue
from jiefen.supervision.tests.conftest import at, register


def written():
    """Everything an order, answer or urge writes."""
    return (
        SupervisionOrder.objects.count(),
        list(SupervisionOrder.objects.values_list("answered_at", flat=True)),
        Event.objects.count(),
        Notification.objects.count(),
    )


@pytest.fixture
def dispute(world, village_clerk):
    d = register(world, village_clerk, when=at(2026, 3, 2))
    return perform("accept", actor=village_clerk, dispute=d, at=at(2026, 3, 2, 11))


def test_it_issues_an_order_to_the_holder_by_default(
    world, dispute, village_clerk, village_head, county_officer, django_capture_on_commit_callbacks
):
    village_clerk.email = "clerk@example.org"
    village_clerk.save()
    with django_capture_on_commit_callbacks(execute=True):
        order = order_issue(
            actor=county_officer,
            dispute_id=dispute.pk,
            requirement="请于本周内组织双方现场勘界并报告结果",
            days=5,
            at=at(2026, 3, 3),
        )
    assert order.to_body == world.bodies["枫一社区"]
    assert order.issuer_body == world.bodies["诸暨市"]
    assert order.due_date == date(2026, 3, 10)  # five working days after Tuesday 3 March
    event = Event.objects.get(dispute=dispute, action="order_issue")
    assert event.public is False
    assert event.from_status == event.to_status == dispute.status
    assert event.params["order"] == order.pk and event.params["order_due"] == "2026-03-10"
    assert event.params["due"] == dispute.due_date.isoformat()  # the dispute's own deadline
    assert event.reason == order.requirement
    recipients = set(
        Notification.objects.filter(kind="order", dispute=dispute).values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {village_clerk.pk, village_head.pk}  # the owner and the body's head
    assert [m.to for m in mail.outbox] == [["clerk@example.org"]]
    assert "督办" in mail.outbox[0].subject


def test_it_sends_an_order_to_a_department_of_the_issuers_own_level(
    world, county_officer, village_clerk, town_head
):
    from jiefen.supervision.tests.conftest import at_county

    dispute = at_county(world, village_clerk, town_head, county_officer)
    land = world.bodies["诸暨市自然资源和规划局"]
    order = order_issue(
        actor=county_officer,
        dispute_id=dispute.pk,
        requirement="请牵头核实地界",
        days=3,
        to_body=land.pk,
        at=at(2026, 3, 3),
    )
    assert order.to_body == land


def test_an_order_to_a_body_without_a_head_reaches_its_clerks(
    world, county_officer, village_clerk, town_head
):
    """A department staffed by clerks alone still hears of the order it must answer."""
    from jiefen.org.models import Role
    from jiefen.supervision.tests.conftest import at_county

    land_clerk = world.person("clerk_land", "郑清", "诸暨市自然资源和规划局", Role.CLERK)
    dispute = at_county(world, village_clerk, town_head, county_officer)
    land = world.bodies["诸暨市自然资源和规划局"]
    order_issue(
        actor=county_officer, dispute_id=dispute.pk, requirement="请牵头核实地界", days=3,
        to_body=land.pk, at=at(2026, 3, 3),
    )  # fmt: skip
    assert Notification.objects.filter(recipient=land_clerk, kind="order").exists()


def test_a_body_with_a_head_is_told_through_its_head_alone(world, village_clerk, town_head):
    from jiefen.org.models import Role
    from jiefen.supervision.access import heads_of

    centre = world.bodies["枫桥镇"]
    clerk = world.person("clerk_fengqiao", "钱多", "枫桥镇", Role.CLERK)
    village = world.bodies["枫一社区"]
    found = heads_of([centre.pk, village.pk])
    assert found[centre.pk] == [town_head.pk] and clerk.pk not in found[centre.pk]
    assert found[village.pk] == [village_clerk.pk]  # no head there: its clerk


@pytest.mark.parametrize(
    ("requirement", "days", "field"),
    [
        ("", 5, "requirement"),
        ("   ", 5, "requirement"),
        ("x" * 2001, 5, "requirement"),
        ("请报告进展", 0, "days"),
        ("请报告进展", -3, "days"),
        ("请报告进展", 61, "days"),
        ("请报告进展", "五", "days"),
        ("请报告进展", None, "days"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(dispute, county_officer, requirement, days, field):
    before = written()
    with pytest.raises(Invalid) as refused:
        order_issue(
            actor=county_officer,
            dispute_id=dispute.pk,
            requirement=requirement,
            days=days,
            at=at(2026, 3, 3),
        )
    assert field in refused.value.fields
    assert str(refused.value.message)
    assert written() == before


def test_it_refuses_an_order_to_a_body_outside_the_issuers_jurisdiction(world, dispute, town_head):
    before = written()
    with pytest.raises(Invalid) as refused:
        order_issue(
            actor=town_head,
            dispute_id=dispute.pk,
            requirement="请报告进展",
            days=5,
            to_body=world.bodies["店口镇"],
            at=at(2026, 3, 3),
        )
    assert "不在您的管辖范围内" in str(refused.value.message)
    assert written() == before


def test_it_refuses_an_order_to_an_unrelated_body_in_the_jurisdiction(
    world, dispute, county_officer
):
    before = written()
    with pytest.raises(Invalid) as refused:
        order_issue(
            actor=county_officer,
            dispute_id=dispute.pk,
            requirement="请报告进展",
            days=5,
            to_body=world.bodies["店口镇"],  # inside 诸暨市, but not this dispute's town
            at=at(2026, 3, 3),
        )
    assert "to_body" in refused.value.fields
    assert written() == before


def test_it_refuses_an_order_from_a_body_not_above_the_receiver(
    world, dispute, town_head, village_clerk
):
    before = written()
    with pytest.raises(Forbidden):  # a town head cannot order the town centre itself
        order_issue(
            actor=town_head,
            dispute_id=dispute.pk,
            requirement="请报告进展",
            days=5,
            to_body=world.bodies["枫桥镇"],
            at=at(2026, 3, 3),
        )
    with pytest.raises(Forbidden):  # a clerk issues no orders
        order_issue(
            actor=village_clerk,
            dispute_id=dispute.pk,
            requirement="请报告进展",
            days=5,
            at=at(2026, 3, 3),
        )
    assert written() == before


def test_it_lets_a_supervisor_order_at_their_own_level(world, county_supervisor, dispute):
    order = order_issue(
        actor=county_supervisor,
        dispute_id=dispute.pk,
        requirement="请报告进展",
        days=2,
        at=at(2026, 3, 3),
    )
    assert order.issuer_body == world.bodies["诸暨市"]


def test_it_refuses_a_dispute_outside_the_jurisdiction_as_not_found(dispute, other_town_head):
    before = written()
    with pytest.raises(NotFound):
        order_issue(
            actor=other_town_head,
            dispute_id=dispute.pk,
            requirement="请报告进展",
            days=5,
            at=at(2026, 3, 3),
        )
    assert written() == before


def test_it_refuses_an_order_on_a_closed_dispute(world, village_clerk, town_head):
    d = register(world, village_clerk, when=at(2026, 3, 2))
    d = perform("decline", actor=village_clerk, dispute=d, at=at(2026, 3, 2, 11))
    with pytest.raises(IllegalMove):
        order_issue(
            actor=town_head, dispute_id=d.pk, requirement="请报告", days=3, at=at(2026, 3, 3)
        )


def test_it_takes_one_answer_from_the_receiving_body(
    dispute, county_officer, village_clerk, other_village_clerk
):
    order = order_issue(
        actor=county_officer,
        dispute_id=dispute.pk,
        requirement="请报告进展",
        days=5,
        at=at(2026, 3, 3),
    )
    with pytest.raises(NotFound):  # another village's clerk does not even see it
        order_answer(actor=other_village_clerk, order_id=order.pk, report="已处理")
    with pytest.raises(Invalid):
        order_answer(actor=village_clerk, order_id=order.pk, report="  ", at=at(2026, 3, 4))
    answered = order_answer(
        actor=village_clerk, order_id=order.pk, report="已现场勘界，双方认可", at=at(2026, 3, 4)
    )
    assert answered.answered_by == village_clerk
    event = Event.objects.get(dispute=dispute, action="order_answer")
    assert event.params == event.params | {"order": order.pk, "in_time": True}
    assert Notification.objects.filter(kind="order_answered", recipient=county_officer).exists()
    before = written()
    with pytest.raises(Conflict):
        order_answer(actor=village_clerk, order_id=order.pk, report="再次答复", at=at(2026, 3, 5))
    assert written() == before


def test_it_does_not_let_the_issuer_answer_for_the_receiver(dispute, county_officer):
    order = order_issue(
        actor=county_officer, dispute_id=dispute.pk, requirement="请报告", days=5, at=at(2026, 3, 3)
    )
    with pytest.raises(Forbidden):
        order_answer(actor=county_officer, order_id=order.pk, report="代答")


def test_it_urges_the_owner_with_a_one_line_note(dispute, town_head, village_clerk):
    event = dispute_urge(
        actor=town_head, dispute_id=dispute.pk, note="请抓紧\n调解", at=at(2026, 3, 3)
    )
    assert event.action == "urge" and event.public is False
    assert event.reason == "请抓紧 调解"
    notification = Notification.objects.get(kind="urge")
    assert notification.recipient == village_clerk
    assert notification.params["actor"] == str(town_head)


def test_it_refuses_an_urge_without_text_or_right(dispute, town_head, village_clerk, outsider):
    before = written()
    with pytest.raises(Invalid):
        dispute_urge(actor=town_head, dispute_id=dispute.pk, note=" ")
    with pytest.raises(Invalid):
        dispute_urge(actor=town_head, dispute_id=dispute.pk, note="催" * 201)
    with pytest.raises(Forbidden):
        dispute_urge(actor=village_clerk, dispute_id=dispute.pk, note="请抓紧")
    with pytest.raises(NotFound):
        dispute_urge(actor=outsider, dispute_id=dispute.pk, note="请抓紧")
    assert written() == before


def test_it_lists_open_orders_in_the_jurisdiction_by_due_date(
    client, world, village_clerk, county_officer, town_head, other_town_head
):
    first = register(world, village_clerk, when=at(2026, 3, 2))
    second = register(world, village_clerk, when=at(2026, 3, 2))
    late = order_issue(
        actor=county_officer, dispute_id=first.pk, requirement="甲", days=8, at=at(2026, 3, 3)
    )
    soon = order_issue(
        actor=county_officer, dispute_id=second.pk, requirement="乙", days=2, at=at(2026, 3, 3)
    )
    client.force_login(town_head)
    page = client.get("/supervision/orders/").content.decode()
    assert page.index(f'id="order-{soon.pk}"') < page.index(f'id="order-{late.pk}"')
    client.force_login(other_town_head)
    page = client.get("/supervision/orders/").content.decode()
    assert f'id="order-{soon.pk}"' not in page


def _receivers_offered(client, user, dispute):
    import re

    client.force_login(user)
    html = client.get(f"/disputes/{dispute.pk}/").content.decode()
    select = re.search(r'<select [^>]*name="to_body"[^>]*>(.*?)</select>', html, re.S).group(1)
    # The choices are grouped by kind and region; the one chosen by default comes first here.
    options = re.findall(r'<option value="(\d+)"( selected)?', select)
    chosen = [int(pk) for pk, selected in options if selected]
    assert len(chosen) == 1
    return chosen + [int(pk) for pk, selected in options if not selected]


def test_the_order_form_offers_first_the_department_working_on_the_dispute(
    client, world, county_officer, village_clerk, town_head
):
    from jiefen.supervision.tests.conftest import at_county

    dispute = at_county(world, village_clerk, town_head, county_officer)
    offered = _receivers_offered(client, county_officer, dispute)
    # The county holds it and cannot order itself: the town centre below comes first, not the
    # village group that registered it.
    assert offered[0] == world.bodies["枫桥镇"].pk
    land = world.bodies["诸暨市自然资源和规划局"]
    perform("assign", actor=county_officer, dispute=dispute, at=at(2026, 3, 3), department=land)
    assert _receivers_offered(client, county_officer, dispute)[0] == land.pk
