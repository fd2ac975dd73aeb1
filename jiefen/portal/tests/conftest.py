"""Portal tests: a dispute a party filed in 枫一社区, and helpers to file and follow on the web."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from jiefen.disputes.models import Category
from jiefen.disputes.public import PublicFiling, dispute_file
from jiefen.disputes.services import PartyInput
from jiefen.portal import guard

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_limits():
    """Rate-limit counters and spent challenges live in the cache: start every test empty."""
    cache.clear()
    yield
    cache.clear()


def file_dispute(world, *, village="枫一社区", when=None, **overrides):
    data = PublicFiling(
        region=world.regions[village],
        category=Category.objects.get(key="labour"),
        title="工资被拖欠",
        description="在村办厂做工三个月，工资未结。",
        parties=[
            PartyInput(side="applicant", name="王五", phone="13900001111"),
            PartyInput(side="respondent", name="李四"),
        ],
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return dispute_file(data=data, at=when or at(2026, 3, 2))


@pytest.fixture
def filed(world):
    """(dispute, query code) of a dispute filed online in 枫一社区 on Monday 2 March 2026."""
    return file_dispute(world)


def filing_form(world, **overrides) -> dict:
    """A complete, valid filing as the browser would post it, with a fresh challenge."""
    challenge = guard.challenge_new()
    data = {
        "category": str(Category.objects.get(key="neighbourhood").pk),
        "county": str(world.regions["诸暨市"].code),
        "town": str(world.regions["枫桥镇"].code),
        "village": str(world.regions["永安社区"].code),
        "occurred_on": "2026-03-01",
        "title": "院墙边界争议",
        "description": "邻居把院墙砌到了我家地里。",
        "other_name": "李四",
        "contact_name": "王五",
        "contact_phone": "13900001111",
        "challenge": challenge.token,
        "answer": str(challenge.a + challenge.b),
    }
    data.update(overrides)
    return data


def follow(client, number: str, code: str, ip: str = "10.0.0.1"):
    return client.post(
        "/public/follow/", {"number": number, "code": code}, REMOTE_ADDR=ip, follow=False
    )


def phone_verify(party, by):
    """The holding body's staff member `by` verified `party`'s phone (已核实手机号码)."""
    from jiefen.portal.ways_in import phone_check, phone_seen

    return phone_check(
        actor=by, dispute_id=party.dispute_id, party_id=party.pk, seen=phone_seen(party)
    )


@pytest.fixture
def outbox(settings):
    """Texts go to the outbox provider: (phone, text) pairs, newest last."""
    from jiefen.supervision.sms import OutboxSmsProvider

    settings.JIEFEN_SMS_PROVIDER = "jiefen.supervision.sms.OutboxSmsProvider"
    OutboxSmsProvider.outbox.clear()
    return OutboxSmsProvider.outbox


def sent_code(outbox) -> str:
    """The six digits of the latest code in the outbox."""
    import re

    return re.findall(r"\d{6}", outbox[-1][1])[-1]
