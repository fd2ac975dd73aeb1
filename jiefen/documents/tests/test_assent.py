"""Each party confirms the agreement's text, or refuses it with a reason, after a one-time code
to the phone on file; a change of the text voids the earlier answers; misuse is refused with
a clear message and saves nothing."""

import base64
from datetime import date

import pytest

from jiefen.disputes.models import Event
from jiefen.documents import assent, services
from jiefen.documents.builders import Facts
from jiefen.documents.models import Assent
from jiefen.documents.tests.conftest import LI_SI_PHONE, WANG_WU_PHONE, code_in, drawn_png
from jiefen.lib.errors import Invalid, NotFound
from jiefen.lib.sealed import open_bytes


def _text(dispute):
    return assent.agreement_text(Facts.of(dispute))


def _party(dispute, name):
    return dispute.parties.get(name=name)


def _confirm(dispute, name, outbox, **given):
    party = _party(dispute, name)
    digest = _text(dispute).digest
    assent.assent_code_send(dispute=dispute, party=party, digest=digest)
    values = {
        "dispute_id": dispute.pk,
        "party": party,
        "digest": digest,
        "code": code_in(outbox, party.phone),
        "answer": "confirmed",
    } | given
    return assent.assent_answer(**values)


def test_wang_wu_confirms_with_the_code_and_his_drawn_signature(two_parties, outbox):
    png = drawn_png()
    done = _confirm(
        two_parties,
        "王五",
        outbox,
        signature="data:image/png;base64," + base64.b64encode(png).decode(),
    )
    assert done.answer == "confirmed" and done.channel == "sms" and done.signed
    # Kept encrypted: the stored bytes are not a PNG, opened they are.
    stored = bytes(Assent.objects.get(pk=done.pk).signature)
    assert not stored.startswith(b"\x89PNG") and open_bytes(stored).startswith(b"\x89PNG")
    event = Event.objects.get(dispute=two_parties, action=assent.CONFIRM)
    assert event.params["party"] == done.party_id and event.params["channel"] == "sms"
    assert event.actor is None and event.public
    assert outbox[-1][0] == WANG_WU_PHONE and two_parties.number in outbox[-1][1]


def test_li_si_refuses_with_a_reason_and_it_is_an_event(two_parties, outbox):
    done = _confirm(
        two_parties, "李四", outbox, answer="refused", reason="一次付清有困难，希望分期"
    )
    assert done.answer == "refused" and done.reason == "一次付清有困难，希望分期"
    event = Event.objects.get(dispute=two_parties, action=assent.REFUSE)
    assert event.reason == "一次付清有困难，希望分期"


def test_a_refusal_without_a_reason_is_refused_and_the_code_is_not_spent(two_parties, outbox):
    li_si = _party(two_parties, "李四")
    digest = _text(two_parties).digest
    assent.assent_code_send(dispute=two_parties, party=li_si, digest=digest)
    code = code_in(outbox, LI_SI_PHONE)
    with pytest.raises(Invalid) as refused:
        assent.assent_answer(
            dispute_id=two_parties.pk, party=li_si, digest=digest, code=code, answer="refused"
        )
    assert "reason" in refused.value.fields
    assert not Assent.objects.exists()
    assent.assent_answer(
        dispute_id=two_parties.pk, party=li_si, digest=digest, code=code, answer="confirmed"
    )


def test_a_code_used_once_cannot_confirm_again(two_parties, outbox):
    wang_wu = _party(two_parties, "王五")
    digest = _text(two_parties).digest
    _confirm(two_parties, "王五", outbox)
    with pytest.raises(Invalid, match="已确认过"):
        assent.assent_answer(
            dispute_id=two_parties.pk,
            party=wang_wu,
            digest=digest,
            code=code_in(outbox, WANG_WU_PHONE),
            answer="confirmed",
        )
    assert Assent.objects.count() == 1
    with pytest.raises(Invalid, match="已确认过"):
        assent.assent_code_send(dispute=two_parties, party=wang_wu, digest=digest)


def test_an_expired_or_wrong_code_saves_nothing(two_parties, outbox):
    from django.core.cache import cache

    wang_wu = _party(two_parties, "王五")
    digest = _text(two_parties).digest
    assent.assent_code_send(dispute=two_parties, party=wang_wu, digest=digest)
    right = code_in(outbox, WANG_WU_PHONE)
    with pytest.raises(Invalid, match="验证码不正确"):
        assent.assent_answer(
            dispute_id=two_parties.pk,
            party=wang_wu,
            digest=digest,
            code="000000" if right != "000000" else "111111",
            answer="confirmed",
        )
    cache.clear()  # ten minutes later: the code has expired
    with pytest.raises(Invalid, match="已失效"):
        assent.assent_answer(
            dispute_id=two_parties.pk, party=wang_wu, digest=digest, code=right, answer="confirmed"
        )
    assert not Assent.objects.exists()
    assert not Event.objects.filter(action__in=(assent.CONFIRM, assent.REFUSE)).exists()


