"""找回查询码: 王五 lost his query code; with the dispute's number and a code sent to his
verified phone he gets a new one, shown once. The old code stops working, and the history
records the recovery without the code."""

import re

import pytest
from django.urls import reverse

from jiefen.disputes.models import Dispute, Event
from jiefen.portal import identity, ways_in
from jiefen.portal.tests.conftest import follow, phone_verify, sent_code
from jiefen.portal.tests.test_sign_in_sms import PHONE, ask, browser, enter

pytestmark = pytest.mark.django_db


def recover(client, number: str, phone: str = PHONE):
    return ask(client, number, phone, url="portal:recover")


def test_wang_wu_recovers_a_lost_query_code(filed, village_clerk, outbox):
    dispute, old_code = filed
    phone_verify(dispute.parties.get(name="王五"), by=village_clerk)
    elsewhere = browser("10.0.0.7")  # a browser still following with the old code
    follow(elsewhere, dispute.number, old_code, ip="10.0.0.7")
    client = browser()
    assert client.get(reverse("portal:recover")).status_code == 200
    asked = recover(client, dispute.number)
    assert "139****1111" in asked.content.decode() and "找回查询码" in asked.content.decode()
    assert "找回纠纷查询码" in outbox[-1][1]
    shown = enter(client, asked, sent_code(outbox))
    assert shown.status_code == 200
    html = shown.content.decode()
    shown_code = re.search(r'id="code">([^<]+)<', html)
    assert shown_code is not None
    new_code = shown_code.group(1)
    assert new_code != old_code and "您已验证为：王五（申请人）" in html
    assert identity.PARTY_COOKIE in shown.cookies
    # The old code no longer opens the dispute; the new one does; the old follow has ended.
    assert follow(browser("10.0.0.2"), dispute.number, old_code, ip="10.0.0.2").status_code == 400
    assert follow(browser("10.0.0.3"), dispute.number, new_code, ip="10.0.0.3").status_code == 302
    assert 'id="timeline"' not in elsewhere.get(reverse("portal:follow")).content.decode()
    # The party follows as usual, as himself.
    page = client.get(reverse("portal:follow")).content.decode()
    assert 'id="timeline"' in page and "您已验证为：王五（申请人）" in page
    event = Event.objects.get(dispute=dispute, action=ways_in.QUERY_CODE_RECOVER)
    assert event.params["channel"] == "sms" and event.reason == "王五"
    assert new_code not in str(event.params) and new_code not in event.reason


def test_a_wrong_code_issues_nothing(filed, village_clerk, outbox):
    dispute, _old = filed
    phone_verify(dispute.parties.get(name="王五"), by=village_clerk)
    before = Dispute.objects.get(pk=dispute.pk).query_digest
    client = browser()
    asked = recover(client, dispute.number)
    right = sent_code(outbox)
    wrong = enter(client, asked, "000000" if right != "000000" else "111111")
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    assert Dispute.objects.get(pk=dispute.pk).query_digest == before
    assert not Event.objects.filter(action=ways_in.QUERY_CODE_RECOVER).exists()


def test_a_sign_in_code_does_not_recover_a_query_code(filed, village_clerk, outbox):
    dispute, _old = filed
    phone_verify(dispute.parties.get(name="王五"), by=village_clerk)
    before = Dispute.objects.get(pk=dispute.pk).query_digest
    client = browser()
    ask(client, dispute.number)  # a sign-in code
    sign_in_code = sent_code(outbox)
    asked = recover(client, dispute.number)
    recover_code = sent_code(outbox)
    if sign_in_code != recover_code:
        assert enter(client, asked, sign_in_code).status_code == 400
        assert Dispute.objects.get(pk=dispute.pk).query_digest == before


def test_an_unverified_phone_recovers_nothing(filed, outbox):
    dispute, _old = filed
    before = Dispute.objects.get(pk=dispute.pk).query_digest
    client = browser()
    asked = recover(client, dispute.number)
    assert asked.status_code == 200 and outbox == []
    assert enter(client, asked, "123456").status_code == 400
    assert Dispute.objects.get(pk=dispute.pk).query_digest == before


def test_a_bad_phone_is_said_where_it_was_typed(filed):
    dispute, _old = filed
    response = recover(browser(), dispute.number, "1390000")
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写 11 位手机号码" in html and 'value="1390000"' in html
