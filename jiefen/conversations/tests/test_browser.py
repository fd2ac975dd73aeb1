"""In Chromium at phone size: the mediator of 枫一社区 opens the shared thread, 王五 and 李四 —
each proved as themselves (the portal's identity cookie, set here as the SMS sign-in sets
it) — write in it and each to the mediator alone; each private thread stays private.

Screenshots go to $JIEFEN_SHOTS when it is set (a directory), otherwise to the test's tmp_path.
"""

import os
from pathlib import Path

import pytest

from jiefen.conftest import sign_in
from jiefen.conversations.models import Message
from jiefen.conversations.tests.conftest import cookies_for
from jiefen.org.models import Body

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def shoot(page, tmp_path, name: str) -> None:
    folder = Path(os.environ.get("JIEFEN_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(
        path=str(folder / f"conversations-{name}-{size['width']}x{size['height']}.png"),
        full_page=True,
    )


def party_page(chromium, live_server, dispute, party):
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    context.add_cookies(
        [
            {"name": name, "value": value, "url": f"{live_server.url}/public/"}
            for name, value in cookies_for(dispute, party).items()
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def no_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"horizontal overflow: {width}px"


def send(page, text: str) -> None:
    page.fill("#message-form textarea[name=body]", text)
    page.click("#message-form button[type=submit]")
    page.wait_for_selector(f"#messages :text('{text}')")


def test_two_parties_and_the_mediator_talk_and_private_threads_stay_private(
    chromium, phone_page, live_server, tmp_path, dispute, wang_wu, li_si, village_clerk
):
    Body.objects.filter(pk=dispute.holder_id).update(
        address="诸暨市枫桥镇枫一社区文化礼堂二楼", public_phone="0575-87654321"
    )
    mediator = phone_page
    sign_in(mediator, live_server, village_clerk.username)
    detail = f"{live_server.url}/disputes/{dispute.pk}/"
    mediator.goto(detail + "#conversations")
    mediator.click("#open-shared")
    mediator.wait_for_selector("#conv-shared textarea[name=body]")
    mediator.fill("#conv-shared textarea[name=body]", "各位好，调解定在周三上午，在社区文化礼堂")
    mediator.click("#conv-shared button[type=submit]")
    mediator.wait_for_selector("#conv-shared :text('调解定在周三上午')")

    wang = party_page(chromium, live_server, dispute, wang_wu)
    wang.goto(f"{live_server.url}/public/follow/")
    assert "0575-87654321" in wang.inner_text("#next")
    assert "文化礼堂二楼" in wang.inner_text("#next")
    shoot(wang, tmp_path, "wang-wu-dispute")
    no_overflow(wang)
    wang.click("#talk-shared")
    assert "调解定在周三上午" in wang.inner_text("#messages")
    send(wang, "王五：周三上午可以")
    wang.goto(f"{live_server.url}/public/conversations/private/")
    send(wang, "王五私下：希望先看对方的合同")
    shoot(wang, tmp_path, "wang-wu-private")
    no_overflow(wang)

    li = party_page(chromium, live_server, dispute, li_si)
    li.goto(f"{live_server.url}/public/conversations/shared/")
    shared = li.inner_text("#messages")
    assert "调解定在周三上午" in shared and "王五：周三上午可以" in shared
    send(li, "李四：我也可以")
    li.goto(f"{live_server.url}/public/conversations/private/")
    assert "希望先看对方的合同" not in li.inner_text("#thread")
    send(li, "李四私下：院墙是老宅基地上砌的")
    shoot(li, tmp_path, "li-si-private")
    no_overflow(li)

    mediator.goto(detail)  # a new load, not a jump to an anchor of the page already open
    panel = mediator.inner_text("#conversations")
    assert "希望先看对方的合同" in panel and "院墙是老宅基地上砌的" in panel
    assert "李四：我也可以" in panel
    thread = f"#conv-p{wang_wu.pk}"
    mediator.fill(f"{thread} textarea[name=body]", "合同复印件周三带来即可")
    mediator.click(f"{thread} button[type=submit]")
    mediator.wait_for_selector(f"{thread} :text('合同复印件周三带来即可')")
    shoot(mediator, tmp_path, "mediator-panel")
    no_overflow(mediator)

    wang.reload()
    assert "合同复印件周三带来即可" in wang.inner_text("#messages")
    assert "院墙是老宅基地上砌的" not in wang.inner_text("#thread")
    li.reload()
    assert "合同复印件周三带来即可" not in li.inner_text("#thread")
    li.goto(f"{live_server.url}/public/conversations/shared/")
    shoot(li, tmp_path, "li-si-shared")
    assert Message.objects.count() == 6

    # Without the SMS proof: the shared thread read-only and the way to prove who one is.
    stranger = party_page(chromium, live_server, dispute, None)
    stranger.goto(f"{live_server.url}/public/conversations/shared/")
    assert "调解定在周三上午" in stranger.inner_text("#messages")
    assert stranger.locator("#message-form").count() == 0
    assert "短信验证身份后可发送消息" in stranger.inner_text("#thread")
    shoot(stranger, tmp_path, "unproved-shared")
    mediator.set_viewport_size({"width": 1366, "height": 900})
    mediator.goto(detail)
    mediator.locator("#conversations").scroll_into_view_if_needed()
    shoot(mediator, tmp_path, "mediator-panel")
    for page in (wang, li, stranger):
        page.context.close()