def test_li_sis_code_does_not_confirm_for_wang_wu(two_parties, outbox):
    wang_wu, li_si = _party(two_parties, "王五"), _party(two_parties, "李四")
    digest = _text(two_parties).digest
    assent.assent_code_send(dispute=two_parties, party=li_si, digest=digest)
    with pytest.raises(Invalid, match="验证码"):
        assent.assent_answer(
            dispute_id=two_parties.pk,
            party=wang_wu,
            digest=digest,
            code=code_in(outbox, LI_SI_PHONE),
            answer="confirmed",
        )
    assert not Assent.objects.exists()


def test_a_party_of_another_dispute_cannot_answer_this_one(
    two_parties, outbox, world, village_clerk, town_head
):
    from jiefen.documents.tests.conftest import agreement_for_two

    other = agreement_for_two(world, village_clerk, town_head)
    stranger = _party(other, "王五")
    with pytest.raises(NotFound):
        assent.assent_code_send(
            dispute=two_parties, party=stranger, digest=_text(two_parties).digest
        )
    with pytest.raises(NotFound):
        assent.assent_answer(
            dispute_id=two_parties.pk,
            party=stranger,
            digest=_text(two_parties).digest,
            code="123456",
            answer="confirmed",
        )
    assert not Assent.objects.exists()


def test_a_change_of_the_text_voids_the_confirmations_and_says_so(
    two_parties, outbox, village_clerk
):
    old = _text(two_parties).digest
    wang_wu = _party(two_parties, "王五")
    _confirm(two_parties, "王五", outbox)
    # 李四 asked for a code for the text as it was, then the mediator changed the terms.
    assent.assent_code_send(dispute=two_parties, party=_party(two_parties, "李四"), digest=old)
    li_si_code = code_in(outbox, LI_SI_PHONE)
    services.agreement_detail_save(
        actor=village_clerk,
        dispute_id=two_parties.pk,
        data=services.AgreementDetailInput(
            responsibility="李四拖欠工资，应负全部责任。",
            performance_method="李四分两期通过银行转账支付",
            performance_deadline=date(2026, 4, 30),
            mediators="陈小梅",
        ),
    )
    new = _text(two_parties).digest
    assert new != old
    row = Assent.objects.get(party=wang_wu)
    assert row.voided_at is not None
    event = Event.objects.get(dispute=two_parties, action=assent.VOID)
    assert event.params["parties"] == [wang_wu.pk]
    states = {
        s.party.name: s.state
        for s in assent.party_states(Facts.of(two_parties), new, assent.assents_of(row.agreement))
    }
    assert states == {"王五": "voided", "李四": "waiting"}
    # A page still showing the old text is refused with the message, nothing saved.
    with pytest.raises(assent.Stale, match="协议内容已修改，之前的确认已失效，请重新确认"):
        assent.assent_answer(
            dispute_id=two_parties.pk,
            party=_party(two_parties, "李四"),
            digest=old,
            code=li_si_code,
            answer="confirmed",
        )
    # Nor does the code for the old text confirm the new one.
    with pytest.raises(Invalid, match="验证码"):
        assent.assent_answer(
            dispute_id=two_parties.pk,
            party=_party(two_parties, "李四"),
            digest=new,
            code=li_si_code,
            answer="confirmed",
        )
    assert Assent.objects.filter(voided_at__isnull=True).count() == 0
    # 王五 confirms the new text.
    _confirm(two_parties, "王五", outbox)
    assert Assent.objects.filter(party=wang_wu, voided_at__isnull=True).count() == 1


def test_saving_the_same_text_again_voids_nothing(two_parties, outbox, village_clerk):
    _confirm(two_parties, "王五", outbox)
    detail = Facts.of(two_parties).agreement_detail
    services.agreement_detail_save(
        actor=village_clerk,
        dispute_id=two_parties.pk,
        data=services.AgreementDetailInput(
            responsibility=detail.responsibility,
            performance_method=detail.performance_method,
            performance_deadline=detail.performance_deadline,
            mediators=detail.mediators,
        ),
    )
    assert not Assent.objects.filter(voided_at__isnull=False).exists()
    assert not Event.objects.filter(action=assent.VOID).exists()


def test_no_agreement_no_confirmation(world, village_clerk, outbox):
    from jiefen.disputes.tests.conftest import register

    open_dispute = register(world, village_clerk)
    party = open_dispute.parties.get(name="张三")
    with pytest.raises(Invalid, match="没有达成调解协议"):
        assent.assent_code_send(dispute=open_dispute, party=party, digest="0" * 64)
    with pytest.raises(Invalid, match="没有达成调解协议"):
        assent.assent_answer(
            dispute_id=open_dispute.pk, party=party, digest="0" * 64, code="1", answer="confirmed"
        )
    assert not outbox and not Assent.objects.exists()


