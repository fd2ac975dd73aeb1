"""On phones: the mediator proposes two times, 王五 asks for another, the mediator proposes a
remote time, 王五 and 李四 accept it, the session is agreed, the reminder goes out, and the
video room opens for a proved party only."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.utils import timezone

from jiefen.appointments.models import Appointment, Join, Reply, Status
from jiefen.appointments.services import appointment_reminders
from jiefen.conftest import sign_in
from jiefen.portal import identity

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(os.environ.get("JIEFEN_SHOTS", "/tmp/appointments"))
FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(
        path=str(SHOTS / f"{name}-{size['width']}x{size['height']}.png"), full_page=True
    )


def phone(chromium):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def open_case(page, live_server, dispute, code, party=None) -> None:
    """Open the dispute with its number and query code; with `party`, carry the identity
    cookie identity.party_remember sets after a one-time code."""
    if party is not None:
        response = HttpResponse()
        identity.party_remember(response, party)
        page.context.add_cookies(
            [
                {
                    "name": identity.PARTY_COOKIE,
                    "value": response.cookies[identity.PARTY_COOKIE].value,
                    "url": f"{live_server.url}/public/",
                }
            ]
        )
    page.goto(f"{live_server.url}/public/follow/")
    page.fill("input[name=number]", dispute.number)
    page.fill("input[name=code]", code)
    page.click("form button[type=submit]")
    page.wait_for_selector("#number")


def fill_time(page, index: int, when, *, place: str = "", remote: bool = False) -> None:
    page.fill(f"#id_slot{index}_date", f"{when:%Y-%m-%d}")
    page.fill(f"#id_slot{index}_time", f"{when:%H:%M}")
    if remote:
        page.check(f"#id_slot{index}_remote")
    else:
        page.fill(f"#id_slot{index}_place", place)


def test_two_parties_and_the_mediator_agree_a_remote_session(
    live_server, chromium, settings, filed, village_clerk, wang_wu, li_si, outbox
):
    settings.JIEFEN_JITSI_URL = f"{live_server.url}/video"
    dispute, code = filed
    day = timezone.localtime() + timedelta(days=3)
    first = day.replace(hour=9, minute=30, second=0, microsecond=0)
    second = (day + timedelta(days=1)).replace(hour=14, minute=0, second=0, microsecond=0)
    third = (day + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)

    mediator = phone(chromium)
    sign_in(mediator, live_server, village_clerk.username)
    mediator.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    mediator.click("#appointments-propose summary")
    fill_time(mediator, 0, first, place="枫一社区调解室")
    fill_time(mediator, 1, second, place="枫一社区调解室")
    mediator.click("#appointments-propose button.primary")
    mediator.wait_for_selector(".appointment-open")
    assert mediator.evaluate(FITS)
    shoot(mediator, "mediator-proposed")

    wang = phone(chromium)
    open_case(wang, live_server, dispute, code, wang_wu)
    wang.locator("#appointments").scroll_into_view_if_needed()
    shoot(wang, "wang-wu-times")
    wang.check("#appointments input[value=other]")
    wang.fill("#appointments textarea[name=note]", "那两天要出车，周末上午可以")
    wang.click("#appointments button.primary")
    wang.wait_for_selector(".messages, .message, #appointments")
    assert Reply.objects.get().note == "那两天要出车，周末上午可以"

    mediator.reload()
    assert "那两天要出车，周末上午可以" in mediator.content()
    mediator.click("#appointments-propose summary")
    fill_time(mediator, 0, third, remote=True)
    mediator.click("#appointments-propose button.primary")
    mediator.wait_for_selector(".appointment-replaced")
    latest = Appointment.objects.get(status=Status.OPEN)
    slot = latest.slots.get()

    wang.reload()
    wang.check(f"#appointment-{latest.pk} input[value='{slot.pk}']")
    wang.click(f"#appointment-{latest.pk} button.primary")
    wang.wait_for_selector(f"#appointment-{latest.pk} .mine")

    li = phone(chromium)
    open_case(li, live_server, dispute, code, li_si)
    li.check(f"#appointment-{latest.pk} input[value='{slot.pk}']")
    li.click(f"#appointment-{latest.pk} button.primary")
    li.wait_for_selector(f"#appointment-{latest.pk}.appointment-agreed")
    latest.refresh_from_db()
    assert latest.status == Status.AGREED and latest.starts_at == third
    assert li.evaluate(FITS)
    shoot(li, "li-si-agreed")

    mediator.reload()
    assert "各方已同意" in mediator.content()
    shoot(mediator, "mediator-agreed")

    # The sweep's hook, two hours before: each party gets the text, once.
    assert appointment_reminders(today=third.date(), at=third - timedelta(hours=1)) == 2
    assert appointment_reminders(today=third.date(), at=third - timedelta(minutes=30)) == 0
    texts = {phone_: text for phone_, text in outbox if "调解定于" in text}
    assert set(texts) == {"13900001111", "13900002222"}
    assert f"{third:%Y-%m-%d %H:%M}" in texts["13900001111"]

    # Someone who has only the number and query code sees no way into the room.
    stranger = phone(chromium)
    open_case(stranger, live_server, dispute, code)
    assert "进入视频调解" not in stranger.content()
    assert latest.room_secret not in stranger.content()
    shoot(stranger, "follower-no-room")

    # 王五 enters: he is sent to the room, and his join is recorded.
    wang.reload()
    shoot(wang, "wang-wu-room")
    wang.click(f"#appointment-{latest.pk} button.primary")
    wang.wait_for_url(f"**/video/jiefen-{latest.room_secret}")
    assert Join.objects.get().party == wang_wu
    mediator.reload()
    assert "远程参加：王五" in mediator.content()

    desktop = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = desktop.new_page()
    sign_in(page, live_server, village_clerk.username)
    page.goto(f"{live_server.url}/disputes/{dispute.pk}/#appointments")
    shoot(page, "mediator-desktop")
    party_desktop = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    party_page = party_desktop.new_page()
    open_case(party_page, live_server, dispute, code, li_si)
    shoot(party_page, "li-si-desktop")
    party_desktop.close()
    for browser in (mediator, wang, li, stranger):
        browser.context.close()
    desktop.close()
