"""The pages: what each person sees, the meeting's Word files, and bad input answered with a
clear message and nothing written."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from docx import Document

from jiefen.meetings.models import Decision, Meeting, MeetingStatus, ScreeningReturn
from jiefen.meetings.services import SeriesInput, series_save
from jiefen.meetings.tests.conftest import transferred_to_town

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(world, town_head):
    """枫桥镇's next half-monthly meeting, generated today."""
    series_save(
        actor=town_head,
        body=world.bodies["枫桥镇"],
        data=SeriesInput(cadence="half", place="会议室"),
    )
    return Meeting.objects.filter(body=world.bodies["枫桥镇"]).order_by("date").first()


def test_the_pages_open_for_a_town_head(client, world, town_head, meeting):
    client.force_login(town_head)
    for url in (
        "/meetings/",
        f"/meetings/{meeting.pk}/",
        f"/meetings/series/{world.bodies['枫桥镇'].pk}/",
        "/meetings/screening/status/",
        "/meetings/circulars/",
        "/meetings/receptions/",
        "/meetings/receptions/public/",
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
    assert "矛盾纠纷分析研判会" in client.get("/meetings/").content.decode()


def test_another_town_cannot_open_the_meeting(client, other_town_head, meeting):
    client.force_login(other_town_head)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    assert client.get(f"/meetings/{meeting.pk}/agenda.docx").status_code == 404


def test_a_meeting_without_a_chair_is_refused_with_a_message(client, town_head, meeting):
    client.force_login(town_head)
    response = client.post(
        f"/meetings/{meeting.pk}/record/",
        {"held_on": timezone.localdate().isoformat(), "minutes": "会议纪要", "chair": ""},
    )
    assert response.status_code == 400
    assert "请选择会议主持人" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED


def test_a_decision_without_a_target_is_refused_with_a_message(
    client, world, village_clerk, town_head, town_department, meeting
):
    transferred_to_town(world, village_clerk, town_head, when=timezone.now() - timedelta(hours=1))
    client.force_login(town_head)
    held = client.post(
        f"/meetings/{meeting.pk}/record/",
        {
            "held_on": timezone.localdate().isoformat(),
            "chair": town_head.pk,
            "present": [town_head.pk],
            "minutes": "研究移送事项。",
        },
    )
    assert held.status_code == 302
    response = client.post(
        f"/meetings/{meeting.pk}/decide/department/",
        {
            "department-text": "交办",
            "department-department": town_department.pk,
            "department-days": 5,
        },
    )
    assert response.status_code == 400
    assert "请选择决定事项针对的纠纷" in response.content.decode()
    assert not Decision.objects.exists()


def test_the_meeting_word_files_have_the_official_parts(
    client, world, village_clerk, town_head, town_department, meeting
):
    dispute = transferred_to_town(
        world, village_clerk, town_head, when=timezone.now() - timedelta(hours=1)
    )
    client.force_login(town_head)
    client.post(f"/meetings/{meeting.pk}/refresh/")
    agenda = Document(io.BytesIO(client.get(f"/meetings/{meeting.pk}/agenda.docx").content))
    texts = [p.text for p in agenda.paragraphs]
    assert texts[0] == "枫桥镇乡镇（街道）矛调中心议程"
    assert "一、通报本期情况" in texts
    assert "二、研究上次会议以来移送本级的纠纷" in texts
    assert dispute.number in [agenda.tables[0].cell(1, 0).text]

    client.post(
        f"/meetings/{meeting.pk}/record/",
        {
            "held_on": timezone.localdate().isoformat(),
            "chair": town_head.pk,
            "present": [town_head.pk],
            "observers": "吴海波 枫桥自然资源所",
            "minutes": "研究移送事项。",
        },
    )
    decided = client.post(
        f"/meetings/{meeting.pk}/decide/department/",
        {
            "department-dispute": dispute.pk,
            "department-text": "交枫桥自然资源所现场勘界",
            "department-department": town_department.pk,
            "department-days": 5,
        },
    )
    assert decided.status_code == 302
    minutes = Document(io.BytesIO(client.get(f"/meetings/{meeting.pk}/minutes.docx").content))
    texts = [p.text for p in minutes.paragraphs]
    year = timezone.localdate().year
    assert texts[1].startswith(f"〔{year}〕第1期")
    for label in ("主持：李卫东", "出席：李卫东", "列席：吴海波（枫桥自然资源所）"):
        assert label in texts
    for heading in ("一、会议议题", "二、会议内容", "三、决定事项"):
        assert heading in texts
    decision = texts[texts.index("三、决定事项") + 1]
    assert dispute.number in decision and "交由枫桥自然资源所牵头办理，5个工作日内" in decision


def test_a_village_clerk_returns_and_a_second_return_is_refused(client, world, village_clerk):
    client.force_login(village_clerk)
    page = client.get("/meetings/screening/")
    assert page.status_code == 200
    period = page.context["periods"][0].start.isoformat()
    form = {"body": world.bodies["枫一社区"].pk, "period": period, "nil": "on"}
    management = {"findings-TOTAL_FORMS": 0, "findings-INITIAL_FORMS": 0}
    assert client.post("/meetings/screening/", form | management).status_code == 302
    # The period is no longer offered; posted anyway, it is refused with a message.
    again = client.post("/meetings/screening/", form | management)
    assert again.status_code == 400
    assert "不能重复报送" in again.content.decode()
    assert ScreeningReturn.objects.count() == 1


def test_the_town_sees_the_missing_returns(client, world, town_head, village_clerk):
    from jiefen.meetings.screening import ReturnInput, period_of, screening_return_submit

    period = period_of(timezone.localdate()).previous()
    screening_return_submit(
        actor=village_clerk,
        body=world.bodies["枫一社区"],
        data=ReturnInput(period_start=period.start, nil=True),
    )
    client.force_login(town_head)
    page = client.get("/meetings/screening/status/", {"period": period.start.isoformat()})
    html = page.content.decode()
    assert "共 2 个村（社区），未报送 1 个" in html
    assert [r.region.name for r in page.context["missing"]] == ["永安社区"]


def test_the_meeting_page_speaks_english(client, world, town_head, meeting):
    client.force_login(town_head)
    client.cookies["django_language"] = "en"
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Agenda" in html and "议程" not in html
