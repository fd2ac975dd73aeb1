"""A village clerk answers a person's subject-access request: searches by phone number with a
reason, sees the person's disputes with the numbers masked, and downloads the export — on a
phone, in Chromium."""

import json
from pathlib import Path

import pytest

from jiefen.conftest import open_menu, sign_in
from jiefen.privacy.models import AccessKind, AccessRequest
from jiefen.privacy.tests.conftest import PHONE, RESIDENT_ID

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_a_clerk_finds_a_person_by_phone_sees_masked_numbers_and_downloads_the_json(
    live_server, phone_page, her_disputes, village_clerk
):
    one, two, elsewhere = her_disputes
    page = phone_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, "clerk_fengyi")
    open_menu(page)
    page.click("header nav >> text=个人信息查询")
    page.wait_for_selector("h1:has-text('个人信息查询')")
    assert page.is_visible("text=请核对申请人本人的有效证件后输入。")
    assert page.evaluate(FITS)

    page.fill("input[name=key]", "139 5701 2468")
    page.click("button.primary:has-text('查询')")  # no reason given
    page.wait_for_selector("input[name=reason] ~ .error")
    assert page.locator("#results").count() == 0
    assert not AccessRequest.objects.exists()

    page.fill("input[name=key]", "139 5701 2468")
    page.fill("input[name=reason]", "本人现场申请，申请单 2026-118")
    page.click("button.primary:has-text('查询')")
    page.wait_for_selector("#results")
    assert page.inner_text("#results h2") == "找到 1 条当事人记录"
    result = page.inner_text("#results .row")
    assert one.number in result and "周晓燕" in result and "周晓燕与钱多多邻里纠纷" in result
    assert "139****2468" in result
    assert two.number not in result and elsewhere.number not in result  # no phone held there
    html = page.content()
    assert PHONE not in html and RESIDENT_ID not in html  # not even in the emptied form
    assert page.input_value("input[name=key]") == ""
    assert page.evaluate(FITS)

    with page.expect_download() as info:
        page.click("#results button:has-text('导出 JSON')")
    download = info.value
    assert download.suggested_filename.endswith(".json")
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert {p["dispute"] for p in data["parties"]} == {one.number}
    assert {(p["name"], p["phone"]) for p in data["parties"]} == {("周晓燕", PHONE)}
    assert [d["number"] for d in data["disputes"]] == [one.number]

    logged = list(AccessRequest.objects.order_by("id").values_list("kind", "reason", "actor"))
    assert logged == [
        (AccessKind.SEARCH, "本人现场申请，申请单 2026-118", village_clerk.pk),
        (AccessKind.EXPORT_JSON, "本人现场申请，申请单 2026-118", village_clerk.pk),
    ]
    assert errors == []
