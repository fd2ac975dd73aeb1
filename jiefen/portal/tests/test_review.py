"""A way up after every no: a decline or a refusal to transfer can be put to the level above,
which answers by a guaranteed deadline, or the no is reversed by itself. And a party's
request is first-class work: its staff are told at once, the queue and the dispute page show
it, and a dispute is not resolved or declined past an unanswered request."""

from datetime import date

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from jiefen.disputes import services
from jiefen.disputes.lifecycle import Conflict, Forbidden, IllegalMove, Invalid
from jiefen.disputes.models import Event, Outcome, Status
from jiefen.disputes.tests.conftest import village_head  # noqa: F401  (fixture)
from jiefen.portal.models import EscalationRequest, ReviewOutcome, ReviewRequest
from jiefen.portal.services import (
    dispute_rate,
    escalation_answer,
    escalation_request,
    review_answer,
    review_request,
    reviews_overdue,
)
from jiefen.portal.tests.conftest import at, follow
from jiefen.supervision.models import Notification
from jiefen.supervision.sweep import sweep_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def declined(filed, village_clerk):
    dispute, code = filed
    services.dispute_decline(
        actor=village_clerk,
        dispute_id=dispute.pk,
        version=None,
        reason="属于劳动仲裁受理范围，请向劳动人事争议仲裁委员会申请",
        route="arbitration",
        at=at(2026, 3, 2, 11),
    )
    dispute.refresh_from_db()
    return dispute, code


def test_a_decline_tells_the_party_why_and_how_to_ask_the_level_above(client, declined):
    dispute, code = declined
    follow(client, dispute.number, code)
    page = client.get("/public/follow/").content.decode()
    assert "属于劳动仲裁受理范围" in page
    assert "申请上一级（枫桥镇" in page and 'action="/public/follow/review/"' in page


def test_it_sends_a_review_request_to_the_level_above_with_a_deadline(world, declined, town_head):
    dispute, _code = declined
    asked = review_request(dispute=dispute, reason="村里不管，请镇里看看", at=at(2026, 3, 3))
    assert asked.reviewer == world.bodies["枫桥镇"] and asked.body == world.bodies["枫一社区"]
    assert asked.due_date == date(2026, 3, 10) and asked.due_rule == "review-answer-village"
    event = Event.objects.get(action="review_request")
    assert event.public and event.params["answer_due"] == "2026-03-10"
    # The level above's staff are told at once.
    assert Notification.objects.filter(recipient=town_head, kind="review_requested").exists()
    with pytest.raises(IllegalMove):  # one review per no
        review_request(dispute=dispute, reason="再看看", at=at(2026, 3, 3))


def test_the_level_above_upholds_and_the_party_reads_why(client, declined, town_head):
    dispute, code = declined
    asked = review_request(dispute=dispute, reason="请镇里看看", at=at(2026, 3, 3))
    review_answer(
        actor=town_head, request_id=asked.pk, answer="经复核，应向劳动仲裁委申请", uphold=True,
        at=at(2026, 3, 4),
    )  # fmt: skip
    asked.refresh_from_db()
    assert asked.outcome == ReviewOutcome.UPHELD
    with pytest.raises(Conflict):
        review_answer(actor=town_head, request_id=asked.pk, answer="再答", uphold=True)
    follow(client, dispute.number, code)
    page = client.get("/public/follow/").content.decode()
    assert "经复核，应向劳动仲裁委申请" in page and "维持原决定" in page


def test_the_level_above_reopens_a_declined_dispute(world, declined, town_head, village_clerk):
    dispute, _code = declined
    asked = review_request(dispute=dispute, reason="请镇里看看", at=at(2026, 3, 3))
    with pytest.raises(Forbidden):  # the body that said no does not review itself
        review_answer(actor=village_clerk, request_id=asked.pk, answer="维持", uphold=True)
    review_answer(actor=town_head, request_id=asked.pk, answer="由镇里受理", uphold=False,
                  at=at(2026, 3, 4))  # fmt: skip
    dispute.refresh_from_db()
    assert (dispute.status, dispute.holder) == (Status.ACCEPTED, world.bodies["枫桥镇"])
    assert dispute.events.filter(action="review_reopen", actor=town_head).exists()
    asked.refresh_from_db()
    assert asked.outcome == ReviewOutcome.REOPENED