def test_a_party_without_a_mobile_phone_is_told_to_sign_in_person(two_parties, outbox):
    from jiefen.disputes.models import Party

    li_si = _party(two_parties, "李四")
    li_si.phone = "0575-87001234"
    li_si.save()
    assert Party.objects.get(pk=li_si.pk).phone == "0575-87001234"
    with pytest.raises(Invalid, match="当面签字确认"):
        assent.assent_code_send(dispute=two_parties, party=li_si, digest=_text(two_parties).digest)
    assert not outbox


def test_the_mediator_records_li_sis_paper_confirmation(two_parties, village_clerk):
    li_si = _party(two_parties, "李四")
    done = assent.assent_record_paper(
        actor=village_clerk,
        dispute_id=two_parties.pk,
        party_id=li_si.pk,
        digest=_text(two_parties).digest,
        answer="confirmed",
        signature=drawn_png(),
    )
    assert done.channel == "paper" and done.recorded_by == village_clerk and done.signed
    event = Event.objects.get(dispute=two_parties, action=assent.CONFIRM)
    assert event.actor == village_clerk and event.params["channel"] == "paper"
    with pytest.raises(Invalid, match="已确认过"):
        assent.assent_record_paper(
            actor=village_clerk,
            dispute_id=two_parties.pk,
            party_id=li_si.pk,
            digest=_text(two_parties).digest,
            answer="confirmed",
        )


def test_staff_of_another_village_cannot_record_a_confirmation(two_parties, other_village_clerk):
    with pytest.raises(NotFound):
        assent.assent_record_paper(
            actor=other_village_clerk,
            dispute_id=two_parties.pk,
            party_id=_party(two_parties, "李四").pk,
            digest=_text(two_parties).digest,
            answer="confirmed",
        )
    assert not Assent.objects.exists()


@pytest.mark.parametrize(
    ("signature", "problem"),
    [
        ("data:image/jpeg;base64,AAAA", "无效"),
        ("data:image/png;base64,!!!", "无效"),
        ("data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nnot").decode(), "无效"),
        (drawn_png(20, 10), "无效"),
        (drawn_png(3000, 400), "无效"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * (assent.SIGNATURE_BYTES + 1), "过大"),
    ],
)
def test_a_signature_that_is_not_a_sensible_png_is_refused(signature, problem):
    with pytest.raises(Invalid, match=problem) as refused:
        assent.signature_clean(signature)
    assert "signature" in refused.value.fields


def test_a_blank_signature_is_refused():
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (300, 120), (0, 0, 0, 0)).save(out, format="PNG")
    with pytest.raises(Invalid, match="空白"):
        assent.signature_clean(out.getvalue())


def test_the_kept_signature_is_redrawn_without_the_uploads_extra_chunks():
    import io

    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "王五 13900001111")
    image = Image.open(io.BytesIO(drawn_png()))
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    cleaned = assent.signature_clean(out.getvalue())
    assert b"13900001111" in out.getvalue() and b"13900001111" not in cleaned


def test_anonymisation_erases_the_signature_and_the_reason(two_parties, outbox):
    done = _confirm(
        two_parties, "李四", outbox, answer="refused", reason="李四要求分期", signature=drawn_png()
    )
    assert assent.assents_erase(party_ids=[done.party_id]) == 1
    done.refresh_from_db()
    assert bytes(done.signature) == b"" and not done.signed and done.reason == ""
    assert done.channel == "sms" and done.at is not None


def test_the_subject_access_export_holds_the_signature_and_anonymisation_erases_it(
    two_parties, outbox
):
    from datetime import date

    from django.db import transaction

    from jiefen.disputes.services import dispute_lock
    from jiefen.privacy.retention import dispute_anonymise
    from jiefen.privacy.subject import subject_data

    done = _confirm(two_parties, "王五", outbox, signature=drawn_png())
    wang_wu = _party(two_parties, "王五")
    rows = subject_data([wang_wu], "")["agreement_assents"]
    assert [(r["party"], r["answer"], r["channel"]) for r in rows] == [
        ("王五", "确认", "短信验证码")
    ]
    assert base64.b64decode(rows[0]["signature"].split(",", 1)[1]).startswith(b"\x89PNG")
    with transaction.atomic():
        locked = dispute_lock(two_parties.pk)
        dispute_anonymise(locked, now=done.at, closed_before=date(2031, 1, 1))
    done.refresh_from_db()
    assert bytes(done.signature) == b"" and not done.signed
    event = Event.objects.get(dispute=two_parties, action="anonymise")
    assert event.params["replaced"]["documents.assent"]["rows"] == 1
