"""Staff reach a party's request only through portal.access: a request whose dispute lies in
another jurisdiction is answered exactly as one that does not exist, and is never read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.disputes import services
from jiefen.lib.errors import NotFound
from jiefen.portal.access import escalation_for, review_for
from jiefen.portal.models import ReviewRequest
from jiefen.portal.services import escalation_request, review_request
from jiefen.portal.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(filed):
    dispute, _code = filed
    return escalation_request(dispute=dispute, reason="村里调了两次没结果", at=at(2026, 3, 2, 15))


@pytest.fixture
def review(filed, village_clerk):
    dispute, _code = filed
    services.dispute_decline(
        actor=village_clerk,
        dispute_id=dispute.pk,
        version=None,
        reason="属于劳动仲裁受理范围，请向劳动人事争议仲裁委员会申请",
        route="arbitration",
        at=at(2026, 3, 2, 11),
    )
    dispute.refresh_from_db()
    return review_request(dispute=dispute, reason="请镇里看看", at=at(2026, 3, 3))


def _refusal(helper, actor, pk):
    with pytest.raises(NotFound) as refused:
        helper(actor, pk)
    return str(refused.value.message)


@pytest.mark.parametrize("kind", ["escalation", "review"])
def test_a_foreign_request_is_answered_as_a_missing_one(
    request, kind, village_clerk, town_head, other_town_head, outsider
):
    helper, row = (
        (escalation_for, request.getfixturevalue("asked"))
        if kind == "escalation"
        else (review_for, request.getfixturevalue("review"))
    )
    mine = helper(town_head, row.pk)
    assert mine == row and mine.dispute.holder is not None
    missing = _refusal(helper, other_town_head, 999999)
    assert missing
    assert _refusal(helper, other_town_head, row.pk) == missing
    assert _refusal(helper, outsider, row.pk) == missing
    assert _refusal(helper, town_head, "not a number") == missing


def test_the_request_is_read_in_one_scoped_query(asked, other_town_head):
    with CaptureQueriesContext(connection) as queries, pytest.raises(NotFound):
        escalation_for(other_town_head, asked.pk)
    # Fetched for the actor (the jurisdiction in the query), never fetched and then checked.
    reads = [q["sql"] for q in queries.captured_queries if "portal_escalationrequest" in q["sql"]]
    assert len(reads) == 1 and "BETWEEN" in reads[0]


def test_staff_of_another_town_cannot_answer_a_review(client, review, other_town_head):
    client.force_login(other_town_head)
    data = {f"review{review.pk}-answer": "维持", f"review{review.pk}-decision": "uphold"}
    foreign = client.post(f"/public/staff/reviews/{review.pk}/answer/", data)
    missing = client.post("/public/staff/reviews/999999/answer/", data)
    assert foreign.status_code == missing.status_code == 404
    assert ReviewRequest.objects.get().outcome == ""


@pytest.mark.parametrize(
    ("kind", "table"),
    [("escalation", "portal_escalationrequest"), ("review", "portal_reviewrequest")],
)
def test_the_pages_never_read_a_foreign_request(request, client, kind, table, other_town_head):
    row = request.getfixturevalue("asked" if kind == "escalation" else "review")
    client.force_login(other_town_head)
    url = f"/public/staff/{kind}s/{row.pk}/answer/"
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url, {}).status_code == 404
    reads = [q["sql"] for q in queries.captured_queries if f'"{table}"' in q["sql"]]
    assert reads and all("BETWEEN" in sql for sql in reads)
