"""The holding body verifies a party's phone (已核实手机号码); only a verified phone receives
the codes that sign a party in or recover a lost query code, and a changed phone voids it."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from jiefen.disputes.access import roles_by_body
from jiefen.disputes.models import Event
from jiefen.lib.errors import Conflict, Forbidden, Invalid, NotFound
from jiefen.portal import codes, identity, ways_in
from jiefen.portal.models import PartyPhoneCheck
from jiefen.portal.tests.conftest import phone_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def wang_wu(filed):
    return filed[0].parties.get(name="王五")


def test_the_clerk_verifies_wang_wus_phone_and_the_history_says_so(wang_wu, village_clerk):
    assert not identity.phone_verified(wang_wu)
    check = phone_verify(wang_wu, by=village_clerk)
    assert identity.phone_verified(wang_wu)
    assert (check.verified_by, check.phone_digest) == (village_clerk, wang_wu.phone_digest)
    event = Event.objects.get(dispute=wang_wu.dispute, action=ways_in.PHONE_CHECK)
    assert event.actor == village_clerk and event.params["party"] == wang_wu.pk
    assert "13900001111" not in str(event.params) + event.reason


def test_a_changed_phone_voids_the_check(wang_wu, village_clerk):
    phone_verify(wang_wu, by=village_clerk)
    wang_wu.phone = "13900002222"
    wang_wu.save()
    assert not identity.phone_verified(wang_wu)
    assert identity.verified_parties(wang_wu.dispute) == []


def test_only_staff_of_the_holding_body_verify(wang_wu, town_head, other_village_clerk):
    seen = ways_in.phone_seen(wang_wu)
    with pytest.raises(Forbidden):
        ways_in.phone_check(
            actor=town_head, dispute_id=wang_wu.dispute_id, party_id=wang_wu.pk, seen=seen
        )
    with pytest.raises(NotFound):
        ways_in.phone_check(
            actor=other_village_clerk,
            dispute_id=wang_wu.dispute_id,
            party_id=wang_wu.pk,
            seen=seen,
        )
    assert not PartyPhoneCheck.objects.exists()
    assert not Event.objects.filter(action=ways_in.PHONE_CHECK).exists()


def test_a_phone_changed_after_the_page_was_shown_is_not_verified_unseen(wang_wu, village_clerk):
    seen = ways_in.phone_seen(wang_wu)
    wang_wu.phone = "13900002222"
    wang_wu.save()
    with pytest.raises(Conflict):
        ways_in.phone_check(
            actor=village_clerk, dispute_id=wang_wu.dispute_id, party_id=wang_wu.pk, seen=seen
        )
    assert not PartyPhoneCheck.objects.exists()


def test_li_si_without_a_phone_cannot_be_verified(filed, village_clerk):
    li_si = filed[0].parties.get(name="李四")
    with pytest.raises(Invalid):
        phone_verify(li_si, by=village_clerk)


def test_an_unverified_phone_gets_no_sign_in_or_recovery_code(wang_wu, settings):
    settings.JIEFEN_SMS_PROVIDER = "jiefen.supervision.sms.OutboxSmsProvider"
    for purpose in (codes.SIGN_IN, codes.RECOVER):
        with pytest.raises(Invalid, match="该手机号码尚未经调解组织核实"):
            codes.code_send(party=wang_wu, purpose=purpose, text="验证码{code}")


def test_the_clerk_verifies_on_the_dispute_page(client, wang_wu, village_clerk):
    client.force_login(village_clerk)
    page = client.get(reverse("disputes:detail", kwargs={"pk": wang_wu.dispute_id}))
    html = page.content.decode()
    assert 'id="phone-checks"' in html and "手机号码未核实" in html
    assert "13900001111" not in html.split('id="phone-checks"')[1].split("</section>")[0]
    url = reverse(
        "portal:staff_phone_check", kwargs={"pk": wang_wu.dispute_id, "party": wang_wu.pk}
    )
    answer = client.post(url, {"seen": ways_in.phone_seen(wang_wu)}, follow=True)
    assert "已核实 王五 的手机号码" in answer.content.decode()
    assert "已核实手机号码（" in answer.content.decode()
    assert identity.phone_verified(wang_wu)


def test_the_town_head_sees_the_state_but_no_button(client, wang_wu, town_head, village_clerk):
    phone_verify(wang_wu, by=village_clerk)
    client.force_login(town_head)
    html = client.get(reverse("disputes:detail", kwargs={"pk": wang_wu.dispute_id})).content
    assert "已核实手机号码（" in html.decode()
    assert (
        reverse("portal:staff_phone_check", kwargs={"pk": wang_wu.dispute_id, "party": wang_wu.pk})
        not in html.decode()
    )


def test_the_panel_costs_one_query(wang_wu, village_clerk, django_assert_num_queries):
    phone_verify(wang_wu, by=village_clerk)
    request = RequestFactory().get("/")
    request.user = village_clerk
    roles_by_body(village_clerk)  # the page has asked already, for its buttons
    parties = list(wang_wu.dispute.parties.all())
    template = Template("{% load portal_tags %}{% phone_checks dispute %}")
    with django_assert_num_queries(1):
        html = template.render(
            Context({"request": request, "dispute": wang_wu.dispute, "parties": parties})
        )
    assert "已核实手机号码（" in html and "陈小梅" in html
