"""A party follows a dispute with its number and query code, and sees what is meant for the
public only; wrong codes learn nothing and are rate-limited."""

import re

import pytest

from jiefen.disputes import services
from jiefen.portal import guard
from jiefen.portal.services import escalation_request
from jiefen.portal.tests.conftest import at, file_dispute, follow

pytestmark = pytest.mark.django_db


def _same(response, number: str) -> str:
    """The page without what differs by design: the CSRF token and the number typed."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return page.replace(number, "NUMBER")


def test_it_shows_the_public_timeline_and_no_staff_names_reasons_or_phones(
    client, world, filed, village_clerk
):
    dispute, code = filed
    services.dispute_accept(actor=village_clerk, dispute_id=dispute.pk, version=None)
    services.dispute_record_session(
        actor=village_clerk,
        dispute_id=dispute.pk,
        version=None,
        session=services.SessionInput(
            held_on=at(2026, 3, 3).date(),
            place="村委会调解室",
            mediators="陈小梅",
            attendees="王五、李四",
            record="内部记录：李四称王五欠他钱",
        ),
        at=at(2026, 3, 3),
    )
    services.dispute_transfer(
        actor=village_clerk,
        dispute_id=dispute.pk,
        version=None,
        reason="内部理由：李四脾气暴躁，电话13700002222",
        at=at(2026, 3, 4),
    )

    response = follow(client, dispute.number, code)
    assert response.status_code == 302
    page = client.get("/public/follow/").content.decode()
    assert dispute.number in page
    assert 'id="status">移送中<' in page
    assert "枫一社区" in page and "枫桥镇" in page  # holder → receiving body
    for label in ("登记", "受理", "移送上级"):
        assert label in page
    for secret in (
        "陈小梅",  # staff name
        "clerk_fengyi",
        "内部记录",  # a session (not public)
        "村委会调解室",
        "内部理由",  # a staff-written reason
        "13700002222",
        "13900001111",  # the party's phone, in any form
        "139****1111",
        "王五",  # full party names
        "李四",
    ):
        assert secret not in page, secret
    assert "王*" in page and "李*" in page


def test_it_answers_a_wrong_code_as_it_answers_an_unknown_number(client, world, filed):
    dispute, _code = filed
    wrong_code = follow(client, dispute.number, "ABCDEFGHJK")
    unknown_number = follow(client, "330681109-2026-999999", "ABCDEFGHJK")
    assert wrong_code.status_code == unknown_number.status_code == 400
    assert "编号或查询码不正确" in wrong_code.content.decode()
    assert _same(wrong_code, dispute.number) == _same(unknown_number, "330681109-2026-999999")
    assert guard.FOLLOW_COOKIE not in wrong_code.cookies


def test_it_limits_wrong_codes_per_address(client, world, filed):
    dispute, code = filed
    other, _other_code = file_dispute(world)
    client.get("/public/follow/", REMOTE_ADDR="10.2.2.2")  # a browser, with its cookie
    for i in range(10):
        assert (
            follow(client, f"330681109-2026-99999{i}", "WRONGCODE2", ip="10.2.2.2").status_code
            == 400
        )
    limited = follow(client, other.number, _other_code, ip="10.2.2.2")
    assert limited.status_code == 429 and "查询失败次数过多" in limited.content.decode()
    # Another address is not affected.
    assert follow(client, dispute.number, code, ip="10.2.2.3").status_code == 302


def test_a_limited_unknown_number_looks_like_a_limited_real_one(client, world, filed):
    """Past a number's ceiling (wrong codes from many addresses) an address gets two tries for
    it; the refusal reads the same whether the number exists or not."""
    dispute, code = filed
    answers = {}
    for number, net in ((dispute.number, "10.3.3"), ("330681109-2026-999999", "10.4.4")):
        for i in range(20):
            follow(client, number, "WRONGCODE2", ip=f"{net}.{i}")
        for _ in range(2):
            follow(client, number, "WRONGCODE2", ip=f"{net}.200")
        answers[number] = follow(client, number, code, ip=f"{net}.200")
        assert answers[number].status_code == 429
    assert _same(answers["330681109-2026-999999"], "330681109-2026-999999") == _same(
        answers[dispute.number], dispute.number
    )


def test_it_does_not_count_the_right_code(client, world, filed):
    dispute, code = filed
    for _i in range(15):
        assert follow(client, dispute.number, code).status_code == 302


def test_it_remembers_the_dispute_in_a_signed_cookie_without_the_code(client, world, filed):
    dispute, code = filed
    response = follow(client, dispute.number, code)
    cookie = response.cookies[guard.FOLLOW_COOKIE]
    assert code not in cookie.value and code.lower() not in cookie.value
    assert cookie["httponly"] and cookie["path"] == "/public/"
    assert dispute.number in client.get("/public/follow/").content.decode()

    client.post("/public/follow/forget/")
    assert dispute.number not in client.get("/public/follow/").content.decode()


def test_it_gives_nothing_about_another_dispute(client, world, filed):
    dispute, code = filed
    other, _other_code = file_dispute(world, title="另一件纠纷")
    assert follow(client, other.number, code).status_code == 400

    follow(client, dispute.number, code)
    value = client.cookies[guard.FOLLOW_COOKIE].value
    # Changing the id inside the signed cookie breaks the signature.
    client.cookies[guard.FOLLOW_COOKIE] = value.replace(f"{dispute.pk}:", f"{other.pk}:", 1)
    page = client.get("/public/follow/").content.decode()
    assert other.number not in page and "另一件纠纷" not in page
    assert 'name="code"' in page

    client.post("/public/follow/escalate/", {"reason": "请上级处理"})
    assert not other.escalation_requests.exists() and not dispute.escalation_requests.exists()


def test_it_escapes_scripts_in_text(client, world):
    dispute, code = file_dispute(
        world, title="<script>alert('title')</script>", description="<img src=x onerror=alert(1)>"
    )
    escalation_request(dispute=dispute, reason="<script>alert('reason')</script>")
    follow(client, dispute.number, code)
    page = client.get("/public/follow/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#x27;reason&#x27;)&lt;/script&gt;" in page


def test_it_escapes_scripts_typed_into_the_filing_form(client, world):
    from jiefen.portal.tests.conftest import filing_form

    response = client.post(
        "/public/", filing_form(world, title="<script>x()</script>" + "长" * 100)
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "<script>x()" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page