def test_an_unanswered_review_reopens_the_dispute_by_itself_once(world, declined):
    dispute, _code = declined
    asked = review_request(dispute=dispute, reason="请镇里看看", at=at(2026, 3, 3))
    assert reviews_overdue(today=date(2026, 3, 10), at=at(2026, 3, 10)) == []  # due that day
    counts = sweep_run(now=at(2026, 3, 11, 8))
    assert counts["reviews_overdue"] == 1
    dispute.refresh_from_db()
    assert (dispute.status, dispute.holder) == (Status.ACCEPTED, world.bodies["枫桥镇"])
    reopen = dispute.events.get(action="review_reopen")
    assert reopen.actor is None and reopen.reason == "请镇里看看"
    asked.refresh_from_db()
    assert asked.auto_escalated_at and asked.outcome == ReviewOutcome.REOPENED
    assert sweep_run(now=at(2026, 3, 12, 8))["reviews_overdue"] == 0


def test_a_refusal_to_transfer_can_be_reviewed_and_reversed(world, filed, village_clerk, town_head):
    dispute, _code = filed
    asked = escalation_request(dispute=dispute, reason="村里调了两次", at=at(2026, 3, 2, 15))
    escalation_answer(actor=village_clerk, request_id=asked.pk, answer="先在村里再调一次",
                      transfer=False, at=at(2026, 3, 3))  # fmt: skip
    review = review_request(dispute=dispute, reason="村里调不了", at=at(2026, 3, 4))
    assert review.kind == "refusal" and review.escalation_id == asked.pk
    review_answer(actor=town_head, request_id=review.pk, answer="由镇里处理", uphold=False,
                  at=at(2026, 3, 5))  # fmt: skip
    dispute.refresh_from_db()
    assert (dispute.status, dispute.transfer_to) == (Status.TRANSFERRING, world.bodies["枫桥镇"])


def test_an_unanswered_review_of_a_refusal_sends_the_dispute_up(world, filed, village_clerk):
    dispute, _code = filed
    asked = escalation_request(dispute=dispute, reason="村里调了两次", at=at(2026, 3, 2, 15))
    escalation_answer(actor=village_clerk, request_id=asked.pk, answer="不移送",
                      transfer=False, at=at(2026, 3, 3))  # fmt: skip
    review_request(dispute=dispute, reason="村里调不了", at=at(2026, 3, 4))
    done = reviews_overdue(today=date(2026, 3, 12), at=at(2026, 3, 12))
    assert [r.outcome for r in done] == [ReviewOutcome.TAKEN_UP]
    dispute.refresh_from_db()
    assert dispute.status == Status.TRANSFERRING


# --- escalation requests as first-class work ---------------------------------------------------


@pytest.fixture
def asked(filed):
    dispute, _code = filed
    return escalation_request(dispute=dispute, reason="村里调了两次没结果", at=at(2026, 3, 2, 15))


def test_a_request_notifies_the_holders_staff_at_once(world, village_clerk, village_head, asked):  # noqa: F811
    told = set(
        Notification.objects.filter(kind="escalation_requested").values_list("recipient", flat=True)
    )
    assert {village_clerk.pk, village_head.pk} <= told


def test_the_queue_has_a_section_with_the_answer_deadline(client, asked, village_clerk):
    client.force_login(village_clerk)
    page = client.get("/").content.decode()
    assert 'id="party-requests"' in page and "答复时限 2026-03-09" in page


def test_the_dispute_page_shows_the_request_at_the_top(client, filed, asked, village_clerk):
    dispute, _code = filed
    client.force_login(village_clerk)
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert page.index('id="escalations"') < page.index('class="card summary')


def test_resolving_past_an_unanswered_request_requires_answering_it(
    client, filed, asked, village_clerk
):
    dispute, code = filed
    services.dispute_accept(actor=village_clerk, dispute_id=dispute.pk, version=None,
                            at=at(2026, 3, 3))  # fmt: skip
    with pytest.raises(Invalid) as refused:
        services.dispute_resolve(actor=village_clerk, dispute_id=dispute.pk, version=None,
                                 outcome=Outcome.NO_AGREEMENT, route="litigation",
                                 at=at(2026, 3, 4))  # fmt: skip
    assert "answer" in refused.value.fields
    services.dispute_resolve(
        actor=village_clerk, dispute_id=dispute.pk, version=None, outcome=Outcome.NO_AGREEMENT,
        route="litigation", answer="已调解终结，建议向法院起诉", at=at(2026, 3, 4),
    )  # fmt: skip
    asked.refresh_from_db()
    assert asked.answer == "已调解终结，建议向法院起诉" and asked.answered_by == village_clerk
    follow(client, dispute.number, code)
    page = client.get("/public/follow/").content.decode()
    assert "已调解终结，建议向法院起诉" in page and "等待答复" not in page


