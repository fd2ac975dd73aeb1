"""The threads and "what happens next" read in English with nothing of the product's left in
Chinese."""

from datetime import UTC, datetime

from jiefen.conversations import services
from jiefen.conversations.tests.conftest import party_client
from jiefen.disputes.models import Category, Dispute
from jiefen.disputes.public import query_digest
from jiefen.disputes.services import DisputeInput, PartyInput, dispute_register
from jiefen.tests.test_english_pages import latin_world, leftovers  # noqa: F401

from .conftest import CODE


def test_the_party_and_staff_pages_in_english(client, latin_world, village_clerk):  # noqa: F811
    dispute = dispute_register(
        actor=village_clerk,
        data=DisputeInput(
            body=latin_world.bodies["枫一社区"],
            category=Category.objects.get(key="neighbourhood"),
            channel="walk_in",
            region=latin_world.regions["枫一社区"],
            title="Boundary wall",
            description="Two households disagree on where the wall stands.",
            people_involved=2,
            parties=[
                PartyInput(side="applicant", name="Wang Wu", phone="13900001111"),
                PartyInput(side="respondent", name="Li Si", phone="13900002222"),
            ],
        ),
        at=datetime(2026, 3, 2, 2, tzinfo=UTC),
    )
    Dispute.objects.filter(pk=dispute.pk).update(query_digest=query_digest(CODE))
    wang_wu = dispute.parties.get(name="Wang Wu")
    services.shared_thread_open(actor=village_clerk, dispute_id=dispute.pk)
    services.message_from_staff(actor=village_clerk, dispute_id=dispute.pk, body="Hello all")
    services.message_from_party(dispute=dispute, party=wang_wu, shared=False, body="Hello")
    found = []
    party = party_client(dispute, wang_wu)
    party.cookies["django_language"] = "en"
    for url in (
        "/public/follow/",
        "/public/conversations/shared/",
        "/public/conversations/private/",
    ):
        response = party.get(url)
        assert response.status_code == 200, url
        found += [f"{url}: {line}" for line in leftovers(response.content.decode())]
    client.force_login(village_clerk)
    client.cookies["django_language"] = "en"
    for url in (
        f"/disputes/{dispute.pk}/",
        f"/disputes/{dispute.pk}/conversations/shared/",
        f"/disputes/{dispute.pk}/conversations/parties/{wang_wu.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        found += [f"{url}: {line}" for line in leftovers(response.content.decode())]
    # The category is data (its name as entered), not the product's words.
    found = [line for line in found if not line.endswith(": 邻里纠纷")]
    assert not found, "\n".join(found)
