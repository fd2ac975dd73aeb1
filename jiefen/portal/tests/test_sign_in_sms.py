"""用短信验证码进入: 王五 opens his dispute with its number and a code sent to the phone the
holding body verified, and the portal knows him as 王五. The answer does not say whether the
number and phone matched; codes are good once, for ten minutes, in the browser that asked; a
stranger's guesses never lock 王五 out."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from jiefen.portal import codes, guard, identity
from jiefen.portal.tests.conftest import follow, phone_verify, sent_code

pytestmark = pytest.mark.django_db

PHONE = "13900001111"


@pytest.fixture
def verified(filed, village_clerk, outbox):
    dispute, code = filed
    phone_verify(dispute.parties.get(name="王五"), by=village_clerk)
    return dispute, code


def browser(ip: str = "10.0.0.1") -> Client:
    """A browser that opened the follow page (and so holds its CSRF cookie)."""
    client = Client(REMOTE_ADDR=ip)
    client.get(reverse("portal:follow"))
    return client


def ask(client: Client, number: str, phone: str = PHONE, url: str = "portal:sms_sign_in"):
    return client.post(reverse(url), {"number": number, "phone": phone})


def token_of(response) -> str:
    found = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert found is not None, "no code form"
    return found.group(1)


def enter(client: Client, response, code: str):
    return client.post(reverse("portal:sms_code"), {"token": token_of(response), "code": code})


def test_wang_wu_signs_in_by_sms_and_is_known_as_himself(verified, outbox):
    dispute, _code = verified
    client = browser()
    asked = ask(client, dispute.number)
    assert asked.status_code == 200 and "139****1111" in asked.content.decode()
    assert outbox[-1][0] == PHONE
    entered = enter(client, asked, sent_code(outbox))
    assert entered.status_code == 302
    page = client.get(reverse("portal:follow")).content.decode()
    assert "您已验证为：王五（申请人）" in page
    assert "139****1111" in page and PHONE not in page
    assert 'id="party-forget"' in page


def test_the_answer_is_the_same_whether_the_number_and_phone_match_or_not(verified, outbox):
    dispute, _code = verified

    def words(response) -> str:
        return re.sub(
            r'name="(token|csrfmiddlewaretoken)" value="[^"]+"', "", response.content.decode()
        )

    right = words(ask(browser("10.0.0.1"), dispute.number, "13900001111"))
    sent = len(outbox)
    # A number that does not exist; 李四, who has no phone; a phone of no party.
    wrong_number = words(ask(browser("10.0.0.2"), "330681109-2026-999999", "13900001111"))
    assert len(outbox) == sent
    assert wrong_number == right
    other = ask(browser("10.0.0.3"), dispute.number, "13700001111")
    assert other.status_code == 200 and "137****1111" in other.content.decode()
    assert len(outbox) == sent


def test_a_phone_not_verified_gets_no_code_and_the_same_answer(filed, outbox):
    dispute, _code = filed
    asked = ask(browser(), dispute.number)
    assert asked.status_code == 200 and "139****1111" in asked.content.decode()
    assert outbox == []


def test_a_wrong_code_for_an_unmatched_phone_is_refused_as_any_wrong_code(verified, outbox):
    dispute, _code = verified
    client = browser()
    asked = ask(client, dispute.number, "13700001111")
    entered = enter(client, asked, "123456")
    assert entered.status_code == 400 and "验证码不正确" in entered.content.decode()
    assert identity.PARTY_COOKIE not in entered.cookies


def test_a_code_is_good_once(verified, outbox):
    dispute, _code = verified
    client = browser()
    asked = ask(client, dispute.number)
    code = sent_code(outbox)
    assert enter(client, asked, code).status_code == 302
    replayed = browser("10.0.0.1")
    replayed.cookies = client.cookies
    again = enter(replayed, asked, code)
    assert again.status_code == 400 and "验证码已失效" in again.content.decode()


def test_an_expired_code_is_refused(verified, outbox, monkeypatch):
    dispute, _code = verified
    client = browser()
    asked = ask(client, dispute.number)
    later = codes._clock() + codes.CODE_TTL + 1
    monkeypatch.setattr(codes, "_clock", lambda: later)
    entered = enter(client, asked, sent_code(outbox))
    assert entered.status_code == 400 and "验证码已失效" in entered.content.decode()
    assert identity.PARTY_COOKIE not in entered.cookies


def test_a_code_works_only_in_the_browser_that_asked(verified, outbox):
    dispute, _code = verified
    asked = ask(browser("10.0.0.1"), dispute.number)
    elsewhere = enter(browser("10.0.0.9"), asked, sent_code(outbox))
    assert elsewhere.status_code == 400 and "验证码已失效" in elsewhere.content.decode()


def test_a_strangers_guesses_do_not_lock_wang_wu_out(verified, outbox):
    dispute, _code = verified
    wang_wu = browser("10.0.0.1")
    asked = ask(wang_wu, dispute.number)
    his_code = sent_code(outbox)
    stranger = browser("10.9.9.9")
    theirs = ask(stranger, dispute.number)
    wrong = "000000" if his_code != "000000" else "111111"
    statuses = {enter(stranger, theirs, wrong).status_code for _ in range(25)}
    assert 429 in statuses  # the stranger is stopped
    entered = enter(wang_wu, asked, his_code)
    assert entered.status_code == 302
    assert "您已验证为：王五" in wang_wu.get(reverse("portal:follow")).content.decode()


def test_too_many_codes_for_one_browser_are_refused_clearly(verified, outbox):
    dispute, _code = verified
    client = browser()
    for _ in range(int(guard.SMS_SEND_RATE.split("/")[0])):
        assert ask(client, dispute.number).status_code == 200
    refused = ask(client, dispute.number)
    assert refused.status_code == 429 and "过于频繁" in refused.content.decode()
    assert dispute.number in refused.content.decode()  # the form keeps what was typed


def test_too_many_codes_for_one_phone_are_refused_clearly(verified, outbox):
    dispute, _code = verified
    for n in range(int(codes.SEND_RATE.split("/")[0])):
        assert ask(browser(f"10.0.1.{n}"), dispute.number).status_code == 200
    refused = ask(browser("10.0.2.1"), dispute.number)
    assert refused.status_code == 429
    assert "验证码发送过于频繁，请 1 小时后再试" in refused.content.decode()


def test_the_daily_cap_is_said_and_no_code_is_left_behind(verified, outbox, settings):
    dispute, _code = verified
    settings.JIEFEN_SMS = {"daily_cap": 0}
    client = browser()
    refused = ask(client, dispute.number)
    assert refused.status_code == 429 and "已达上限" in refused.content.decode()
    wang_wu = dispute.parties.get(name="王五")
    with pytest.raises(codes.Invalid, match="已失效"):
        codes.code_check(
            party=wang_wu, purpose=codes.SIGN_IN, code="000000", holder=guard_key(client)
        )


def guard_key(client: Client) -> str:
    from django.test import RequestFactory

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")
    request.COOKIES.update({k: v.value for k, v in client.cookies.items()})
    return guard.browser_key(request)


def test_a_follower_proves_to_be_wang_wu(verified, outbox):
    dispute, code = verified
    client = browser()
    follow(client, dispute.number, code)
    page = client.get(reverse("portal:follow")).content.decode()
    assert reverse("portal:party_sign_in") in page
    choose = client.get(reverse("portal:party_sign_in")).content.decode()
    wang_wu = dispute.parties.get(name="王五")
    assert "我是王五，发送验证码到 139****1111" in choose and "李四" not in choose
    asked = client.post(reverse("portal:party_sign_in"), {"party": wang_wu.pk})
    assert asked.status_code == 200 and "王五 的手机 139****1111" in asked.content.decode()
    wrong = client.post(reverse("portal:party_sign_in"), {"party": wang_wu.pk, "code": "12"})
    assert wrong.status_code == 400 and "验证码是 6 位数字" in wrong.content.decode()
    entered = client.post(
        reverse("portal:party_sign_in"), {"party": wang_wu.pk, "code": sent_code(outbox)}
    )
    assert entered.status_code == 302
    page = client.get(reverse("portal:follow")).content.decode()
    assert "您已验证为：王五（申请人）" in page
    # 退出 forgets who he is, not the dispute.
    client.post(reverse("portal:party_forget"))
    page = client.get(reverse("portal:follow")).content.decode()
    assert "您已验证为" not in page and 'id="timeline"' in page


def test_a_follower_cannot_pick_a_party_of_another_dispute(verified, world, outbox, village_clerk):
    from jiefen.portal.tests.conftest import file_dispute

    dispute, code = verified
    other, _other_code = file_dispute(world)
    stranger = other.parties.get(name="王五")
    phone_verify(stranger, by=village_clerk)
    client = browser()
    follow(client, dispute.number, code)
    sent = len(outbox)
    refused = client.post(reverse("portal:party_sign_in"), {"party": stranger.pk}, follow=True)
    assert "请选择登记并经核实了手机号码的当事人" in refused.content.decode()
    assert len(outbox) == sent


def test_the_party_sign_in_needs_the_dispute_open(verified):
    response = browser().get(reverse("portal:party_sign_in"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:follow")


def test_leaving_the_follow_forgets_the_party_too(verified, outbox):
    dispute, _code = verified
    client = browser()
    enter(client, ask(client, dispute.number), sent_code(outbox))
    response = client.post(reverse("portal:forget"))
    assert response.cookies[identity.PARTY_COOKIE].value == ""
