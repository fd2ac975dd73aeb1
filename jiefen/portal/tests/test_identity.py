"""The portal knows which party a browser is only after a one-time code to that party's phone
(for signing in, a phone the holding body verified)."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from jiefen.lib.errors import Invalid
from jiefen.portal import codes, identity
from jiefen.portal.tests.conftest import file_dispute, phone_verify
from jiefen.supervision.sms import OutboxSmsProvider

pytestmark = pytest.mark.django_db

SIGN_IN = "sign-in"


@pytest.fixture
def outbox(settings, filed, village_clerk):
    """The outbox provider, and 王五's phone verified by 枫一社区's clerk: sign-in codes go
    only to a verified phone."""
    settings.JIEFEN_SMS_PROVIDER = "jiefen.supervision.sms.OutboxSmsProvider"
    OutboxSmsProvider.outbox.clear()
    phone_verify(filed[0].parties.get(name="王五"), by=village_clerk)
    return OutboxSmsProvider.outbox


def _browser_of(response: HttpResponse):
    request = RequestFactory().get("/public/follow/")
    request.COOKIES[identity.PARTY_COOKIE] = response.cookies[identity.PARTY_COOKIE].value
    return request


def test_wang_wu_is_remembered_as_himself_on_his_own_dispute_only(filed, world):
    dispute, _code = filed
    wang_wu = dispute.parties.get(name="王五")
    response = HttpResponse()
    identity.party_remember(response, wang_wu)
    browser = _browser_of(response)
    assert identity.current_party(browser, dispute) == wang_wu
    other, _ = file_dispute(world)
    assert identity.current_party(browser, other) is None


def test_a_changed_phone_ends_the_remembered_party(filed):
    dispute, _code = filed
    wang_wu = dispute.parties.get(name="王五")
    response = HttpResponse()
    identity.party_remember(response, wang_wu)
    wang_wu.phone = "13900002222"
    wang_wu.save()
    assert identity.current_party(_browser_of(response), dispute) is None


def test_the_code_sent_to_wang_wu_is_good_once_and_for_its_purpose_only(filed, outbox):
    dispute, _code = filed
    wang_wu = dispute.parties.get(name="王五")
    sent = codes.code_send(party=wang_wu, purpose=SIGN_IN, text="验证码{code}，10分钟内有效。")
    assert sent.phone_masked != "13900001111"
    phone, text = outbox[-1]
    assert phone == "13900001111"
    code = "".join(ch for ch in text if ch.isdigit())[:6]
    with pytest.raises(Invalid):
        codes.code_check(party=wang_wu, purpose="confirm:other", code=code)
    codes.code_check(party=wang_wu, purpose=SIGN_IN, code=code)
    with pytest.raises(Invalid):
        codes.code_check(party=wang_wu, purpose=SIGN_IN, code=code)


def test_five_wrong_codes_spend_the_code_but_a_new_one_works(filed, outbox):
    dispute, _code = filed
    wang_wu = dispute.parties.get(name="王五")
    codes.code_send(party=wang_wu, purpose=SIGN_IN, text="验证码{code}")
    right = outbox[-1][1][-6:]
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(codes.CODE_TRIES):
        with pytest.raises(Invalid):
            codes.code_check(party=wang_wu, purpose=SIGN_IN, code=wrong)
    with pytest.raises(Invalid):
        codes.code_check(party=wang_wu, purpose=SIGN_IN, code=right)
    codes.code_send(party=wang_wu, purpose=SIGN_IN, text="验证码{code}")
    codes.code_check(party=wang_wu, purpose=SIGN_IN, code=outbox[-1][1][-6:])


def test_li_si_without_a_phone_gets_a_clear_refusal(filed):
    dispute, _code = filed
    li_si = dispute.parties.get(name="李四")
    with pytest.raises(Invalid, match="手机号码"):
        codes.code_send(party=li_si, purpose=SIGN_IN, text="验证码{code}")


def test_the_code_to_wang_wu_is_a_recorded_text_with_his_number_masked(filed, outbox):
    from jiefen.supervision.models import SmsMessage

    dispute, _code = filed
    wang_wu = dispute.parties.get(name="王五")
    codes.code_send(party=wang_wu, purpose=SIGN_IN, text="验证码{code}")
    message = SmsMessage.objects.get(party=wang_wu)
    assert message.status == "sent"
    assert message.phone_masked != "13900001111"
    assert message.notification is None
