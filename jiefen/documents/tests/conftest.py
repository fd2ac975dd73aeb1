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


WANG_WU_PHONE, LI_SI_PHONE = "13900001111", "13900002222"


def agreement_for_two(world, village_clerk, town_head):
    """枫桥镇's centre resolved 王五's wage dispute with 李四 by an agreement, every item of
    Article 29 filled in; both have a mobile phone on file."""
    from jiefen.disputes.services import PartyInput

    d = register(
        world,
        village_clerk,
        title="工资被拖欠",
        parties=[
            PartyInput(side="applicant", name="王五", phone=WANG_WU_PHONE),
            PartyInput(side="respondent", name="李四", phone=LI_SI_PHONE),
        ],
    )
    disputes.dispute_accept(actor=village_clerk, dispute_id=d.pk, version=None, at=at(2026, 3, 2))
    session(village_clerk, d, date(2026, 3, 3), "陈小梅")
    disputes.dispute_resolve(
        actor=village_clerk,
        dispute_id=d.pk,
        version=None,
        outcome="agreement",
        agreement=disputes.AgreementInput(
            facts="王五在李四的厂里做工三个月，工资一万二千元未结。",
            terms="李四于2026年3月31日前一次付清王五工资一万二千元。",
            performance="银行转账",
            signed_on=SIGNED,
        ),
        at=at(2026, 3, 9, 16),
    )
    services.agreement_detail_save(
        actor=village_clerk,
        dispute_id=d.pk,
        data=services.AgreementDetailInput(
            responsibility="李四拖欠工资，应负全部责任。",
            performance_method="李四通过银行转账支付",
            performance_deadline=date(2026, 3, 31),
            mediators="陈小梅",
        ),
    )
    d.refresh_from_db()
    return d


@pytest.fixture
def two_parties(world, village_clerk, town_head):
    return agreement_for_two(world, village_clerk, town_head)


@pytest.fixture
def outbox(settings, db):
    from django.core.cache import cache

    from jiefen.supervision.sms import OutboxSmsProvider

    settings.JIEFEN_SMS_PROVIDER = "jiefen.supervision.sms.OutboxSmsProvider"
    OutboxSmsProvider.outbox.clear()
    cache.clear()
    yield OutboxSmsProvider.outbox
    cache.clear()


def code_in(outbox, phone):
    """The six digits of the last code texted to `phone`."""
    import re

    text = next(text for number, text in reversed(outbox) if number == phone)
    return re.search(r"验证码(\d{6})", text).group(1)


def drawn_png(width=300, height=120) -> bytes:
    """A signature as a canvas gives it: dark strokes on a transparent ground."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.line([(20, 80), (80, 30), (140, 90), (220, 40), (280, 70)], fill=(17, 17, 17, 255), width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
