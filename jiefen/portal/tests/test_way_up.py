"""After every "no" the party's page says the way up: the review form, the review waiting with
its deadline, or — once the level above upheld it, or where there is no level above — the ways
left (asking again to go up, court or arbitration, the body in person or 12345, a petition)."""

from datetime import date

import pytest

from jiefen.org.models import Body
from jiefen.portal.services import (
    escalation_answer,
    escalation_request,
    review_answer,
    review_request,
    reviews_overdue,
)
from jiefen.portal.tests.conftest import at, follow
from jiefen.portal.tests.test_review import declined  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def page(client, dispute, code) -> str:
    follow(client, dispute.number, code)
    text = client.get("/public/follow/").content.decode()
    assert 'id="no"' in text
    return text


def no_section(text: str) -> str:
    return text.split('id="no"', 1)[1].split("</section>", 1)[0]


def test_a_waiting_review_is_shown_under_the_no_with_its_deadline(client, declined):  # noqa: F811
    dispute, code = declined
    review_request(dispute=dispute, reason="请镇里看看", at=at(2026, 3, 3))
    section = no_section(page(client, dispute, code))
    assert 'id="review-waiting"' in section
    assert "您已申请上一级（枫桥镇" in section and "答复期限：2026-03-10" in section


def test_an_upheld_decline_still_names_the_ways_left(client, declined, town_head):  # noqa: F811
    dispute, code = declined
    asked = review_request(dispute=dispute, reason="请镇里看看", at=at(2026, 3, 3))
    review_answer(actor=town_head, request_id=asked.pk, answer="维持", uphold=True)
    section = no_section(page(client, dispute, code))
    assert 'id="other-ways"' in section and "已复核，维持这一决定" in section
    for way in ("人民法院起诉", "12345", "信访"):
        assert way in section
    assert "随时在下方申请由上一级处理" not in section  # a declined dispute is not open


def test_a_refusal_to_transfer_upheld_leaves_asking_again(client, filed, village_clerk, town_head):
    dispute, code = filed
    asked = escalation_request(dispute=dispute, reason="村里调了两次", at=at(2026, 3, 2, 15))
    escalation_answer(actor=village_clerk, request_id=asked.pk, answer="先在村里再调一次",
                      transfer=False, at=at(2026, 3, 3))  # fmt: skip
    text = page(client, dispute, code)
    assert 'action="/public/follow/review/"' in no_section(text)
    review = review_request(dispute=dispute, reason="村里调不了", at=at(2026, 3, 4))
    review_answer(actor=town_head, request_id=review.pk, answer="村里继续调", uphold=True,
                  at=at(2026, 3, 5))  # fmt: skip
    text = page(client, dispute, code)
    section = no_section(text)
    assert "随时在下方申请由上一级处理" in section and "12345" in section
    assert 'action="/public/follow/escalate/"' in text


def test_a_no_with_no_level_above_names_the_ways_left(client, world, declined):  # noqa: F811
    dispute, code = declined
    Body.objects.filter(pk=world.bodies["枫桥镇"].pk).update(active=False)
    section = no_section(page(client, dispute, code))
    assert 'action="/public/follow/review/"' not in section
    assert 'id="other-ways"' in section and "人民法院起诉" in section
    assert "属于劳动仲裁受理范围" in section


def test_the_timeline_says_an_automatic_reopening_was_for_want_of_an_answer(
    client,
    declined,  # noqa: F811
):
    dispute, code = declined
    review_request(dispute=dispute, reason="请镇里看看", at=at(2026, 3, 3))
    reviews_overdue(today=date(2026, 3, 11), at=at(2026, 3, 11, 8))
    follow(client, dispute.number, code)
    timeline = client.get("/public/follow/").content.decode().split('id="timeline"')[1]
    assert "复核后重新受理" in timeline and "逾期未答复，依规自动处理" in timeline
