"""Names with characters beyond the common set — 𠮷 (U+20BB7, CJK Extension B), 㐂 (U+3402,
Extension A), emoji — come out of every PDF whole: printed from an embedded font that has them
and read back as the same characters. A character no font has is refused by name."""

import pytest
from django.urls import reverse

from jiefen.disputes.models import Party
from jiefen.documents import services
from jiefen.documents.tests.pdftext import fonts_or_skip, poppler_text
from jiefen.documents.tests.test_documents import KINDS, docx_text

RARE = {"applicant": "𠮷田㐂子😀", "respondent": "王小明👍"}
NO_FONT_HAS = "\U0001fae8"  # 🫨 SHAKING FACE (Unicode 15), in none of Debian's fonts here


def pdftotext(data: bytes) -> str:
    return poppler_text(data)


@pytest.fixture
def rare(complete):
    for party in complete.parties.all():
        Party.objects.filter(pk=party.pk).update(name=RARE[party.side])
    return complete


@pytest.fixture(autouse=True)
def _fonts():
    fonts_or_skip()


@pytest.mark.parametrize("kind", KINDS)
def test_every_character_of_the_names_is_in_the_pdf(rare, town_head, kind):
    pdf = services.document_make(actor=town_head, dispute_id=rare.pk, kind=kind, fmt="pdf").data
    text = pdftotext(pdf)
    word = docx_text(
        services.document_make(actor=town_head, dispute_id=rare.pk, kind=kind, fmt="docx").data
    )
    names = [name for name in RARE.values() if name in word]
    assert RARE["applicant"] in names, kind  # the acceptance notice names the applicants only
    for name in names:
        for char in name:
            assert char in text, (kind, f"U+{ord(char):04X}")
        assert name in text.replace("\n", ""), kind


def test_a_character_no_font_has_is_refused_by_name(client, rare, town_head):
    Party.objects.filter(dispute=rare, side="applicant").update(name="李" + NO_FONT_HAS)
    with pytest.raises(services.Unprintable) as refused:
        services.document_make(actor=town_head, dispute_id=rare.pk, kind="agreement", fmt="pdf")
    assert "U+1FAE8" in str(refused.value.message) and NO_FONT_HAS in str(refused.value.message)
    client.force_login(town_head)
    response = client.get(reverse("documents:download", args=[rare.pk, "agreement", "pdf"]))
    assert response.status_code == 409
    assert "U+1FAE8" in response.content.decode()
    # The Word file has no such limit: the reader's fonts draw it.
    word = client.get(reverse("documents:download", args=[rare.pk, "agreement", "docx"]))
    assert word.status_code == 200 and NO_FONT_HAS in docx_text(word.content)
