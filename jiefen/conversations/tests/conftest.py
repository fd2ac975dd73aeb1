"""Conversation tests: a dispute between 王五 and 李四 in 枫一社区, held by its working group
(陈小梅, clerk and mediator), followed with its query code, and browsers proved as a party."""

from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client

from jiefen.disputes.models import Category, Dispute
from jiefen.disputes.public import query_digest
from jiefen.disputes.services import DisputeInput, PartyInput, dispute_register
from jiefen.portal import guard, identity

CODE = "QUERY-CODE-1"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh(db, settings, tmp_path):
    settings.JIEFEN_UPLOAD_ROOT = tmp_path / "uploads"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dispute(world, village_clerk):
    found = dispute_register(
        actor=village_clerk,
        data=DisputeInput(
            body=world.bodies["枫一社区"],
            category=Category.objects.get(key="neighbourhood"),
            channel="walk_in",
            region=world.regions["枫一社区"],
            title="院墙位置争执",
            description="两户因院墙位置发生争执。",
            people_involved=2,
            parties=[
                PartyInput(side="applicant", name="王五", phone="13900001111"),
                PartyInput(side="respondent", name="李四", phone="13900002222"),
            ],
        ),
        at=datetime(2026, 3, 2, 2, tzinfo=UTC),
    )
    Dispute.objects.filter(pk=found.pk).update(query_digest=query_digest(CODE))
    return Dispute.objects.select_related("holder").get(pk=found.pk)


@pytest.fixture
def wang_wu(dispute):
    return dispute.parties.get(name="王五")


@pytest.fixture
def li_si(dispute):
    return dispute.parties.get(name="李四")


def cookies_for(dispute, party=None) -> dict[str, str]:
    """The cookies the portal sets: the followed dispute and, for a proved party, which one."""
    response = HttpResponse()
    guard.follow_remember(response, Dispute.objects.get(pk=dispute.pk))
    if party is not None:
        identity.party_remember(response, party)
    return {name: morsel.value for name, morsel in response.cookies.items()}


def party_client(dispute, party=None) -> Client:
    client = Client()
    for name, value in cookies_for(dispute, party).items():
        client.cookies[name] = value
    return client
