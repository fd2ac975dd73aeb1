"""After resolution the party rates the result once; the score feeds the satisfaction KPI."""

import pytest

from jiefen.disputes import services
from jiefen.disputes.lifecycle import Conflict, IllegalMove, Invalid
from jiefen.disputes.models import Event
from jiefen.portal.models import Rating
from jiefen.portal.services import dispute_rate
from jiefen.portal.tests.conftest import at, follow

pytestmark = pytest.mark.django_db


def _resolve(dispute, clerk):
    services.dispute_accept(actor=clerk, dispute_id=dispute.pk, version=None, at=at(2026, 3, 3))
    services.dispute_resolve(
        actor=clerk,
        dispute_id=dispute.pk,
        version=None,
        outcome="no_agreement",
        route="litigation",
        at=at(2026, 3, 5),
    )


def test_it_refuses_a_rating_before_resolution(filed):
    dispute, _code = filed
    with pytest.raises(IllegalMove):
        dispute_rate(dispute=dispute, score=5, comment="")
    assert not Rating.objects.exists()


def test_it_rates_once_after_resolution(world, filed, village_clerk):
    dispute, _code = filed
    _resolve(dispute, village_clerk)
    rating = dispute_rate(dispute=dispute, score=4, comment="办事认真", at=at(2026, 3, 6))
    assert (rating.score, rating.comment) == (4, "办事认真")
    event = Event.objects.get(action="rate")
    assert event.params == {"score": 4} and event.reason == "办事认真" and not event.public
    assert event.actor is None and event.body == world.bodies["枫一社区"]
    with pytest.raises(Conflict):
        dispute_rate(dispute=dispute, score=1, comment="")
    assert Event.objects.filter(action="rate").count() == 1


@pytest.mark.parametrize("score", [0, 6, "x", None, True, 4.5])
def test_it_refuses_a_score_outside_one_to_five(world, filed, village_clerk, score):
    dispute, _code = filed
    _resolve(dispute, village_clerk)
    with pytest.raises(Invalid):
        dispute_rate(dispute=dispute, score=score, comment="")


def test_it_rates_through_the_portal_and_keeps_the_comment_private(
    client, world, filed, village_clerk
):
    dispute, code = filed
    follow(client, dispute.number, code)
    assert 'action="/public/follow/rate/"' not in client.get("/public/follow/").content.decode()
    refused = client.post("/public/follow/rate/", {"score": "5"})
    assert refused.status_code == 400 and "办结后才能评价" in refused.content.decode()

    _resolve(dispute, village_clerk)
    assert 'action="/public/follow/rate/"' in client.get("/public/follow/").content.decode()
    bad = client.post("/public/follow/rate/", {"score": "9", "comment": "x"})
    assert bad.status_code == 400 and "请选择 1 至 5 分" in bad.content.decode()
    page = client.post(
        "/public/follow/rate/", {"score": "3", "comment": "只说私下的话"}, follow=True
    ).content.decode()
    assert "感谢您的评价" in page and "您已评价：3 分" in page
    assert "只说私下的话" not in page
    assert Rating.objects.get().score == 3
