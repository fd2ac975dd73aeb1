"""A resolved, demo-like dispute for document tests: registered in 枫一社区 with two people as
parties, mediated there, transferred with reasons to 枫桥镇, mediated again and resolved with an
agreement signed on 9 March 2026, with every item Article 29 needs filled in."""

from datetime import date

import pytest

from jiefen.disputes import services as disputes
from jiefen.disputes.tests.conftest import at, register
from jiefen.documents import services

__all__ = ["at", "register"]

SIGNED = date(2026, 3, 9)


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def session(actor, dispute, day, mediators):
    return disputes.dispute_record_session(
        actor=actor,
        dispute_id=dispute.pk,
        version=None,
        session=disputes.SessionInput(
            held_on=day,
            place="枫一社区调解室",
            mediators=mediators,
            attendees="张三、李四",
            record="双方陈述院墙位置争议，调解员释明宅基地证载界址。",
            agreed="",
        ),
        at=at(day.year, day.month, day.day, 15),
    )


@pytest.fixture
def agreed(world, village_clerk, town_head):
    """Resolved by 枫桥镇's centre with an agreement; the agreement's own items not yet filled."""
    d = register(world, village_clerk)
    disputes.dispute_accept(actor=village_clerk, dispute_id=d.pk, version=None, at=at(2026, 3, 2))
    session(village_clerk, d, date(2026, 3, 3), "陈小梅")
    disputes.dispute_transfer(
        actor=village_clerk,
        dispute_id=d.pk,
        version=None,
        reason="涉及宅基地确权，需镇自然资源所参与",
        at=at(2026, 3, 4),
    )
    disputes.dispute_receive(actor=town_head, dispute_id=d.pk, version=None, at=at(2026, 3, 5))
    session(town_head, d, date(2026, 3, 6), "李卫东、陈小梅")
    disputes.dispute_resolve(
        actor=town_head,
        dispute_id=d.pk,
        version=None,
        outcome="agreement",
        agreement=disputes.AgreementInput(
            facts="张三与李四因两户之间院墙位置发生争执。",
            terms="李四于三十日内将院墙后移至证载界址。",
            performance="李四自行拆除重砌",
            signed_on=SIGNED,
        ),
        at=at(2026, 3, 9, 16),
    )
    d.refresh_from_db()
    return d


@pytest.fixture
def complete(agreed, town_head):
    for party in agreed.parties.all():
        services.party_detail_save(
            actor=town_head,
            party_id=party.pk,
            data=services.PartyDetailInput(
                gender="male",
                age=45,
                ethnicity="汉族",
                occupation="农民",
                employer="枫桥镇五金厂",
            ),
        )
    services.agreement_detail_save(
        actor=town_head,
        dispute_id=agreed.pk,
        data=services.AgreementDetailInput(
            responsibility="李四砌墙越过界址，应负主要责任。",
            performance_method="李四自行拆除重砌，费用自理",
            performance_deadline=date(2026, 4, 8),
            mediators="李卫东、陈小梅",
        ),
    )
    return agreed
