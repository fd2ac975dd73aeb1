"""The dispute page costs the same number of queries whatever the length of its history."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiefen.disputes.lifecycle import Action
from jiefen.disputes.services import event_append
from jiefen.disputes.tests.conftest import at


def _queries(client, dispute) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("disputes:detail", args=[dispute.pk])).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_dispute_page_reads_a_long_history_in_as_many_queries_as_a_short_one(
    client, registered, village_clerk
):
    client.force_login(village_clerk)

    def sessions(count: int) -> None:
        for minute in range(count):
            event_append(
                dispute=registered,
                action=Action.SESSION,
                actor=village_clerk,
                at=at(2026, 3, 3, 9, minute % 60),
                to_status=registered.status,
                from_status=registered.status,
                body=registered.holder,
                reason=f"第{minute}次调解",
            )

    sessions(1)
    _queries(client, registered)  # the first view warms the per-process caches
    short = _queries(client, registered)
    sessions(200)
    _queries(client, registered)  # after the writes the calendar is read once more
    long = _queries(client, registered)
    assert len(long) == len(short)
    # 34 today (the goal is 12): sign-in and roles 5, the dispute and its panels the rest.
    assert len(long) <= 34
