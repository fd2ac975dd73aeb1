"""Staff reach a leader ownership and its requests for more time only through
supervision.access: one whose dispute lies in another jurisdiction is answered exactly as one
that does not exist, and is never read."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.lib.errors import NotFound
from jiefen.supervision.access import extension_for, ownership_for
from jiefen.supervision.models import Extension, ProgressNote
from jiefen.supervision.services import ownership_assign, ownership_extend_request
from jiefen.supervision.tests.conftest import at, at_county

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(world, village_clerk, town_head, county_officer, county_leader):
    dispute = at_county(world, village_clerk, town_head, county_officer, risk="major")
    return ownership_assign(
        actor=county_officer,
        dispute_id=dispute.pk,
        leader=county_leader,
        plan="组织国土、林业部门现场勘界，两周内拿出调处方案",
        target_date=date(2026, 4, 30),
        at=at(2026, 3, 3),
    )


@pytest.fixture
def extension(owned, county_leader):
    return ownership_extend_request(
        actor=county_leader,
        ownership_id=owned.pk,
        new_date=date(2026, 5, 29),
        reason="勘界需等林业部门测绘",
        at=at(2026, 4, 20),
    )


def _refusal(helper, actor, pk):
    with pytest.raises(NotFound) as refused:
        helper(actor, pk)
    return str(refused.value.message)


@pytest.mark.parametrize("kind", ["ownership", "extension"])
def test_a_foreign_one_is_answered_as_a_missing_one(
    request, kind, county_officer, other_town_head, outsider
):
    helper = ownership_for if kind == "ownership" else extension_for
    row = request.getfixturevalue("owned" if kind == "ownership" else "extension")
    assert helper(county_officer, row.pk) == row
    missing = _refusal(helper, other_town_head, 999999)
    assert _refusal(helper, other_town_head, row.pk) == missing
    assert _refusal(helper, outsider, row.pk) == missing


def test_it_is_fetched_in_one_scoped_query(extension, other_town_head):
    for helper, pk, table in (
        (ownership_for, extension.ownership_id, "supervision_leaderownership"),
        (extension_for, extension.pk, "supervision_extension"),
    ):
        with CaptureQueriesContext(connection) as queries, pytest.raises(NotFound):
            helper(other_town_head, pk)
        # Fetched for the actor (the jurisdiction in the query), never fetched and checked.
        reads = [q["sql"] for q in queries.captured_queries if f'"{table}"' in q["sql"]]
        assert len(reads) == 1 and "BETWEEN" in reads[0]


def test_staff_of_another_town_cannot_write_to_an_ownership(client, extension, other_town_head):
    client.force_login(other_town_head)
    owned = extension.ownership_id
    for url, data in (
        (f"/supervision/ownerships/{owned}/note/", {"text": "别的镇想写"}),
        (f"/supervision/ownerships/{owned}/sign-off/", {"note": "销号"}),
        (f"/supervision/extensions/{extension.pk}/decide/", {"approve": "on", "note": ""}),
    ):
        assert client.post(url, data).status_code == 404, url
    assert client.post("/supervision/ownerships/999999/note/", {"text": "x"}).status_code == 404
    assert not ProgressNote.objects.exists()
    assert Extension.objects.get().status == "pending"


def test_the_pages_never_read_a_foreign_ownership(client, extension, other_town_head):
    client.force_login(other_town_head)
    for url, table in (
        (f"/supervision/ownerships/{extension.ownership_id}/note/", "supervision_leaderownership"),
        (f"/supervision/extensions/{extension.pk}/decide/", "supervision_extension"),
    ):
        with CaptureQueriesContext(connection) as queries:
            client.post(url, {})
        reads = [q["sql"] for q in queries.captured_queries if f'"{table}"' in q["sql"]]
        assert reads and all("BETWEEN" in sql for sql in reads), url
