"""The pages: the mediator's panel on the dispute page, the party's section in the portal, and
the remote room shown to the session's participants only."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiefen.appointments.models import Appointment, Join, Reply, Status
from jiefen.appointments.services import appointment_confirm
from jiefen.appointments.tests.conftest import follower, propose, soon

JITSI = "https://meet.example.org"


def _propose_form(*times, remote=False):
    data = {}
    for index, when in enumerate(times):
        data[f"slot{index}_date"] = f"{when:%Y-%m-%d}"
        data[f"slot{index}_time"] = f"{when:%H:%M}"
        data[f"slot{index}_place"] = "" if remote else "枫一社区调解室"
        if remote:
            data[f"slot{index}_remote"] = "on"
    return data


def test_the_mediator_proposes_from_the_dispute_page(client, dispute, village_clerk):
    client.force_login(village_clerk)
    first, second = soon(2), soon(3)
    response = client.post(
        reverse("appointments:propose", args=[dispute.pk]), _propose_form(first, second)
    )
    assert response.status_code == 302
    page = client.get(reverse("disputes:detail", args=[dispute.pk]))
    assert "调解时间" in page.content.decode()
    assert f"{first:%Y-%m-%d %H:%M}" in page.content.decode()


def test_a_time_in_the_past_is_sent_back_with_what_was_typed(client, dispute, village_clerk):
    client.force_login(village_clerk)
    data = _propose_form(soon(-1))
    response = client.post(reverse("appointments:propose", args=[dispute.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "调解时间须晚于现在" in body and data["slot0_date"] in body
    assert not Appointment.objects.exists()


def test_the_panel_costs_one_query(rf, dispute, village_clerk, wang_wu, li_si):
    from django.template import Context, Template

    from jiefen.disputes.selectors import dispute_page_read

    appointment = propose(village_clerk, dispute, soon(2), soon(3), now=soon(0))
    from jiefen.appointments.services import appointment_reply

    appointment_reply(
        dispute=dispute, party=wang_wu, appointment_id=appointment.pk, slot_id=None, note="周六可以"
    )
    request = rf.get("/")
    request.user = village_clerk
    page = dispute_page_read(dispute)
    from jiefen.appointments.services import may_arrange

    may_arrange(village_clerk, page)  # the page has asked for the user's roles already
    template = Template('{% include "appointments/_panel.html" %}')
    with CaptureQueriesContext(connection) as queries:
        html = template.render(Context({"dispute": page, "request": request}))
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "周六可以" in html and "王五" in html and "尚未答复" in html


def test_wang_wu_replies_in_the_portal_and_li_si_agrees(
    client, filed, village_clerk, wang_wu, li_si
):
    dispute, code = filed
    appointment = propose(village_clerk, dispute, soon(2), soon(3), now=soon(0))
    slot = appointment.slots.last()
    browser = follower(dispute, code, wang_wu)
    page = browser.get(reverse("portal:follow")).content.decode()
    assert "提交答复" in page
    response = browser.post(
        reverse("appointments:reply", args=[appointment.pk]), {"answer": slot.pk}
    )
    assert response.status_code == 302
    other = follower(dispute, code, li_si)
    other.post(reverse("appointments:reply", args=[appointment.pk]), {"answer": slot.pk})
    appointment.refresh_from_db()
    assert appointment.status == Status.AGREED
    assert "调解时间已确定" in browser.get(reverse("portal:follow")).content.decode()


def test_a_follower_not_proved_as_a_party_cannot_reply(client, filed, village_clerk):
    dispute, code = filed
    appointment = propose(village_clerk, dispute, soon(2), now=soon(0))
    browser = follower(dispute, code)
    assert "请先验证" in browser.get(reverse("portal:follow")).content.decode()
    response = browser.post(
        reverse("appointments:reply", args=[appointment.pk]), {"answer": appointment.slots.get().pk}
    )
    assert response.status_code == 403
    assert "请先验证您的手机号码" in response.content.decode()
    assert not Reply.objects.exists()


def test_asking_for_another_time_without_a_reason_is_sent_back(
    client, filed, village_clerk, wang_wu
):
    dispute, code = filed
    appointment = propose(village_clerk, dispute, soon(2), now=soon(0))
    browser = follower(dispute, code, wang_wu)
    response = browser.post(
        reverse("appointments:reply", args=[appointment.pk]), {"answer": "other"}
    )
    assert response.status_code == 400
    assert "请写明原因或您希望的时间" in response.content.decode()
    assert not Reply.objects.exists()


def _remote_session(settings, dispute, clerk):
    settings.JIEFEN_JITSI_URL = JITSI
    appointment = propose(clerk, dispute, soon(2), remote=True, now=soon(0))
    appointment_confirm(
        actor=clerk, appointment_id=appointment.pk, slot_id=appointment.slots.get().pk
    )
    appointment.refresh_from_db()
    return appointment


def test_the_room_is_shown_to_the_proved_party_only(settings, filed, village_clerk, wang_wu):
    dispute, code = filed
    appointment = _remote_session(settings, dispute, village_clerk)
    secret = appointment.room_secret
    assert len(secret) >= 20
    room = f"{JITSI}/jiefen-{secret}"
    # A browser that only knows the number and query code sees neither the room nor a way in.
    stranger = follower(dispute, code)
    page = stranger.get(reverse("portal:follow")).content.decode()
    assert secret not in page and "进入视频调解" not in page
    refused = stranger.post(reverse("appointments:join", args=[appointment.pk]))
    assert refused.status_code == 302 and secret not in refused["Location"]
    assert not Join.objects.exists()
    # 王五, proved, enters: the join is recorded and he is sent to the room.
    wang = follower(dispute, code, wang_wu)
    page = wang.get(reverse("portal:follow")).content.decode()
    assert "进入视频调解" in page and secret not in page
    entered = wang.post(reverse("appointments:join", args=[appointment.pk]))
    assert entered.status_code == 302 and entered["Location"] == room
    assert Join.objects.get().party == wang_wu


def test_staff_in_jurisdiction_enter_and_others_get_nothing(
    client, settings, dispute, village_clerk, other_village_clerk, town_head
):
    appointment = _remote_session(settings, dispute, village_clerk)
    client.force_login(other_village_clerk)
    assert client.post(reverse("appointments:staff_join", args=[appointment.pk])).status_code == 404
    client.force_login(town_head)
    entered = client.post(reverse("appointments:staff_join", args=[appointment.pk]))
    assert entered["Location"].endswith(appointment.room_secret)
    assert Join.objects.get().user == town_head
    page = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
    assert appointment.room_secret not in page and "远程参加" in page


def test_without_a_video_server_the_session_is_a_phone_call(
    settings, filed, village_clerk, wang_wu
):
    dispute, code = filed
    appointment = _remote_session(settings, dispute, village_clerk)
    settings.JIEFEN_JITSI_URL = ""
    wang = follower(dispute, code, wang_wu)
    page = wang.get(reverse("portal:follow")).content.decode()
    assert "以电话方式进行" in page and "进入视频调解" not in page
    wang.post(reverse("appointments:join", args=[appointment.pk]))
    assert not Join.objects.exists()


def test_the_phone_call_names_the_holding_bodys_public_phone(
    settings, filed, village_clerk, wang_wu
):
    dispute, code = filed
    appointment = _remote_session(settings, dispute, village_clerk)
    settings.JIEFEN_JITSI_URL = ""
    dispute.holder.public_phone = "0575-87001234"
    dispute.holder.save()
    wang = follower(dispute, code, wang_wu)
    page = wang.get(reverse("appointments:public", args=[appointment.pk])).content.decode()
    assert "联系电话：0575-87001234" in page


def test_the_session_recorded_that_day_notes_who_joined_remotely(
    client, settings, dispute, village_clerk, wang_wu
):
    from jiefen.appointments.services import appointment_join, session_link
    from jiefen.disputes.models import Event, Session

    appointment = _remote_session(settings, dispute, village_clerk)
    appointment_join(appointment=appointment, party=wang_wu)
    held_on = timezone.localdate(appointment.starts_at)
    session = Session.objects.create(
        dispute=dispute, held_on=held_on, place="远程", mediators="陈小梅", attendees="王五",
        record="调解", recorded_by=village_clerk,
    )  # fmt: skip
    event = Event(
        action="session", params={"session": session.pk, "held_on": session.held_on.isoformat()}
    )
    session_link(event, dispute)
    appointment.refresh_from_db()
    assert appointment.session_id == session.pk
    client.force_login(village_clerk)
    page = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
    assert "远程参加：王五" in page and "已记入当天的调解记录" in page


def test_the_panel_of_a_dispute_never_given_times_costs_no_query(rf, dispute, village_clerk):
    from django.template import Context, Template

    from jiefen.appointments.services import may_arrange
    from jiefen.disputes.selectors import dispute_page_read

    request = rf.get("/")
    request.user = village_clerk
    page = dispute_page_read(dispute)
    may_arrange(village_clerk, page)
    template = Template('{% include "appointments/_panel.html" %}')
    with CaptureQueriesContext(connection) as queries:
        html = template.render(Context({"dispute": page, "request": request}))
    assert len(queries) == 0, [q["sql"] for q in queries]
    assert "提出调解时间" in html
