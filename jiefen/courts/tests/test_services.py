"""The application for judicial confirmation: identity documents checked and sealed, the bundle
made from the record, sent once through the court interface and recorded as applied, inside
the 30-day window only; and every refusal leaves nothing behind."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from jiefen.attachments.storage import upload_storage
from jiefen.courts import gateway, services
from jiefen.courts.models import CourtSubmission, IdentityDocument
from jiefen.courts.tests.conftest import agreed_days_ago, jpeg, pdf, png, upload
from jiefen.disputes.models import Event, Reveal
from jiefen.documents.models import Confirmation
from jiefen.lib.errors import Forbidden, Invalid, NotFound
from jiefen.lib.sealed import open_bytes


def text_of(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def both_uploaded(zhangsan, lisi):
    services.identity_upload_by_party(party=zhangsan, upload=upload("身份证.png", png()))
    services.identity_upload_by_party(party=lisi, upload=upload("scan.pdf", pdf(2)))


def stored_files() -> list[Path]:
    root = Path(upload_storage().location) / "courts"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- identity documents ---------------------------------------------------------------------


def test_a_party_uploads_an_image_and_it_is_sealed_at_rest(zhangsan):
    data = png()
    row = services.identity_upload_by_party(party=zhangsan, upload=upload("id.png", data))
    assert row.by_party and row.kind == "png" and row.size == len(data)
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    raw = (Path(upload_storage().location) / row.stored_name).read_bytes()
    assert data not in raw and b"PNG" not in raw
    assert open_bytes(raw) == data
    assert services.identity_of_party(party=zhangsan)[1] == data


def test_a_new_upload_replaces_the_earlier_one_and_its_file(zhangsan):
    services.identity_upload_by_party(party=zhangsan, upload=upload("a.png", png()))
    services.identity_upload_by_party(party=zhangsan, upload=upload("b.jpg", jpeg()))
    assert IdentityDocument.objects.get(party=zhangsan).kind == "jpeg"
    # The replaced file is removed once the transaction commits (on_commit in a test: below).


@pytest.mark.django_db(transaction=True)
def test_the_replaced_file_is_removed_after_the_commit(world, village_clerk):
    d = agreed_days_ago(world, village_clerk, 2)
    zhangsan = d.parties.get(name="张三")
    services.identity_upload_by_party(party=zhangsan, upload=upload("a.png", png()))
    services.identity_upload_by_party(party=zhangsan, upload=upload("b.jpg", jpeg()))
    assert len(stored_files()) == 1


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("id.docx.txt", "这不是图片".encode(), "kind"),
        ("id.png", b"\x89PNG\r\n\x1a\nbroken", "broken"),
        ("id.pdf", b"%PDF-1.4 not really", "broken"),
        ("id.html", b"<html><script>alert(1)</script></html>", "kind"),
    ],
)
def test_a_file_that_is_not_an_identity_document_is_refused_and_nothing_is_kept(
    zhangsan, name, data, code
):
    with pytest.raises(services.NotAccepted) as refused:
        services.identity_upload_by_party(party=zhangsan, upload=upload(name, data))
    assert refused.value.code == code
    assert not IdentityDocument.objects.exists()
    assert stored_files() == []


def test_a_file_too_large_is_refused(settings, zhangsan):
    settings.JIEFEN_UPLOAD_MAX_BYTES = 1000
    with pytest.raises(services.NotAccepted) as refused:
        services.identity_upload_by_party(party=zhangsan, upload=upload("id.png", png(800, 800)))
    assert refused.value.code == "size"
    assert "MB" in str(refused.value.message)
    assert not IdentityDocument.objects.exists()


def test_no_file_is_refused(zhangsan):
    with pytest.raises(services.NotAccepted) as refused:
        services.identity_upload_by_party(party=zhangsan, upload=None)
    assert refused.value.code == "none"


def test_a_pdf_of_too_many_pages_is_refused(zhangsan):
    with pytest.raises(services.NotAccepted) as refused:
        services.identity_upload_by_party(party=zhangsan, upload=upload("id.pdf", pdf(11)))
    assert refused.value.code == "pages"


def test_an_agent_is_not_an_applicant(agreed):
    agent = agreed.parties.create(side="agent", name="王五")
    with pytest.raises(Forbidden):
        services.identity_upload_by_party(party=agent, upload=upload("id.png", png()))


def test_staff_of_the_holder_upload_for_a_party_and_outsiders_cannot(
    agreed, lisi, village_clerk, other_village_clerk, town_head
):
    row = services.identity_upload_for_party(
        actor=village_clerk, dispute_id=agreed.pk, party_id=lisi.pk, upload=upload("a.png", png())
    )
    assert row.uploaded_by == village_clerk and not row.by_party
    with pytest.raises(NotFound):
        services.identity_upload_for_party(
            actor=other_village_clerk,
            dispute_id=agreed.pk,
            party_id=lisi.pk,
            upload=upload("a.png", png()),
        )
    # The town head sees the dispute but does not hold it.
    with pytest.raises(Forbidden):
        services.identity_upload_for_party(
            actor=town_head, dispute_id=agreed.pk, party_id=lisi.pk, upload=upload("a.png", png())
        )


def test_a_party_of_another_dispute_cannot_be_named(world, agreed, village_clerk):
    other = agreed_days_ago(world, village_clerk, 3)
    stranger = other.parties.get(name="张三")
    with pytest.raises(NotFound):
        services.identity_upload_for_party(
            actor=village_clerk,
            dispute_id=agreed.pk,
            party_id=stranger.pk,
            upload=upload("a.png", png()),
        )


def test_a_staff_view_of_an_identity_document_is_a_logged_reveal(agreed, zhangsan, village_clerk):
    data = png()
    services.identity_upload_by_party(party=zhangsan, upload=upload("a.png", data))
    with pytest.raises(Invalid):
        services.identity_reveal(
            actor=village_clerk, dispute_id=agreed.pk, party_id=zhangsan.pk, reason=" "
        )
    assert not Reveal.objects.exists()
    _row, shown = services.identity_reveal(
        actor=village_clerk, dispute_id=agreed.pk, party_id=zhangsan.pk, reason="核对身份"
    )
    assert shown == data
    reveal = Reveal.objects.get()
    assert (reveal.field, reveal.reason, reveal.party) == (
        services.IDENTITY_REVEAL,
        "核对身份",
        zhangsan,
    )


# --- the window and what is missing ---------------------------------------------------------


def test_the_state_names_each_missing_identity_document(agreed, zhangsan):
    state = services.state_of(agreed)
    assert state.open and not state.ready
    assert state.missing == ["申请人张三的身份证明材料", "被申请人李四的身份证明材料"]
    services.identity_upload_by_party(party=zhangsan, upload=upload("a.png", png()))
    assert services.state_of(agreed).missing == ["被申请人李四的身份证明材料"]


def test_outside_the_window_uploading_and_sending_are_refused_with_the_way_on(world, village_clerk):
    late = agreed_days_ago(world, village_clerk, 31)
    state = services.state_of(late)
    assert state.closed and not state.open
    party = late.parties.get(name="张三")
    with pytest.raises(Invalid) as refused:
        services.identity_upload_by_party(party=party, upload=upload("a.png", png()))
    message = str(refused.value.message)
    assert "已不能再申请司法确认" in message and "提起诉讼" in message
    assert not IdentityDocument.objects.exists() and stored_files() == []
    with pytest.raises(Invalid, match="提起诉讼"):
        services.application_send(
            actor=village_clerk, dispute_id=late.pk, court="诸暨市人民法院", reason="申请"
        )


def test_the_last_day_itself_is_inside_the_window(world, village_clerk):
    assert services.state_of(agreed_days_ago(world, village_clerk, 30)).open


def test_without_an_agreement_there_is_nothing_to_apply_for(world, village_clerk):
    from jiefen.disputes.tests.conftest import register

    d = register(world, village_clerk)
    with pytest.raises(Invalid, match="没有生效的调解协议"):
        services.bundle_make(actor=village_clerk, dispute_id=d.pk, court="法院", reason="申请")
    assert not Reveal.objects.exists()


def test_the_default_court_is_the_basic_court_of_the_county(agreed, settings):
    assert services.court_default(agreed) == "诸暨市人民法院"
    settings.JIEFEN_COURT_NAME = "诸暨市人民法院枫桥人民法庭"
    assert services.court_default(agreed) == "诸暨市人民法院枫桥人民法庭"


# --- the bundle -----------------------------------------------------------------------------


def test_the_bundle_holds_the_application_agreement_list_and_identity_pages(
    agreed, zhangsan, lisi, village_clerk
):
    both_uploaded(zhangsan, lisi)
    made = services.bundle_make(
        actor=village_clerk, dispute_id=agreed.pk, court="诸暨市人民法院", reason="代为申请"
    )
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(made.bundle))
    text = text_of(made.bundle)
    for words in (
        "人民调解协议司法确认申请书",
        "请求事项",
        "确认申请人于",
        "人民调解协议有效",
        "诸暨市人民法院",
        "人民调解协议书",
        "司法确认申请材料清单",
        "枫一社区人民调解委员会",
        "李四于三十日内将院墙后移至证载界址",
        # Full numbers: a court document cannot use masked ones.
        "330681199001011237",
        "33068119850505123X",
        "13812345678",
        "居民身份证",
        "男",
        "45岁",
    ):
        assert words in text, words
    agreement_pages = len(PdfReader(io.BytesIO(made.agreement)).pages)
    # application + agreement + list + one image page for 张三 + two PDF pages for 李四
    application_pages = len(reader.pages) - agreement_pages - 1 - 1 - 2
    assert application_pages >= 1
    assert "ID card page 2" in reader.pages[-1].extract_text()
    # Every full number and identity document shown was a logged reveal.
    reveals = set(Reveal.objects.values_list("party__name", "field"))
    assert {("张三", "id_number"), ("李四", "id_number"), ("张三", "phone")} <= reveals
    assert {("张三", services.IDENTITY_REVEAL), ("李四", services.IDENTITY_REVEAL)} <= reveals
    assert made.manifest["bundle_sha256"] == hashlib.sha256(made.bundle).hexdigest()
    assert not CourtSubmission.objects.exists()  # made on demand, nothing sent or kept


def test_the_bundle_is_refused_while_something_is_missing_and_logs_nothing(
    agreed, zhangsan, village_clerk
):
    services.identity_upload_by_party(party=zhangsan, upload=upload("a.png", png()))
    with pytest.raises(Invalid, match="被申请人李四的身份证明材料"):
        services.bundle_make(actor=village_clerk, dispute_id=agreed.pk, court="法院", reason="x")
    assert not Reveal.objects.exists()


def test_the_bundle_needs_a_court_and_a_reason(agreed, village_clerk):
    with pytest.raises(Invalid) as refused:
        services.bundle_make(actor=village_clerk, dispute_id=agreed.pk, court=" ", reason="x")
    assert "court" in refused.value.fields
    with pytest.raises(Invalid) as refused:
        services.bundle_make(actor=village_clerk, dispute_id=agreed.pk, court="法院", reason="")
    assert "reason" in refused.value.fields


def test_only_staff_of_the_holder_make_the_bundle(agreed, zhangsan, lisi, town_head, outsider):
    both_uploaded(zhangsan, lisi)
    with pytest.raises(Forbidden):
        services.bundle_make(actor=town_head, dispute_id=agreed.pk, court="法院", reason="x")
    with pytest.raises(NotFound):
        services.bundle_make(actor=outsider, dispute_id=agreed.pk, court="法院", reason="x")
    assert not Reveal.objects.exists()


# --- sending --------------------------------------------------------------------------------


def test_sending_writes_the_folder_and_records_the_application_as_applied(
    settings, agreed, zhangsan, lisi, village_clerk
):
    both_uploaded(zhangsan, lisi)
    row = services.application_send(
        actor=village_clerk, dispute_id=agreed.pk, court="诸暨市人民法院", reason="代为申请"
    )
    confirmation = Confirmation.objects.get(agreement__dispute=agreed)
    assert confirmation.applied_on == timezone.localdate()
    assert confirmation.court == "诸暨市人民法院"
    event = Event.objects.get(dispute=agreed, action="confirmation_apply")
    assert event.params["in_time"] is True
    folder = Path(settings.JIEFEN_COURT_OUTBOX) / row.reference
    assert str(folder) == row.receipt["where"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["reference"] == row.reference and manifest["court"] == "诸暨市人民法院"
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 3 and "manifest.json" in files
    bundle = next(p for p in folder.iterdir() if "申请材料" in p.name).read_bytes()
    assert hashlib.sha256(bundle).hexdigest() == row.bundle_sha256 == manifest["bundle_sha256"]
    assert (folder.stat().st_mode & 0o777) == 0o700


def test_sending_twice_is_refused_and_sends_nothing_more(
    settings, agreed, zhangsan, lisi, village_clerk
):
    both_uploaded(zhangsan, lisi)
    services.application_send(actor=village_clerk, dispute_id=agreed.pk, court="法院", reason="x")
    with pytest.raises(Invalid, match="不能重复提交"):
        services.application_send(
            actor=village_clerk, dispute_id=agreed.pk, court="法院", reason="x"
        )
    assert len(list(Path(settings.JIEFEN_COURT_OUTBOX).iterdir())) == 1
    assert Event.objects.filter(dispute=agreed, action="confirmation_apply").count() == 1
    # And the identity documents can no longer be changed.
    with pytest.raises(Invalid, match="不能重复提交或更改材料"):
        services.identity_upload_by_party(party=zhangsan, upload=upload("b.png", png()))


def test_an_application_recorded_by_hand_is_not_sent_again(agreed, zhangsan, lisi, village_clerk):
    from jiefen.documents.services import confirmation_apply

    both_uploaded(zhangsan, lisi)
    confirmation_apply(
        actor=village_clerk,
        dispute_id=agreed.pk,
        applied_on=timezone.localdate(),
        court="诸暨市人民法院",
    )
    with pytest.raises(Invalid, match="已经提交法院"):
        services.application_send(
            actor=village_clerk, dispute_id=agreed.pk, court="法院", reason="x"
        )
    assert not CourtSubmission.objects.exists()


class BrokenGateway:
    def submit(self, bundle):
        raise OSError("the court's share is not mounted")


def test_a_failed_send_records_nothing(settings, agreed, zhangsan, lisi, village_clerk):
    settings.JIEFEN_COURT_GATEWAY = f"{__name__}.BrokenGateway"
    both_uploaded(zhangsan, lisi)
    with pytest.raises(OSError):
        services.application_send(
            actor=village_clerk, dispute_id=agreed.pk, court="法院", reason="x"
        )
    assert not CourtSubmission.objects.exists()
    assert not Confirmation.objects.filter(applied_on__isnull=False).exists()
    assert not Event.objects.filter(action="confirmation_apply").exists()
    assert not Reveal.objects.exists()


class Recording:
    sent: list = []

    def submit(self, bundle):
        Recording.sent.append(bundle)
        return gateway.Receipt(reference="FY-2026-0001", where="court-api", at=timezone.now())


def test_a_gateway_is_chosen_by_its_dotted_path(settings, agreed, zhangsan, lisi, village_clerk):
    settings.JIEFEN_COURT_GATEWAY = f"{__name__}.Recording"
    both_uploaded(zhangsan, lisi)
    row = services.application_send(
        actor=village_clerk, dispute_id=agreed.pk, court="法院", reason="x"
    )
    assert row.reference == "FY-2026-0001" and row.gateway.endswith("Recording")
    (bundle,) = Recording.sent
    assert len(bundle.files) == 2 and bundle.court == "法院"
    assert all(data.startswith(b"%PDF-") for data in bundle.files.values())


def test_the_court_result_is_then_recorded_as_before(agreed, zhangsan, lisi, village_clerk):
    from jiefen.documents.services import confirmation_result

    both_uploaded(zhangsan, lisi)
    services.application_send(actor=village_clerk, dispute_id=agreed.pk, court="法院", reason="x")
    confirmation_result(
        actor=village_clerk,
        dispute_id=agreed.pk,
        result="confirmed",
        result_on=timezone.localdate(),
    )
    assert services.state_of(agreed).confirmation.result == "confirmed"


def test_the_signed_agreement_keeps_its_signature_beside_the_bundle(
    settings, tmp_path, agreed, zhangsan, lisi, village_clerk
):
    from pyhanko.pdf_utils.reader import PdfFileReader

    from jiefen.demo.signing import CA, CERT, KEY, demo_signing_certificates

    demo_signing_certificates(tmp_path)
    settings.JIEFEN_SIGNING = {
        "key": str(tmp_path / KEY),
        "cert": str(tmp_path / CERT),
        "chain": str(tmp_path / CA),
    }
    both_uploaded(zhangsan, lisi)
    made = services.bundle_make(actor=village_clerk, dispute_id=agreed.pk, court="法院", reason="x")
    assert len(PdfFileReader(io.BytesIO(made.agreement)).embedded_signatures) == 1
    # Concatenated, the agreement's pages are copies: the bundle carries no valid signature.
    assert len(PdfFileReader(io.BytesIO(made.bundle)).embedded_signatures) == 0
    assert "数字签名" in text_of(made.bundle)


# --- erasure --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_identity_documents_are_erased_with_the_party(world, village_clerk):
    d = agreed_days_ago(world, village_clerk, 2)
    zhangsan = d.parties.get(name="张三")
    services.identity_upload_by_party(party=zhangsan, upload=upload("a.png", png()))
    assert len(stored_files()) == 1
    from django.db import transaction

    with transaction.atomic():
        assert services.identity_documents_erase(party_ids=[zhangsan.pk]) == 1
    assert not IdentityDocument.objects.exists()
    assert stored_files() == []


def test_anonymisation_erases_the_identity_documents(agreed, zhangsan, village_clerk):
    from jiefen.privacy.retention import dispute_anonymise

    services.identity_upload_by_party(party=zhangsan, upload=upload("a.png", png()))
    now = timezone.now()
    dispute_anonymise(agreed, now=now, closed_before=timezone.localdate(now) + timedelta(days=1))
    assert not IdentityDocument.objects.exists()
    event = Event.objects.filter(dispute=agreed, action="anonymise").get()
    assert event.params["replaced"]["courts.identitydocument"]["rows"] == 1


def test_an_uploaded_pdf_brings_no_links_or_actions_into_the_bundle(
    agreed, zhangsan, lisi, village_clerk
):
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Link

    writer = PdfWriter()
    writer.append(io.BytesIO(pdf(1)))
    writer.add_annotation(0, Link(rect=(50, 50, 200, 80), url="https://example.invalid/"))
    out = io.BytesIO()
    writer.write(out)
    services.identity_upload_by_party(party=zhangsan, upload=upload("id.png", png()))
    services.identity_upload_by_party(party=lisi, upload=upload("id.pdf", out.getvalue()))
    made = services.bundle_make(actor=village_clerk, dispute_id=agreed.pk, court="法院", reason="x")
    last = PdfReader(io.BytesIO(made.bundle)).pages[-1]
    assert "ID card page 1" in last.extract_text() and "/Annots" not in last
