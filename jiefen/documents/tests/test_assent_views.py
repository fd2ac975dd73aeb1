"""The agreement's confirmation through the pages: the party's at /public/agreement/ (proved
by the portal's identity cookie), the staff's record of a paper one, the signatures shown to
the party themself and to staff in jurisdiction only, the documents panel's states."""

import base64

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiefen.disputes.models import Event
from jiefen.disputes.public import query_digest
from jiefen.documents import assent, selectors
from jiefen.documents.builders import Facts
from jiefen.documents.models import Assent
from jiefen.documents.tests.conftest import LI_SI_PHONE, WANG_WU_PHONE, code_in, drawn_png
from jiefen.portal import identity

QUERY_CODE = "WAGE-CODE-7"


def as_party(dispute, name) -> Client:
    """A browser that proved to be `name` (the cookie identity.party_remember sets)."""
    party = dispute.parties.get(name=name)
    response = HttpResponse()
    identity.party_remember(response, party)
    client = Client()
    client.cookies[identity.PARTY_COOKIE] = response.cookies[identity.PARTY_COOKIE].value
    return client


def following(dispute) -> Client:
    """A browser that opened the dispute with its number and query code, nothing more."""
    type(dispute).objects.filter(pk=dispute.pk).update(query_digest=query_digest(QUERY_CODE))
    client = Client()
    client.post(reverse("portal:follow"), {"number": dispute.number, "code": QUERY_CODE})
    return client


def digest_of(dispute):
    return assent.agreement_text(Facts.of(dispute)).digest


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def confirm_online(client, dispute, outbox, phone, **extra):
    digest = digest_of(dispute)
    assert client.post(reverse("assent:code"), {"digest": digest}).status_code == 302
    return client.post(
        reverse("assent:answer"),
        {"digest": digest, "code": code_in(outbox, phone), "answer": "confirmed"} | extra,
    )


def test_wang_wu_reads_confirms_and_signs_on_his_page(two_parties, outbox):
    client = as_party(two_parties, "王五")
    page = client.get(reverse("assent:page")).content.decode()
    assert "李四于2026年3月31日前一次付清王五工资一万二千元" in page
    assert 'id="send-code"' in page and "canvas" in page
    response = confirm_online(
        client, two_parties, outbox, WANG_WU_PHONE, signature=data_url(drawn_png())
    )
    assert response.status_code == 302
    done = Assent.objects.get()
    assert done.party.name == "王五" and done.signed and done.channel == "sms"
    page = client.get(reverse("assent:page")).content.decode()
    assert 'id="answered"' in page and reverse("assent:signature", args=[done.pk]) in page
    assert client.get(reverse("assent:signature", args=[done.pk]))["Content-Type"] == "image/png"
    # His section on the portal's page of the dispute says so.
    portal = following(two_parties)
    portal.cookies[identity.PARTY_COOKIE] = client.cookies[identity.PARTY_COOKIE].value
    assert "您已确认调解协议" in portal.get(reverse("portal:follow")).content.decode()


def test_a_follower_not_proved_as_a_party_sees_no_text(two_parties):
    client = following(two_parties)
    page = client.get(reverse("assent:page")).content.decode()
    assert "一万二千元" not in page and "王五" not in page
    assert 'id="who"' in page
    assert "调解协议" in client.get(reverse("portal:follow")).content.decode()
    response = client.post(reverse("assent:code"), {"digest": digest_of(two_parties)})
    assert response.status_code == 403


def test_nobody_following_is_sent_to_the_follow_page(db):
    assert reverse("portal:follow") in Client().get(reverse("assent:page"))["Location"]
    assert reverse("portal:follow") in Client().post(reverse("assent:answer"))["Location"]


