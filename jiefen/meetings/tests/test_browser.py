"""A town head opens the half-monthly agenda, records the meeting with a decision that assigns
a lead department, and downloads the circular — in Chromium, on a phone-sized screen."""

from datetime import timedelta

import pytest
from django.utils import timezone
from docx import Document

from jiefen.conftest import sign_in
from jiefen.disputes.models import Status
from jiefen.meetings.models import Decision, MeetingStatus
from jiefen.meetings.services import SeriesInput, series_save
from jiefen.meetings.tests.conftest import register, transferred_to_town

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]


def test_it_walks_a_town_meeting_from_agenda_to_circular(
    live_server, phone_page, world, village_clerk, town_head, town_department
):
    now = timezone.now()
    register(world, village_clerk, when=now - timedelta(days=20))  # for last period's circular
    dispute = transferred_to_town(world, village_clerk, town_head, when=now - timedelta(hours=2))
    series_save(
        actor=town_head,
        body=world.bodies["枫桥镇"],
        data=SeriesInput(cadence="half", place="镇矛调中心会议室"),
    )

    page = phone_page
    sign_in(page, live_server, "head_fengqiao")
    page.goto(f"{live_server.url}/meetings/")
    page.click(".row >> nth=0")
    page.wait_for_selector("#agenda")
    assert dispute.number in page.inner_text("#agenda")

    page.select_option("select[name=chair]", label="李卫东")
    page.check(f"input[name=present][value='{town_head.pk}']")
    page.fill("textarea[name=observers]", "吴海波 枫桥自然资源所")
    page.fill("textarea[name=minutes]", "通报了本期矛盾纠纷情况，研究了移送本级的纠纷。")
    page.click("button[name=do][value=record]")
    page.wait_for_selector("text=已记录会议召开情况")
    assert "已召开" in page.inner_text("#meeting-status")

    page.click("#decide-department summary")
    form = "#decide-department form"
    page.select_option(f"{form} select[name=department-dispute]", value=str(dispute.pk))
    page.select_option(f"{form} select[name=department-department]", label=town_department.name)
    page.fill(f"{form} input[name=department-days]", "5")
    page.fill(f"{form} textarea[name=department-text]", "交枫桥自然资源所现场勘界，提出处理意见")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("text=已记录决定并执行")
    assert "交枫桥自然资源所现场勘界" in page.inner_text("#decisions")

    dispute.refresh_from_db()
    assert (dispute.status, dispute.department) == (Status.ASSIGNED, town_department)
    decision = Decision.objects.get()
    assert decision.meeting.status == MeetingStatus.HELD and decision.dispute == dispute

    page.goto(f"{live_server.url}/meetings/circulars/")
    page.click("form[id^=generate-] button[type=submit]")
    page.wait_for_selector("text=已生成通报")
    with page.expect_download() as download:
        page.click("#download-docx")
    path = download.value.path()
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "枫桥镇矛盾纠纷化解工作通报"
    assert "一、总体情况" in texts and "四、各单位情况" in texts
