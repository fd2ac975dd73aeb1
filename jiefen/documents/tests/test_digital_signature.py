"""The people's mediation agreement PDF carries a PAdES signature in the holding committee's
name, made with the deployment's certificate (here the demo's): it validates against the
demo CA, covers the whole file, breaks when a byte changes, and its SHA-256 is in the audit
chain. Without a certificate the PDF is unsigned and the documents panel says so."""

import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from jiefen.audit.models import Record
from jiefen.demo.signing import CA, CERT, KEY, ORGANISATION, demo_signing_certificates
from jiefen.disputes.models import Party
from jiefen.documents import services, signing
from jiefen.documents.tests.pdftext import fonts_of, fonts_or_skip, poppler_text
from jiefen.documents.tests.test_characters import RARE


@pytest.fixture
def demo_ca(tmp_path):
    demo_signing_certificates(tmp_path)
    return tmp_path


@pytest.fixture
def signed(settings, demo_ca):
    settings.JIEFEN_SIGNING = {
        "key": str(demo_ca / KEY),
        "cert": str(demo_ca / CERT),
        "chain": str(demo_ca / CA),
    }
    return demo_ca


@pytest.fixture
def unsigned(settings):
    settings.JIEFEN_SIGNING = None


def agreement_pdf(dispute, actor):
    return services.document_make(
        actor=actor, dispute_id=dispute.pk, kind="agreement", fmt="pdf"
    ).data


def validate(data: bytes, ca: Path):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data))
    assert len(reader.embedded_signatures) == 1
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca / CA))])
    return reader.embedded_signatures[0], validate_pdf_signature(
        reader.embedded_signatures[0], context
    )


def test_the_agreement_pdf_validates_against_the_demo_ca_over_the_whole_file(
    signed, complete, town_head
):
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    data = agreement_pdf(complete, town_head)
    embedded_sig, status = validate(data, signed)
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.docmdp_ok
    assert "ETSI.CAdES.detached" in str(embedded_sig.sig_object["/SubFilter"])
    # In the name of the committee holding the dispute, for this agreement.
    committee = complete.holder.name
    assert embedded_sig.sig_object["/Location"] == committee
    assert committee in embedded_sig.sig_object["/Reason"]
    assert complete.number in embedded_sig.sig_object["/Reason"]


def test_a_byte_changed_inside_the_signed_range_breaks_the_signature(signed, complete, town_head):
    data = bytearray(agreement_pdf(complete, town_head))
    first, length = (int(n) for n in re.search(rb"/ByteRange \[(\d+) (\d+)", data).groups())
    at = data.index(b"/Creator (jiefen)")
    assert first <= at < first + length
    data[at + len(b"/Creator (j")] = ord("J")  # (jiefen) -> (jJefen): still a valid PDF
    _sig, status = validate(bytes(data), signed)
    assert not status.intact and not status.bottom_line


