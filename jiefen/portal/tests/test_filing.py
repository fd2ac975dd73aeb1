"""A party files a dispute on /public/: the place from the region tree, a challenge, a rate
limit, and clear answers to bad input."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from jiefen.disputes.models import Dispute, Party
from jiefen.disputes.public import dispute_by_query
from jiefen.portal import guard
from jiefen.portal.tests.conftest import filing_form

pytestmark = pytest.mark.django_db


def _code(response) -> str:
    found = re.search(r'id="code">([A-Z0-9]+)<', response.content.decode())
    assert found is not None
    return found.group(1)


def test_it_files_a_dispute_at_the_village_group_and_shows_the_code_once(client, world):
    response = client.post("/public/", filing_form(world))
    assert response.status_code == 200
    dispute = Dispute.objects.get()
    code = _code(response)
    page = response.content.decode()
    assert dispute.number in page and "只显示这一次" in page
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )
    assert dispute.holder == world.bodies["永安社区"]
    assert (dispute.channel, dispute.status, dispute.registered_by) == (
        "online",
        "registered",
        None,
    )
    assert dispute.description.startswith("发生日期：2026-03-01\n")
    assert code not in dispute.query_digest
    assert dispute_by_query(number=dispute.number, code=code) == dispute
    assert {(p.side, p.name, p.phone or "") for p in Party.objects.all()} == {
        ("applicant", "王五", "13900001111"),
        ("respondent", "李四", ""),
    }
    assert code not in str(dict(client.session))


def test_it_requires_the_challenge(client, world):
    assert client.post("/public/", filing_form(world, answer="")).status_code == 400
    wrong = client.post("/public/", filing_form(world, answer="1000"))
    assert wrong.status_code == 400 and "验证题答案不正确" in wrong.content.decode()
    forged = client.post(
        "/public/", filing_form(world, challenge="x" + guard.challenge_new().token)
    )
    assert forged.status_code == 400
    assert not Dispute.objects.exists()

    once = filing_form(world)
    assert client.post("/public/", once).status_code == 200
    assert Dispute.objects.count() == 1


def test_it_shows_a_filing_sent_twice_as_the_one_dispute_with_its_code(client, world):
    """A double tap, the back button or a retry sends the same form (its challenge) again:
    the party sees the dispute already filed, with the same query code, and no second one."""
    once = filing_form(world)
    first = client.post("/public/", once).content.decode()
    again = client.post("/public/", once)
    html = again.content.decode()
    assert again.status_code == 200 and "已经提交过" in html
    (dispute,) = Dispute.objects.all()
    code = re.search(r'id="code">([^<]+)<', first).group(1)
    assert dispute.number in html and f'id="code">{code}<' in html
    assert dispute_by_query(number=dispute.number, code=code) == dispute


def test_the_back_button_on_a_form_fetched_afresh_leads_to_the_dispute_already_filed(client, world):
    """Back, then submit again: the browser fetched the form anew, so it carries a new
    challenge; the same filing from the same browser still lands on the one dispute."""
    first = client.post("/public/", filing_form(world))
    again = client.post("/public/", filing_form(world))  # a new challenge, the same text
    html = again.content.decode()
    assert again.status_code == 200 and 'id="again"' in html
    (dispute,) = Dispute.objects.all()
    assert dispute.number in html and _code(again) == _code(first)


def test_a_different_filing_from_the_same_browser_is_a_new_dispute(client, world):
    client.post("/public/", filing_form(world))
    client.post("/public/", filing_form(world, title="另一件事：拖欠工资"))
    assert Dispute.objects.count() == 2


def test_the_same_text_from_another_browser_is_a_new_dispute(client, world):
    """Two neighbours may file the same words; only the browser that filed is sent back."""
    from django.test import Client

    client.post("/public/", filing_form(world))
    Client().post("/public/", filing_form(world))
    assert Dispute.objects.count() == 2


def test_it_names_the_place_fields_in_chinese_when_it_refuses(client, world):
    response = client.post("/public/", filing_form(world, village=""))
    html = response.content.decode()
    assert "Village" not in html and "村（社区）：请选择纠纷发生的村（社区）" in html


def test_it_refuses_an_expired_challenge(client, world, monkeypatch):
    data = filing_form(world)
    monkeypatch.setattr(guard, "CHALLENGE_MAX_AGE", -1)
    response = client.post("/public/", data)
    assert response.status_code == 400 and "验证题已过期" in response.content.decode()


def test_it_limits_filings_to_five_an_hour_per_browser(client, world):
    client.get("/public/")  # the form page gives the browser its cookie
    for i in range(5):
        different = filing_form(world, title=f"第{i + 1}件纠纷")
        assert client.post("/public/", different, REMOTE_ADDR="10.1.1.1").status_code == 200
    refused = client.post("/public/", filing_form(world, title="第6件"), REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 429 and "本浏览器一小时内" in refused.content.decode()
    assert Dispute.objects.count() == 5
    # Another address is not affected (test_shared_terminal.py: other browsers neither).
    assert client.post("/public/", filing_form(world), REMOTE_ADDR="10.1.1.2").status_code == 200


def test_it_refuses_oversize_text_with_a_clear_message(client, world):
    response = client.post(
        "/public/", filing_form(world, title="长" * 101, description="字" * 4901)
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "不能超过 100 个字（现有 101 个）" in page
    assert "不能超过 4900 个字（现有 4901 个）" in page
    assert not Dispute.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "日期无效"),
        ("2026-13-01", "日期无效"),
        ("yesterday", "日期无效"),
        ("1900-01-01", "发生日期过早"),
    ],
)
def test_it_refuses_impossible_dates(client, world, value, message):
    response = client.post("/public/", filing_form(world, occurred_on=value))
    assert response.status_code == 400 and message in response.content.decode()
    assert not Dispute.objects.exists()


def test_it_refuses_a_date_in_the_future(client, world):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post("/public/", filing_form(world, occurred_on=tomorrow.isoformat()))
    assert response.status_code == 400 and "发生日期不能晚于今天" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"village": "330681109999"}, "所选地点不存在"),
        ({"village": "abc"}, "所选地点不存在"),
        ({"town": "330681109008"}, "所选地点不存在"),  # a village code where a town belongs
        ({"village": ""}, "请选择纠纷发生的村（社区）"),
        ({"village": "330681104004"}, "所选村（社区）不属于所选乡镇（街道）"),
        ({"county": "330683000000"}, "所选乡镇（街道）不属于所选县（市、区）"),
    ],
)
def test_it_refuses_unknown_or_mismatched_places(client, world, overrides, message):
    response = client.post("/public/", filing_form(world, **overrides))
    assert response.status_code == 400 and message in response.content.decode()
    assert not Dispute.objects.exists()


def test_it_refuses_a_bad_phone_and_missing_fields(client, world):
    response = client.post(
        "/public/", filing_form(world, contact_phone="12345", other_name="", category="")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "手机号码格式不正确" in page and "请选择纠纷类别" in page and "此项为必填项" in page


def test_it_walks_the_place_step_by_step_without_javascript(client, world):
    first = client.get("/public/")
    assert "诸暨市" in first.content.decode() and "枫桥镇" not in first.content.decode()

    data = filing_form(world, town="", village="", title="自己写的事由")
    data["step"] = "county"
    towns = client.post("/public/", data).content.decode()
    assert "枫桥镇" in towns and "店口镇" in towns and "永安社区" not in towns
    assert "自己写的事由" in towns

    data.update(step="town", town=str(world.regions["枫桥镇"].code))
    villages = client.post("/public/", data).content.decode()
    assert "枫一社区" in villages and "永安社区" in villages and "店口社区" not in villages
    assert not Dispute.objects.exists()


def test_it_lists_the_children_of_a_region_as_json(client, world):
    towns = client.get("/public/regions/330681000000/").json()
    assert [t["name"] for t in towns["children"]] == ["店口镇", "枫桥镇"]
    villages = client.get("/public/regions/330681109000/").json()
    assert villages["children"] == [
        {"code": "330681109008", "name": "枫一社区"},
        {"code": "330681109009", "name": "永安社区"},
    ]
    assert client.get("/public/regions/330681109999/").status_code == 404
    assert client.get("/public/regions/330681109008/").status_code == 404  # a village has none


def test_it_needs_no_inline_script(client, world):
    page = client.get("/public/").content.decode()
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", page) == []
    assert " on" + "change=" not in page and "onclick=" not in page
    assert "portal/portal.js" in page
