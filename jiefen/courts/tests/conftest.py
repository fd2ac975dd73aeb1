"""A dispute of 枫一社区 resolved two days ago with an agreement between 张三 and 李四 (every
item Article 29 needs filled in), so the 30-day window for judicial confirmation is open; the
parties' phones are on file, so either may prove who they are in the portal."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiefen.disputes import services as disputes
from jiefen.disputes.models import Dispute, Party
from jiefen.disputes.public import query_digest
from jiefen.disputes.tests.conftest import register
from jiefen.documents import services as documents
from jiefen.documents.tests.conftest import session
from jiefen.portal.identity import PARTY_COOKIE, party_remember

QUERY_CODE = "COURT-CODE-1"


@pytest.fixture(autouse=True)
def _fast(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.JIEFEN_UPLOAD_ROOT = tmp_path / "uploads"
    settings.JIEFEN_COURT_OUTBOX = tmp_path / "court-outbox"
    settings.JIEFEN_SIGNING = None


@pytest.fixture(autouse=True)
def _no_rate_limits(db):
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def agreed_days_ago(world, clerk, days: int) -> Dispute:
    """Registered, mediated and resolved by 枫一社区's clerk, signed `days` days ago."""
    now = timezone.now()
    signed = timezone.localdate(now) - timedelta(days=days)
    d = register(world, clerk, when=now - timedelta(days=days + 3))
    disputes.dispute_accept(
        actor=clerk, dispute_id=d.pk, version=None, at=now - timedelta(days=days + 2)
    )
    session(clerk, d, signed - timedelta(days=1), "陈小梅")
    disputes.dispute_resolve(
        actor=clerk,
        dispute_id=d.pk,
        version=None,
        outcome="agreement",
        agreement=disputes.AgreementInput(
            facts="张三与李四因两户之间院墙位置发生争执。",
            terms="李四于三十日内将院墙后移至证载界址，张三承担一半费用。",
            performance="李四自行拆除重砌",
            signed_on=signed,
        ),
        at=now - timedelta(days=days) + timedelta(minutes=1),
    )
    for party, age in zip(d.parties.order_by("id"), (45, 52), strict=True):
        documents.party_detail_save(
            actor=clerk,
            party_id=party.pk,
            data=documents.PartyDetailInput(
                address="诸暨市枫桥镇枫一村" + party.name, gender="male", age=age, ethnicity="汉族"
            ),
        )
    documents.agreement_detail_save(
        actor=clerk,
        dispute_id=d.pk,
        data=documents.AgreementDetailInput(
            responsibility="李四砌墙越过界址，应负主要责任。",
            performance_method="李四自行拆除重砌",
            performance_deadline=signed + timedelta(days=30),
            mediators="陈小梅",
            committee="枫一社区人民调解委员会",
        ),
    )
    lisi = d.parties.get(name="李四")
    lisi.phone = "13987654321"
    lisi.id_number = "33068119850505123X"
    lisi.save()
    Dispute.objects.filter(pk=d.pk).update(query_digest=query_digest(QUERY_CODE))
    d.refresh_from_db()
    return d


@pytest.fixture
def agreed(world, village_clerk):
    return agreed_days_ago(world, village_clerk, 2)


@pytest.fixture
def zhangsan(agreed) -> Party:
    return agreed.parties.get(name="张三")


@pytest.fixture
def lisi(agreed) -> Party:
    return agreed.parties.get(name="李四")


def portal_client(dispute: Dispute, party: Party | None = None) -> Client:
    """A browser that opened the dispute with its number and query code and, with `party`,
    proved to be that party (the cookie identity.party_remember sets)."""
    client = Client(HTTP_HOST="localhost")
    client.post(reverse("portal:follow"), {"number": dispute.number, "code": QUERY_CODE})
    if party is not None:
        from django.http import HttpResponse

        response = HttpResponse()
        party_remember(response, party)
        client.cookies[PARTY_COOKIE] = response.cookies[PARTY_COOKIE].value
        client.cookies[PARTY_COOKIE]["path"] = "/public/"
    return client


def png(width: int = 400, height: int = 250, colour: str = "#3366aa") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (300, 200), "#aa6633").save(out, format="JPEG")
    return out.getvalue()


def pdf(pages: int = 1) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, invariant=1)
    for n in range(pages):
        canvas.drawString(100, 700, f"ID card page {n + 1}")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