def test_the_command_line_validates_the_downloaded_file(signed, client, complete, town_head):
    client.force_login(town_head)
    response = client.get(reverse("documents:download", args=[complete.pk, "agreement", "pdf"]))
    path = signed / "agreement.pdf"
    path.write_bytes(response.content)
    command = [str(Path(sys.executable).parent / "pyhanko"), "sign", "validate"]
    run = subprocess.run(
        [*command, "--trust", str(signed / CA), "--trust-replace", str(path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert ":INTACT:TRUSTED" in run.stdout
    path.write_bytes(response.content.replace(b"/Creator (jiefen)", b"/Creator (jJefen)"))
    broken = subprocess.run(
        [*command, "--trust", str(signed / CA), "--trust-replace", str(path)],
        capture_output=True,
        text=True,
    )
    assert broken.returncode != 0 and ":INTACT:" not in broken.stdout


def test_the_audit_chain_holds_the_sha256_of_the_downloaded_file(
    signed, client, complete, town_head
):
    client.force_login(town_head)
    response = client.get(reverse("documents:download", args=[complete.pk, "agreement", "pdf"]))
    assert response.status_code == 200
    record = Record.objects.filter(action="document_sign").get()
    assert record.params == {
        "kind": "agreement",
        "sha256": hashlib.sha256(response.content).hexdigest(),
    }
    assert (record.app_label, record.model, record.object_pk) == (
        "disputes",
        "dispute",
        str(complete.pk),
    )
    assert record.actor_user_id == town_head.pk
    assert record.region_code == complete.region_code
    # The dispute, the kind and the hash: no one's name, address or number.
    written = json.dumps([record.fields, record.params], ensure_ascii=False)
    for party in complete.parties.all():
        assert party.name not in written
    # Each download is signed afresh and recorded; the Word file is not signed.
    client.get(reverse("documents:download", args=[complete.pk, "agreement", "docx"]))
    assert Record.objects.filter(action="document_sign").count() == 1
    client.get(reverse("documents:download", args=[complete.pk, "agreement", "pdf"]))
    assert Record.objects.filter(action="document_sign").count() == 2


def test_without_a_certificate_the_pdf_is_unsigned_and_the_panel_says_so(
    unsigned, client, complete, town_head
):
    client.force_login(town_head)
    data = client.get(reverse("documents:download", args=[complete.pk, "agreement", "pdf"])).content
    assert data.startswith(b"%PDF") and b"/ByteRange" not in data and b"/Sig" not in data
    assert not Record.objects.filter(action="document_sign").exists()
    page = client.get(reverse("disputes:detail", args=[complete.pk])).content.decode()
    assert "未配置签名证书：PDF 版没有数字签名。" in page
    assert 'id="signature-agreement"' in page


def test_with_a_certificate_the_panel_names_it(signed, client, complete, town_head):
    client.force_login(town_head)
    page = client.get(reverse("disputes:detail", args=[complete.pk])).content.decode()
    assert f"PDF 版带有数字签名（签名证书：{ORGANISATION}）" in page
    assert "未配置签名证书" not in page


def test_the_other_documents_are_not_signed(signed, complete, town_head):
    data = services.document_make(
        actor=town_head, dispute_id=complete.pk, kind="record", fmt="pdf"
    ).data
    assert b"/ByteRange" not in data


def test_the_signed_pdf_still_embeds_its_fonts_and_reads_back(signed, complete, town_head):
    fonts_or_skip()
    for party in complete.parties.all():
        Party.objects.filter(pk=party.pk).update(name=RARE[party.side])
    data = agreement_pdf(complete, town_head)
    assert validate(data, signed)[1].bottom_line
    assert b"/FontFile2" in data
    assert any(b"/ToUnicode" in f and b"/Subtype /TrueType" in f for f in fonts_of(data).values())
    text = poppler_text(data).replace("\n", "")
    assert "人民调解协议书" in text
    for name in RARE.values():
        assert name in text


def test_a_certificate_configured_but_unreadable_is_refused(
    settings, demo_ca, client, complete, town_head
):
    settings.JIEFEN_SIGNING = {"key": str(demo_ca / "nowhere.key"), "cert": str(demo_ca / CERT)}
    errors = signing.check()
    assert [e.id for e in errors] == ["jiefen.documents.E001"]
    (demo_ca / "broken.key").write_text("not a key")
    settings.JIEFEN_SIGNING = {"key": str(demo_ca / "broken.key"), "cert": str(demo_ca / CERT)}
    assert [e.id for e in signing.check()] == ["jiefen.documents.E001"]
    # Never an unsigned file instead; the dispute's page still shows, and says why.
    with pytest.raises(ImproperlyConfigured):
        agreement_pdf(complete, town_head)
    client.force_login(town_head)
    page = client.get(reverse("disputes:detail", args=[complete.pk])).content.decode()
    assert "签名证书无法读取" in page


def test_a_pkcs12_file_signs_as_well(settings, demo_ca, complete, town_head):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    key = serialization.load_pem_private_key((demo_ca / KEY).read_bytes(), None)
    cert = x509.load_pem_x509_certificate((demo_ca / CERT).read_bytes())
    ca = x509.load_pem_x509_certificate((demo_ca / CA).read_bytes())
    bundle = pkcs12.serialize_key_and_certificates(
        b"committee", key, cert, [ca], serialization.BestAvailableEncryption(b"s3cret")
    )
    (demo_ca / "committee.p12").write_bytes(bundle)
    settings.JIEFEN_SIGNING = {"pkcs12": str(demo_ca / "committee.p12"), "passphrase": "s3cret"}
    assert validate(agreement_pdf(complete, town_head), demo_ca)[1].bottom_line
