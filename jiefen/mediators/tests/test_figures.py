"""The on-time share of a mediator's work figures: the dashboard's rule (a level deadline is
due once the dispute left the level or is still there after it, met when it left on or before
it), over the level stays at the assigning body while the mediator was on the dispute."""

import io
from datetime import datetime, time, timedelta

from django.urls import reverse
from openpyxl import load_workbook

from jiefen.disputes.lifecycle import Action
from jiefen.disputes.models import LevelStay
from jiefen.disputes.tests.conftest import SHANGHAI
from jiefen.disputes.tests.steps import perform
from jiefen.mediators.selectors import mediator_figures
from jiefen.mediators.services import mediators_assign
from jiefen.mediators.tests.conftest import at, make_mediator, register


def _due(dispute):
    return LevelStay.objects.get(dispute=dispute).due_date


def _resolve(dispute, clerk, on):
    when = datetime.combine(on, time(10), tzinfo=SHANGHAI)
    for i, action in enumerate((Action.SESSION, Action.RESOLVE)):
        dispute = perform(
            action, actor=clerk, dispute=dispute, at=when + timedelta(minutes=i), version=None
        )
    return dispute


def _world_of_chen_and_zhou(world, village_clerk):
    """陈小梅 resolved 院墙 in time and 水沟 late, and still holds 鸡舍 past its deadline;
    周德明 holds 果树, not yet due."""
    chen = make_mediator(world.bodies["枫一社区"], "陈小梅", user=village_clerk)
    zhou = make_mediator(world.bodies["枫一社区"], "周德明")
    disputes = {}
    for title, who in (("院墙", chen), ("水沟", chen), ("鸡舍", chen), ("果树", zhou)):
        when = at(2026, 3, 2) if title != "果树" else at(2026, 6, 1)
        disputes[title] = register(world, village_clerk, title=title, when=when)
        perform(Action.ACCEPT, actor=village_clerk, dispute=disputes[title], at=when, version=None)
        mediators_assign(
            actor=village_clerk,
            dispute_pk=disputes[title].pk,
            mediator_pks=[who.pk],
            at=when + timedelta(minutes=5),
        )
    _resolve(disputes["院墙"], village_clerk, _due(disputes["院墙"]))
    _resolve(disputes["水沟"], village_clerk, _due(disputes["水沟"]) + timedelta(days=3))
    return chen, zhou, disputes


def test_the_on_time_share_counts_due_deadlines_met_at_the_mediators_body(
    world, bodies, village_clerk
):
    chen, zhou, disputes = _world_of_chen_and_zhou(world, village_clerk)
    day = _due(disputes["鸡舍"]) + timedelta(days=1)
    figures = mediator_figures([chen.pk, zhou.pk], today=day)
    # 院墙 on time, 水沟 late, 鸡舍 still at the village after its deadline.
    assert (figures[chen.pk].deadlines_due, figures[chen.pk].deadlines_met) == (3, 1)
    assert round(figures[chen.pk].on_time, 3) == 0.333
    # 果树 is not due yet: nothing counts, and no share is made up.
    assert (figures[zhou.pk].deadlines_due, figures[zhou.pk].on_time) == (0, None)


def test_a_deadline_before_the_mediator_was_assigned_or_at_another_body_is_not_theirs(
    world, bodies, village_clerk, town_head
):
    zhou = make_mediator(world.bodies["枫一社区"], "周德明")
    li = make_mediator(world.bodies["枫桥镇"], "李卫东", user=town_head)
    # 山林: sent up and returned by the town; 周德明 comes on after the first village stay.
    hill = register(world, village_clerk, title="山林", when=at(2026, 3, 2))
    perform(Action.ACCEPT, actor=village_clerk, dispute=hill, at=at(2026, 3, 2, 11), version=None)
    perform(Action.TRANSFER, actor=village_clerk, dispute=hill, at=at(2026, 3, 3), version=None)
    perform(Action.RETURN, actor=town_head, dispute=hill, at=at(2026, 3, 3, 11), version=None)
    mediators_assign(
        actor=village_clerk, dispute_pk=hill.pk, mediator_pks=[zhou.pk], at=at(2026, 3, 4)
    )
    # 河道: 周德明 at the village sends it up in time; the town, with 李卫东, resolves it late.
    river = register(world, village_clerk, title="河道", when=at(2026, 3, 2))
    perform(Action.ACCEPT, actor=village_clerk, dispute=river, at=at(2026, 3, 2, 11), version=None)
    mediators_assign(
        actor=village_clerk, dispute_pk=river.pk, mediator_pks=[zhou.pk], at=at(2026, 3, 2, 12)
    )
    perform(Action.TRANSFER, actor=village_clerk, dispute=river, at=at(2026, 3, 3), version=None)
    perform(Action.RECEIVE, actor=town_head, dispute=river, at=at(2026, 3, 3, 11), version=None)
    mediators_assign(
        actor=town_head, dispute_pk=river.pk, mediator_pks=[li.pk], at=at(2026, 3, 3, 12)
    )
    town_due = LevelStay.objects.get(dispute=river, left_at__isnull=True).due_date
    _resolve(river, town_head, town_due + timedelta(days=3))

    figures = mediator_figures([zhou.pk, li.pk], today=at(2027, 1, 4).date())
    # 周德明: 山林's second village stay, open past its deadline, and 河道's village stay, left
    # in time; not 山林's first stay (before him), nor 河道's town stay (another body).
    assert (figures[zhou.pk].deadlines_due, figures[zhou.pk].deadlines_met) == (2, 1)
    assert (figures[li.pk].deadlines_due, figures[li.pk].deadlines_met) == (1, 0)


def test_the_register_and_its_workbook_show_the_on_time_share(client, world, bodies, village_clerk):
    _chen, _zhou, _disputes = _world_of_chen_and_zhou(world, village_clerk)
    client.force_login(village_clerk)
    page = client.get(reverse("mediators:index")).content.decode()
    assert "按时办理" in page and "33%（1/3）" in page
    sheet = load_workbook(io.BytesIO(client.get(reverse("mediators:export")).content)).active
    rows = {r[0]: list(r) for r in sheet.iter_rows(values_only=True)}
    assert rows["姓名"][15:18] == ["到期时限", "按时", "按时办理率（%）"]
    assert rows["陈小梅"][15:18] == [3, 1, 33.3]
    # By today 果树 is past its deadline too.
    assert rows["周德明"][15:18] == [1, 0, 0.0]
