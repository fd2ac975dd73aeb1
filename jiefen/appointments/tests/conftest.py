"""A dispute filed in 枫一社区 by 王五 against 李四, both with a phone on file, held by the
village group whose clerk 陈小梅 mediates; helpers to be a proved party in the portal."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from jiefen.appointments.services import SlotInput, appointment_propose
from jiefen.disputes.models import Category
from jiefen.disputes.public import PublicFiling, dispute_file
from jiefen.disputes.services import PartyInput
from jiefen.portal import identity
from jiefen.supervision.sms import OutboxSmsProvider

SHANGHAI = ZoneInfo("Asia/Shanghai")
FILED = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
NOW = datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)


def at(d: int, hh: int = 10, mm: int = 0) -> datetime:
    """A time in March 2026, Shanghai."""
    return datetime(2026, 3, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh(settings, db):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.JIEFEN_SMS_PROVIDER = "jiefen.supervision.sms.OutboxSmsProvider"
    OutboxSmsProvider.outbox.clear()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def outbox():
    return OutboxSmsProvider.outbox


@pytest.fixture
def filed(world, village_clerk):
    """(dispute, query code): 王五 v 李四 in 枫一社区, filed on 2 March 2026."""
    data = PublicFiling(
        region=world.regions["枫一社区"],
        category=Category.objects.get(key="labour"),
        title="工资被拖欠",
        description="在村办厂做工三个月，工资未结。",
        parties=[
            PartyInput(side="applicant", name="王五", phone="13900001111"),
            PartyInput(side="respondent", name="李四", phone="13900002222"),
        ],
    )
    return dispute_file(data=data, at=FILED)


@pytest.fixture
def dispute(filed):
    return filed[0]


@pytest.fixture
def wang_wu(dispute):
    return dispute.parties.get(name="王五")


@pytest.fixture
def li_si(dispute):
    return dispute.parties.get(name="李四")


def propose(actor, dispute, *times, remote=False, now=NOW):
    return appointment_propose(
        actor=actor,
        dispute_id=dispute.pk,
        slots=[
            SlotInput(starts_at=t, place="" if remote else "枫一社区调解室", remote=remote)
            for t in times
        ],
        at=now,
    )


def follower(dispute, code, party=None) -> Client:
    """A browser that opened the dispute with its number and query code, and proved to be
    `party` (the identity cookie party_remember sets) when one is given."""
    client = Client()
    client.post(reverse("portal:follow"), {"number": dispute.number, "code": code})
    if party is not None:
        response = HttpResponse()
        identity.party_remember(response, party)
        client.cookies[identity.PARTY_COOKIE] = response.cookies[identity.PARTY_COOKIE].value
    return client


def soon(days: int = 2, hours: int = 0) -> datetime:
    from django.utils import timezone

    return (timezone.now() + timedelta(days=days, hours=hours)).replace(second=0, microsecond=0)
