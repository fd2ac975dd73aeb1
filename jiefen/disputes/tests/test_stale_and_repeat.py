"""A page that went stale and a form sent twice: the refusal is said at the top with what
changed and by whom, nothing typed is lost, and a registration is never made twice."""

import re

from django.urls import reverse

from jiefen.disputes import services
from jiefen.disputes.models import Dispute, Status
from jiefen.disputes.tests.conftest import register

VERSION = re.compile(r'action="/disputes/\d+/act/transfer/".*?name="version" value="(\d+)"', re.S)


def _registration(world, client) -> dict:
    """The registration form as the page gives it (its one-time token included), filled in."""
    page = client.get(reverse("disputes:register")).content.decode()
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return {
        "once": once,
        "body": world.bodies["枫一社区"].pk,
        "category": world_category(),
        "channel": "walk_in",
        "region": world.regions["枫一社区"].code,
        "title": "院墙边界争议",
        "description": "两户因院墙位置发生争执。",
        "people_involved": 2,
        "risk": "ordinary",
        "parties-TOTAL_FORMS": 2,
        "parties-INITIAL_FORMS": 0,
        "parties-MIN_NUM_FORMS": 0,
        "parties-MAX_NUM_FORMS": 20,
        "parties-0-side": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "张三",
        "parties-1-side": "respondent",
        "parties-1-kind": "person",
        "parties-1-name": "李四",
    }


def world_category() -> int:
    from jiefen.disputes.models import Category

    return Category.objects.get(key="neighbourhood").pk


def test_it_registers_a_form_sent_twice_once_and_says_so(client, world, village_clerk):
    client.force_login(village_clerk)
    form = _registration(world, client)
    first = client.post(reverse("disputes:register"), form)
    assert first.status_code == 302
    (dispute,) = Dispute.objects.all()
    # The back button, a double tap, the busy page's retry: the same form again.
    again = client.post(reverse("disputes:register"), form, follow=True)
    assert Dispute.objects.count() == 1
    assert again.redirect_chain[-1][0] == reverse("disputes:detail", args=[dispute.pk])
    html = again.content.decode()
    assert "已经提交过" in html and dispute.number in html
    # A fresh form (a new token) of the same matter first proposes the dispute just registered
    # (jiefen.search.intake), then registers a new one when the clerk says it is another.
    fresh = _registration(world, client)
    proposed = client.post(reverse("disputes:register"), fresh)
    assert dispute.number in proposed.content.decode() and Dispute.objects.count() == 1
    client.post(reverse("disputes:register"), {**fresh, "related_choice": "register"})
    assert Dispute.objects.count() == 2


def test_it_sends_back_a_registration_form_whose_token_is_forged(client, world, village_clerk):
    client.force_login(village_clerk)
    form = _registration(world, client) | {"once": "forged"}
    response = client.post(reverse("disputes:register"), form)
    assert response.status_code == 200 and not Dispute.objects.exists()
    html = response.content.decode()
    assert "此登记表已打开超过一天" in html and "院墙边界争议" in html


def test_it_says_at_the_top_who_moved_a_stale_dispute_and_keeps_the_typed_reason(
    client, world, village_clerk, other_village_clerk
):
    dispute = register(world, village_clerk)
    client.force_login(village_clerk)
    page = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
    stale_version = VERSION.search(page).group(1)
    # Meanwhile a colleague of the same village accepts it.
    from jiefen.org.models import Membership, Role

    Membership.objects.create(
        user=other_village_clerk, body=world.bodies["枫一社区"], role=Role.MEDIATOR
    )
    services.dispute_accept(
        actor=other_village_clerk, dispute_id=dispute.pk, version=dispute.version
    )

    refused = client.post(
        reverse("disputes:act", args=[dispute.pk, "transfer"]),
        {"version": stale_version, "reason": "涉及邻村土地，村里无法协调"},
    )
    assert refused.status_code == 409
    html = refused.content.decode()
    top = html.index('id="conflict"')
    assert top < html.index("<h1>")
    conflict = html[top : html.index("</section>", top)]
    assert "王建国" in conflict and "受理" in conflict and "已受理" in conflict
    # The form is open again with the reason typed and the dispute's new version.
    current = Dispute.objects.get(pk=dispute.pk)
    assert current.status == Status.ACCEPTED
    assert "涉及邻村土地，村里无法协调" in html
    assert VERSION.search(html).group(1) == str(current.version)

    retried = client.post(
        reverse("disputes:act", args=[dispute.pk, "transfer"]),
        {"version": current.version, "reason": "涉及邻村土地，村里无法协调"},
    )
    assert retried.status_code == 302
    assert Dispute.objects.get(pk=dispute.pk).status == Status.TRANSFERRING


def test_it_keeps_the_typed_reason_when_the_move_is_no_longer_possible(
    client, world, village_clerk, town_head
):
    dispute = register(world, village_clerk)
    client.force_login(village_clerk)
    page = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
    stale_version = VERSION.search(page).group(1)
    services.dispute_transfer(
        actor=village_clerk, dispute_id=dispute.pk, version=dispute.version, reason="先移送"
    )
    refused = client.post(
        reverse("disputes:act", args=[dispute.pk, "transfer"]),
        {"version": stale_version, "reason": "我写的理由"},
    )
    assert refused.status_code == 409
    html = refused.content.decode()
    conflict = html[html.index('id="conflict"') : html.index("<h1>")]
    assert "已不能" in conflict and "我写的理由" in conflict
