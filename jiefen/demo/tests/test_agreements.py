"""Every dispute the demo resolved with an agreement can print its agreement document."""

import pytest

from jiefen.demo.synthetic import demo_disputes
from jiefen.disputes.models import Dispute, Outcome, Party, PartyKind
from jiefen.documents import services
from jiefen.documents.tests.test_documents import docx_text


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_every_demo_agreement_produces_its_document(world, django_user_model):
    reader = django_user_model.objects.create_superuser("reader", password="x")
    assert demo_disputes(count=400, seed=3) is not None
    agreed = list(Dispute.objects.filter(outcome=Outcome.AGREEMENT).order_by("id"))
    assert len(agreed) > 50
    # Organisations among the parties: the case that had no way to its document before.
    assert Party.objects.filter(dispute__in=agreed, kind=PartyKind.ORGANISATION).exists()
    for dispute in agreed:
        assert services.document_missing(dispute, "agreement") == [], dispute.number
        document = services.document_make(
            actor=reader, dispute_id=dispute.pk, kind="agreement", fmt="docx"
        )
        assert "人民调解协议书" in docx_text(document.data)
    for dispute in agreed[:: max(1, len(agreed) // 10)]:
        document = services.document_make(
            actor=reader, dispute_id=dispute.pk, kind="agreement", fmt="pdf"
        )
        assert document.data.startswith(b"%PDF")
