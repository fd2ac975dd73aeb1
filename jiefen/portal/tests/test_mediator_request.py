"""On the portal, a party asks for a particular mediator of the body before any is assigned;
a bad request is refused with the reason and nothing saved."""

import pytest
from django.urls import reverse

from jiefen.mediators.models import MediatorRequest
from jiefen.mediators.tests.conftest import make_mediator
from jiefen.portal import guard
from jiefen.portal.tests.conftest import file_dispute

pytestmark = pytest.mark.django_db


def _following(client, dispute):
    response = client.get(reverse("portal:follow"))
    guard.follow_remember(response, dispute)
    client.cookies.update(response.cookies)


def test_a_party_asks_for_a_particular_mediator(client, world):
    dispute, _code = file_dispute(world)
    wanted = make_mediator(dispute.holder, "王调解", matters=("labour",))
    _following(client, dispute)
    page = client.get(reverse("portal:follow")).content.decode()
    assert "申请指定或更换调解员" in page and "王调解" in page

    empty = client.post(reverse("portal:mediator_request"), {"wanted": wanted.pk, "reason": ""})
    assert empty.status_code == 302
    assert not MediatorRequest.objects.exists()
    client.post(reverse("portal:mediator_request"), {"wanted": wanted.pk, "reason": "他熟悉劳动法"})
    asked = MediatorRequest.objects.get()
    assert (asked.kind, asked.wanted, asked.body) == ("choose", wanted, dispute.holder)
    assert "待答复" in client.get(reverse("portal:follow")).content.decode()
