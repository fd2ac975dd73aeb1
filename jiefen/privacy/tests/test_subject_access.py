"""A person asks what is held about them: found by phone or ID number, within the jurisdiction,
exported whole, and every search logged without the number."""

import json
import logging
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiefen.disputes.models import Party
from jiefen.disputes.services import party_reveal
from jiefen.privacy import lookup
from jiefen.privacy.models import AccessKind, AccessRequest
from jiefen.privacy.tests.conftest import PHONE, RESIDENT_ID

URL = "/privacy/access/"


def search(client, user, key, reason="本人现场申请"):
    client.force_login(user)
    return client.post(URL, {"key": key, "reason": reason})


def found(response):
    return sorted(p.dispute.number for p in response.context["parties"])


def test_it_finds_by_phone_and_by_id_every_dispute_of_that_person_in_the_village(
    client, her_disputes, village_clerk
):
    one, two, _elsewhere = her_disputes
    by_phone = search(client, village_clerk, PHONE)
    assert by_phone.status_code == 200
    assert found(by_phone) == [one.number]  # the second dispute holds no phone for her
    by_id = search(client, village_clerk, RESIDENT_ID.lower())
    assert found(by_id) == sorted([one.number, two.number])


def test_the_number_may_be_entered_with_spaces_or_country_code(client, her_disputes, village_clerk):
    one = her_disputes[0]
    assert found(search(client, village_clerk, "+86 139-5701-2468")) == [one.number]


def test_another_village_gets_nothing_for_a_party_of_this_village(
    client, her_disputes, other_village_clerk
):
    response = search(client, other_village_clerk, RESIDENT_ID)
    assert response.status_code == 200
    assert response.context["parties"] == []
    assert "没有该当事人的记录" in response.content.decode()


def test_the_town_sees_its_villages_and_another_town_nothing(
    client, her_disputes, town_head, other_town_head
):
    one, two, _elsewhere = her_disputes
    assert found(search(client, town_head, RESIDENT_ID)) == sorted([one.number, two.number])
    assert found(search(client, other_town_head, RESIDENT_ID)) == []


@pytest.mark.parametrize("who", ["city_evaluator", "outsider"])
def test_people_without_a_counter_role_are_refused(client, her_disputes, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert search(client, user, PHONE).status_code == 403
    assert not AccessRequest.objects.exists()


def test_a_number_in_the_url_is_ignored_and_the_page_masks_what_it_lists(
    client, her_disputes, village_clerk
):
    client.force_login(village_clerk)
    response = client.get(URL, {"key": PHONE, "reason": "x"})
    assert "parties" not in response.context and not AccessRequest.objects.exists()
    html = search(client, village_clerk, PHONE).content.decode()
    assert PHONE not in html and RESIDENT_ID not in html
    assert "139****2468" in html and "330681********3023" in html


@pytest.mark.parametrize(
    "key, reason, message",
    [
        ("12345", "本人申请", "请输入正确的手机号码、身份证号码或统一社会信用代码"),
        ("330681198705163024", "本人申请", "请输入正确的手机号码、身份证号码或统一社会信用代码"),
        (PHONE, "", "必填"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_logged(
    client, her_disputes, village_clerk, key, reason, message
):
    response = search(client, village_clerk, key, reason)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_the_export_holds_everything_about_her_unmasked(client, her_disputes, village_clerk):
    one, two, _elsewhere = her_disputes
    her = Party.objects.get(dispute=one, side="applicant")
    party_reveal(actor=village_clerk, party_id=her.pk, field="phone", reason="电话通知调解")
    search(client, village_clerk, RESIDENT_ID)
    response = client.post(reverse("privacy:access_export"), {"fmt": "json"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert {p["dispute"] for p in data["parties"]} == {one.number, two.number}
    assert {p["name"] for p in data["parties"]} == {"周晓燕"}
    assert PHONE in {p["phone"] for p in data["parties"]}
    assert {p["id_number"] for p in data["parties"]} == {RESIDENT_ID}
    assert {d["number"] for d in data["disputes"]} == {one.number, two.number}
    assert {(e["dispute"], e["action"]) for e in data["events"]} >= {
        (one.number, "register"),
        (two.number, "register"),
    }
    assert [(r["dispute"], r["by"], r["field"], r["reason"]) for r in data["reveals"]] == [
        (one.number, "陈小梅", "phone", "电话通知调解")
    ]
    assert [s["kind"] for s in data["searches"]] == ["search"]


def test_the_excel_export_opens_with_a_sheet_per_kind_of_record(
    client, her_disputes, village_clerk
):
    search(client, village_clerk, PHONE)
    response = client.post(reverse("privacy:access_export"), {"fmt": "xlsx"})
    book = load_workbook(BytesIO(response.content))
    from jiefen.privacy.subject import SECTIONS

    assert book.sheetnames == [
        "当事人信息",
        "纠纷",
        "办理记录",
        "信息查看记录",
        "查询记录",
        *(str(section.title) for section in SECTIONS),
    ]
    rows = list(book["当事人信息"].values)
    assert rows[0][:3] == ("纠纷编号", "身份", "姓名或名称")
    assert rows[1][3] == PHONE and rows[1][4] == RESIDENT_ID


def test_an_export_without_a_search_first_is_refused(client, her_disputes, village_clerk):
    client.force_login(village_clerk)
    response = client.post(reverse("privacy:access_export"), {"fmt": "json"}, follow=True)
    assert "请先查询，再导出" in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_each_search_and_export_is_logged_without_the_number(
    client, her_disputes, village_clerk, caplog
):
    caplog.set_level(logging.DEBUG)
    search(client, village_clerk, PHONE, reason="申请单 2026-17")
    client.post(reverse("privacy:access_export"), {"fmt": "json"})
    rows = list(AccessRequest.objects.order_by("id"))
    assert [r.kind for r in rows] == [AccessKind.SEARCH, AccessKind.EXPORT_JSON]
    for row in rows:
        assert row.actor == village_clerk and row.reason == "申请单 2026-17"
        assert row.key_digest == lookup.digest(PHONE) and len(row.key_digest) == 64
        assert row.disputes == [her_disputes[0].pk] and row.parties == 1
        stored = " ".join(str(v) for v in row.__dict__.values())
        assert PHONE not in stored and RESIDENT_ID not in stored
    assert PHONE not in caplog.text and RESIDENT_ID not in caplog.text
    assert PHONE not in str(dict(client.session))


def test_the_lookup_digest_follows_a_changed_number_and_reindex_repairs_it(her_disputes):
    from django.core.management import call_command

    her = Party.objects.get(dispute=her_disputes[0], side="applicant")
    assert her.phone_digest == lookup.digest(PHONE) != lookup.digest("13957012469")
    her.phone = "13957012469"
    her.save(update_fields=["phone"])
    her.refresh_from_db()
    assert her.phone_digest == lookup.digest("13957012469")
    Party.objects.update(phone_digest="", id_digest="")
    call_command("privacy", "reindex", stdout=__import__("io").StringIO())
    her.refresh_from_db()
    assert her.phone_digest == lookup.digest("13957012469")
    assert her.id_digest == lookup.digest(RESIDENT_ID)


def test_the_digest_is_keyed(settings):
    before = lookup.digest(PHONE)
    settings.FIELD_ENCRYPTION_KEY = "another key"
    assert lookup.digest(PHONE) != before
    import hashlib

    assert before != hashlib.sha256(PHONE.encode()).hexdigest()