def test_declining_past_an_unanswered_request_requires_answering_it(filed, asked, village_clerk):
    dispute, _code = filed
    with pytest.raises(Invalid):
        services.dispute_decline(actor=village_clerk, dispute_id=dispute.pk, version=None,
                                 reason="不属于受理范围")  # fmt: skip
    assert EscalationRequest.objects.get().is_waiting


def test_the_resolve_form_asks_for_the_answer(client, filed, asked, village_clerk):
    dispute, _code = filed
    services.dispute_accept(actor=village_clerk, dispute_id=dispute.pk, version=None,
                            at=at(2026, 3, 3))  # fmt: skip
    client.force_login(village_clerk)
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "给当事人上移申请的答复" in page


def test_the_party_page_shows_the_true_state_after_resolution_and_rating(
    client, filed, village_clerk
):
    """A request left waiting by a dispute resolved before answers were required: the page
    no longer says "waiting" once the dispute is resolved and rated."""
    from jiefen.disputes.models import Dispute

    dispute, code = filed
    EscalationRequest.objects.create(dispute=dispute, body=dispute.holder, tier="village",
                                     requested_at=at(2026, 3, 2), reason="请上移",
                                     due_date=date(2026, 3, 9))  # fmt: skip
    Dispute.objects.filter(pk=dispute.pk).update(status=Status.RESOLVED)  # as the old data
    dispute_rate(dispute=Dispute.objects.get(pk=dispute.pk), score=5, comment="")
    follow(client, dispute.number, code)
    page = client.get("/public/follow/").content.decode()
    assert "等待答复" not in page and "本申请未单独答复" in page


def test_staff_of_the_level_above_answer_on_the_dispute_page(client, declined, town_head):
    dispute, _code = declined
    asked = review_request(dispute=dispute, reason="请镇里看看", at=at(2026, 3, 3))
    request = RequestFactory().get("/")
    request.user = town_head
    html = Template("{% load portal_tags %}{% staff_escalations dispute %}").render(
        Context({"dispute": dispute, "request": request})
    )
    assert f"/public/staff/reviews/{asked.pk}/answer/" in html
    client.force_login(town_head)
    response = client.post(
        f"/public/staff/reviews/{asked.pk}/answer/",
        {f"review{asked.pk}-answer": "维持", f"review{asked.pk}-decision": "uphold"},
    )
    assert response.status_code == 302
    assert ReviewRequest.objects.get().outcome == ReviewOutcome.UPHELD


def test_answering_a_request_marks_its_notifications_done(
    world,
    village_clerk,
    village_head,  # noqa: F811
    asked,
):
    escalation_answer(
        actor=village_clerk, request_id=asked.pk, answer="同意移送镇矛调中心", transfer=True,
        at=at(2026, 3, 3),
    )  # fmt: skip
    told = Notification.objects.filter(kind="escalation_requested")
    assert told.count() == 2 and not told.filter(read_at__isnull=True).exists()


def test_resolving_with_the_answer_marks_the_request_notifications_done(
    village_clerk, filed, asked
):
    dispute, _code = filed
    services.dispute_accept(actor=village_clerk, dispute_id=dispute.pk, version=None,
                            at=at(2026, 3, 3))  # fmt: skip
    services.dispute_resolve(
        actor=village_clerk, dispute_id=dispute.pk, version=None, outcome=Outcome.NO_AGREEMENT,
        route="litigation", answer="已调解终结，建议向法院起诉", at=at(2026, 3, 4),
    )  # fmt: skip
    told = Notification.objects.filter(kind="escalation_requested", recipient=village_clerk)
    assert told.get().read_at is not None


def test_answering_a_review_marks_its_notifications_done(declined, town_head):
    dispute, _code = declined
    asked = review_request(dispute=dispute, reason="请镇里看看", at=at(2026, 3, 3))
    review_answer(
        actor=town_head, request_id=asked.pk, answer="经复核，应向劳动仲裁委申请", uphold=True,
        at=at(2026, 3, 4),
    )  # fmt: skip
    told = Notification.objects.get(recipient=town_head, kind="review_requested")
    assert told.read_at is not None