def test_a_stale_page_is_refused_with_the_message_and_saves_nothing(
    two_parties, outbox, village_clerk
):
    from datetime import date

    from jiefen.documents import services

    client = as_party(two_parties, "李四")
    old = digest_of(two_parties)
    client.post(reverse("assent:code"), {"digest": old})
    services.agreement_detail_save(
        actor=village_clerk,
        dispute_id=two_parties.pk,
        data=services.AgreementDetailInput(
            responsibility="李四拖欠工资，应负全部责任。",
            performance_method="分两期转账",
            performance_deadline=date(2026, 4, 30),
            mediators="陈小梅",
        ),
    )
    response = client.post(
        reverse("assent:answer"),
        {"digest": old, "code": code_in(outbox, LI_SI_PHONE), "answer": "confirmed"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "协议内容已修改，之前的确认已失效，请重新确认" in page
    assert "分两期转账" in page  # the page now shows the new text
    assert not Assent.objects.exists()


def test_li_si_cannot_answer_for_wang_wu(two_parties, outbox):
    wang_wu = two_parties.parties.get(name="王五")
    client = as_party(two_parties, "李四")
    response = client.post(
        reverse("assent:answer"),
        {
            "digest": digest_of(two_parties),
            "code": "123456",
            "answer": "confirmed",
            "party": wang_wu.pk,
        },
    )
    assert response.status_code == 403
    assert "不能代其他当事人确认" in response.content.decode()
    assert not Assent.objects.exists() and not outbox


def test_a_wrong_code_keeps_the_reason_and_the_drawing(two_parties, outbox):
    client = as_party(two_parties, "李四")
    digest = digest_of(two_parties)
    client.post(reverse("assent:code"), {"digest": digest})
    right = code_in(outbox, LI_SI_PHONE)
    response = client.post(
        reverse("assent:answer"),
        {
            "digest": digest,
            "code": "000000" if right != "000000" else "111111",
            "answer": "refused",
            "reason": "希望分两期付清",
            "strokes": "[[[10,10],[90,40]]]",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "验证码不正确" in page and "希望分两期付清" in page and "[[[10,10],[90,40]]]" in page
    assert not Assent.objects.exists()


def test_confirming_twice_is_refused_clearly(two_parties, outbox):
    client = as_party(two_parties, "王五")
    confirm_online(client, two_parties, outbox, WANG_WU_PHONE)
    response = client.post(reverse("assent:code"), {"digest": digest_of(two_parties)})
    assert response.status_code == 400
    assert "已确认过" in response.content.decode()
    assert Assent.objects.count() == 1
    assert Event.objects.filter(action=assent.CONFIRM).count() == 1


def test_a_dispute_without_an_agreement_has_nothing_to_confirm(world, village_clerk, outbox):
    from jiefen.disputes.services import PartyInput
    from jiefen.disputes.tests.conftest import register

    open_dispute = register(
        world,
        village_clerk,
        parties=[PartyInput(side="applicant", name="王五", phone=WANG_WU_PHONE)],
    )
    client = as_party(open_dispute, "王五")
    assert "无需确认" in client.get(reverse("assent:page")).content.decode()
    response = client.post(
        reverse("assent:answer"), {"digest": "0" * 64, "code": "123456", "answer": "confirmed"}
    )
    assert response.status_code == 400 and "没有达成调解协议" in response.content.decode()
    assert not Assent.objects.exists() and not outbox


def test_a_signature_is_shown_to_its_party_and_staff_in_jurisdiction_only(
    two_parties, outbox, village_clerk, other_village_clerk, town_head
):
    confirm_online(
        as_party(two_parties, "王五"),
        two_parties,
        outbox,
        WANG_WU_PHONE,
        signature=data_url(drawn_png()),
    )
    done = Assent.objects.get()
    own = reverse("assent:signature", args=[done.pk])
    assert as_party(two_parties, "李四").get(own).status_code == 404
    assert following(two_parties).get(own).status_code == 404
    staff = reverse("documents:assent_signature", args=[two_parties.pk, done.pk])
    for user, status in ((village_clerk, 200), (town_head, 200), (other_village_clerk, 404)):
        client = Client()
        client.force_login(user)
        assert client.get(staff).status_code == status, user
    assert "/login/" in Client().get(staff)["Location"]


def test_the_mediator_records_a_paper_confirmation_on_the_staff_page(
    two_parties, village_clerk, other_village_clerk
):
    li_si = two_parties.parties.get(name="李四")
    client = Client()
    client.force_login(village_clerk)
    url = reverse("documents:assent", args=[two_parties.pk])
    assert 'id="paper"' in client.get(url).content.decode()
    refused = client.post(
        url, {"digest": digest_of(two_parties), "party": li_si.pk, "answer": "refused"}
    )
    assert refused.status_code == 400 and "请写明理由" in refused.content.decode()
    response = client.post(
        url,
        {
            "digest": digest_of(two_parties),
            "party": li_si.pk,
            "answer": "confirmed",
            "signature": data_url(drawn_png()),
        },
    )
    assert response.status_code == 302
    done = Assent.objects.get()
    assert done.channel == "paper" and done.recorded_by == village_clerk
    other = Client()
    other.force_login(other_village_clerk)
    assert other.get(url).status_code == 404
    assert (
        other.post(
            url, {"digest": digest_of(two_parties), "party": li_si.pk, "answer": "confirmed"}
        ).status_code
        == 404
    )


def test_the_documents_panel_shows_each_party_for_one_query_more(
    two_parties, outbox, village_clerk, monkeypatch
):
    confirm_online(as_party(two_parties, "王五"), two_parties, outbox, WANG_WU_PHONE)
    assent.assent_record_paper(
        actor=village_clerk,
        dispute_id=two_parties.pk,
        party_id=two_parties.parties.get(name="李四").pk,
        digest=digest_of(two_parties),
        answer="refused",
        reason="希望分期",
    )
    from jiefen.disputes.access import dispute_for

    dispute = dispute_for(village_clerk, two_parties.pk)
    with CaptureQueriesContext(connection) as with_states:
        panel = selectors.panel_for(village_clerk, dispute)
    states = {s.party.name: s.state for s in panel["assent_states"]}
    assert states == {"王五": "confirmed", "李四": "refused"}
    monkeypatch.setattr(assent, "assents_of", lambda agreement: [])
    dispute = dispute_for(village_clerk, two_parties.pk)
    with CaptureQueriesContext(connection) as without:
        selectors.panel_for(village_clerk, dispute)
    assert len(with_states) - len(without) <= 1
    client = Client()
    client.force_login(village_clerk)
    page = client.get(reverse("disputes:detail", args=[two_parties.pk])).content.decode()
    assert 'id="assent-states"' in page and "希望分期" in page


@pytest.mark.parametrize("language", ["en"])
def test_the_party_page_reads_in_english(two_parties, language):
    client = as_party(two_parties, "王五")
    page = client.get(reverse("assent:page"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert "Send the code to my phone" in page
