"""The agreement is produced with each party's confirmation (name, time, channel) and drawn
signature in the party's place to sign, and the PDF's PAdES signature still validates."""

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from jiefen.demo.signing import CA
from jiefen.documents import assent, services
from jiefen.documents.builders import Facts
from jiefen.documents.tests.conftest import code_in, drawn_png
from jiefen.documents.tests.pdftext import fonts_or_skip, poppler_text
from jiefen.documents.tests.test_digital_signature import demo_ca, signed, validate  # noqa: F401


@pytest.fixture
def both_answered(two_parties, outbox, village_clerk):
    wang_wu = two_parties.parties.get(name="王五")
    digest = assent.agreement_text(Facts.of(two_parties)).digest
    assent.assent_code_send(dispute=two_parties, party=wang_wu, digest=digest)
    assent.assent_answer(
        dispute_id=two_parties.pk,
        party=wang_wu,
        digest=digest,
        code=code_in(outbox, wang_wu.phone),
        answer="confirmed",
        signature=drawn_png(),
    )
    assent.assent_record_paper(
        actor=village_clerk,
        dispute_id=two_parties.pk,
        party_id=two_parties.parties.get(name="李四").pk,
        digest=digest,
        answer="confirmed",
        signature=drawn_png(360, 140),
    )
    return two_parties


def test_the_pdf_names_each_confirmation_and_shows_both_signatures(both_answered, village_clerk):
    fonts_or_skip()
    data = services.document_make(
        actor=village_clerk, dispute_id=both_answered.pk, kind="agreement", fmt="pdf"
    ).data
    if os.environ.get("JIEFEN_SHOTS"):  # kept to be looked at (pdftoppm -png), as screenshots
        Path(os.environ["JIEFEN_SHOTS"]).mkdir(parents=True, exist_ok=True)
        (Path(os.environ["JIEFEN_SHOTS"]) / "agreement-with-signatures.pdf").write_bytes(data)
    text = poppler_text(data)
    assert "通过短信验证码确认本协议" in text
    assert "当面签字确认（调解员记录）" in text
    # Two pictures, each with its transparency mask (the ground stays the paper).
    assert data.count(b"/SMask") == 2 and data.count(b"/Subtype /Image") == 4


def test_the_signed_pdf_with_the_signatures_validates_with_pyhanko(
    signed,  # noqa: F811
    both_answered,
    village_clerk,
    client,
):
    from django.urls import reverse

    client.force_login(village_clerk)
    response = client.get(
        reverse("documents:download", args=[both_answered.pk, "agreement", "pdf"])
    )
    assert response.status_code == 200
    _sig, status = validate(response.content, signed)
    assert status.bottom_line and status.docmdp_ok
    path = signed / "agreement-signed-by-parties.pdf"
    path.write_bytes(response.content)
    command = [str(Path(sys.executable).parent / "pyhanko"), "sign", "validate"]
    run = subprocess.run(
        [*command, "--trust", str(signed / CA), "--trust-replace", str(path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert ":INTACT:TRUSTED" in run.stdout


def test_the_word_file_carries_the_signatures_and_the_notes(both_answered, village_clerk):
    data = services.document_make(
        actor=village_clerk, dispute_id=both_answered.pk, kind="agreement", fmt="docx"
    ).data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        body = archive.read("word/document.xml").decode()
    assert len([n for n in names if n.startswith("word/media/")]) == 2
    assert "通过短信验证码确认本协议" in body and "当面签字确认（调解员记录）" in body


def test_a_confirmation_of_an_earlier_text_is_not_printed(both_answered, village_clerk):
    fonts_or_skip()
    services.agreement_detail_save(
        actor=village_clerk,
        dispute_id=both_answered.pk,
        data=services.AgreementDetailInput(
            responsibility="双方各负一半责任。",
            performance_method="现金",
            performed_on_signing=True,
            mediators="陈小梅",
        ),
    )
    data = services.document_make(
        actor=village_clerk, dispute_id=both_answered.pk, kind="agreement", fmt="pdf"
    ).data
    assert "确认本协议" not in poppler_text(data)
    assert b"/Subtype /Image" not in data
