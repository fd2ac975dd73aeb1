"""Sessions name the register's mediators: the session form offers the dispute's and the
holder's mediators and starts on one's own record; the session prints the chosen names with
anyone typed from outside the register; a mediator's queue lists the sessions they sat in."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from jiefen.disputes.models import Event, Session
from jiefen.disputes.services import (
    SessionInput,
    dispute_accept,
    dispute_record_session,
    printed_names,
)
from jiefen.lib.errors import Invalid
from jiefen.mediators.models import Sitting
from jiefen.mediators.services import mediators_assign
from jiefen.mediators.tests.conftest import make_mediator
from jiefen.mediators.tests.conftest import register as _register


def register(world, clerk):
    """A dispute of 枫一社区, accepted: sessions may be recorded."""
    dispute = _register(world, clerk)
    return dispute_accept(actor=clerk, dispute_id=dispute.pk, version=None)


def _session(dispute, actor, *, seated, names=""):
    return dispute_record_session(
        actor=actor,
        dispute_id=dispute.pk,
        version=None,
        session=SessionInput(
            held_on=timezone.localdate(),
            place="村便民服务中心调解室",
            mediators=names,
            attendees="张三、李四",
            record="双方同意现场勘界。",
            seated=seated,
        ),
    )


def _checked(page, pk):
    box = re.search(rf'<input type="checkbox" name="seated" value="{pk}"[^>]*>', page)
    return box is not None and "checked" in box.group(0)


def test_the_session_form_offers_the_disputes_and_the_bodys_mediators_and_starts_on_ones_own(
    client, world, bodies, village_clerk
):
    chen = make_mediator(world.bodies["枫一社区"], "陈小梅", user=village_clerk)
    zhou = make_mediator(world.bodies["枫一社区"], "周德明")
    outside = make_mediator(world.bodies["店口镇"], "外镇调解员")
    dispute = register(world, village_clerk)
    mediators_assign(actor=village_clerk, dispute_pk=dispute.pk, mediator_pks=[zhou.pk])
    client.force_login(village_clerk)
    page = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
    assert "本案调解员" in page and "本调处主体的调解员" in page
    own_box = page.index(f'value="{chen.pk}"')
    assert page.index("周德明") < page.index("本调处主体的调解员") < own_box
    assert _checked(page, chen.pk) and not _checked(page, zhou.pk)
    assert f'name="seated" value="{outside.pk}"' not in page
    assert 'name="mediators" value="陈小梅"' in page


def test_a_session_prints_the_chosen_mediators_and_a_typed_outsider_and_links_them(
    client, world, bodies, village_clerk
):
    chen = make_mediator(world.bodies["枫一社区"], "陈小梅", user=village_clerk)
    zhou = make_mediator(world.bodies["枫一社区"], "周德明")
    dispute = register(world, village_clerk)
    client.force_login(village_clerk)
    answer = client.post(
        reverse("disputes:act", args=[dispute.pk, "session"]),
        {
            "version": dispute.version,
            "held_on": timezone.localdate().isoformat(),
            "place": "村便民服务中心调解室",
            "seated": [chen.pk, zhou.pk],
            "mediators": "陈小梅、司法所周律师",
            "attendees": "张三、李四",
            "record": "双方同意现场勘界。",
        },
    )
    assert answer.status_code == 302
    session = Session.objects.get(dispute=dispute)
    assert session.mediators == "周德明、陈小梅、司法所周律师"
    assert {s.mediator for s in Sitting.objects.filter(session=session)} == {chen, zhou}
    event = Event.objects.get(dispute=dispute, action="session")
    assert event.params["seated"] == sorted([chen.pk, zhou.pk])
    queue = client.get(reverse("mediators:queue")).content.decode()
    assert "我参加的调解" in queue
    assert dispute.number in queue.split("我参加的调解")[1]


def test_a_mediator_neither_on_the_dispute_nor_at_the_holder_is_refused_and_nothing_saved(
    world, bodies, village_clerk
):
    chen = make_mediator(world.bodies["枫一社区"], "陈小梅", user=village_clerk)
    outside = make_mediator(world.bodies["店口镇"], "外镇调解员")
    dispute = register(world, village_clerk)
    with pytest.raises(Invalid) as refused:
        _session(dispute, village_clerk, seated=[chen.pk, outside.pk])
    assert "不在本调处主体的在聘调解员名册中" in refused.value.fields["seated"][0]
    assert not Session.objects.exists() and not Sitting.objects.exists()


def test_a_mediator_assigned_from_a_committee_can_sit_though_not_in_the_holders_register(
    world, bodies, village_clerk
):
    from jiefen.mediators.models import Assignment

    sun = make_mediator(bodies["诸暨市劳动调委会"], "孙调解")
    sun.bodies.add(world.bodies["枫一社区"])  # assignable here, then the committee only
    dispute = register(world, village_clerk)
    mediators_assign(actor=village_clerk, dispute_pk=dispute.pk, mediator_pks=[sun.pk])
    sun.bodies.set([bodies["诸暨市劳动调委会"]])
    assert Assignment.objects.filter(mediator=sun, ended_at__isnull=True).exists()
    _session(dispute, village_clerk, seated=[sun.pk])
    assert Session.objects.get().mediators == "孙调解"


def test_a_session_without_any_mediator_chosen_or_typed_is_refused_on_the_form(
    client, world, bodies, village_clerk
):
    make_mediator(world.bodies["枫一社区"], "周德明")
    dispute = register(world, village_clerk)
    client.force_login(village_clerk)
    answer = client.post(
        reverse("disputes:act", args=[dispute.pk, "session"]),
        {
            "version": dispute.version,
            "held_on": timezone.localdate().isoformat(),
            "place": "调解室",
            "mediators": "",
            "attendees": "张三",
            "record": "未达成一致。",
        },
    )
    assert answer.status_code == 400
    assert "请勾选或填写调解员" in answer.content.decode()
    assert not Session.objects.exists()


def test_the_printed_names_keep_the_typed_text_and_add_the_chosen_it_leaves_out():
    assert printed_names(["陈小梅", "周德明"], "") == "陈小梅、周德明"
    assert printed_names(["陈小梅"], "陈小梅、老周") == "陈小梅、老周"
    assert printed_names([], "老周") == "老周"
    assert printed_names(["周德明", "周德明"], " 老周 ") == "周德明、老周"
