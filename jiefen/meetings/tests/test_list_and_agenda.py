"""The meeting list opens on the reader's own meetings and filters by body and kind; an agenda
opened between two rebuilds shows each dispute's state as it is now."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiefen.disputes import services as dispute_services
from jiefen.meetings.models import Meeting
from jiefen.meetings.services import SeriesInput, series_save
from jiefen.meetings.tests.conftest import transferred_to_town

pytestmark = pytest.mark.django_db

TOWN = "矛盾纠纷分析研判会"
COUNTY = "矛盾纠纷调处化解联席会议"


@pytest.fixture
def both_series(world, town_head, county_officer):
    series_save(
        actor=town_head,
        body=world.bodies["枫桥镇"],
        data=SeriesInput(cadence="half", place="镇会议室"),
    )
    series_save(
        actor=county_officer,
        body=world.bodies["诸暨市"],
        data=SeriesInput(cadence="month", place="市会议室"),
    )


def test_it_opens_the_county_officer_on_the_county_joint_meeting_only(
    client, world, county_officer, both_series
):
    client.force_login(county_officer)
    html = client.get("/meetings/").content.decode()
    assert COUNTY in html
    assert TOWN not in html.split("<h2>")[1]  # the upcoming list, not the filter's labels


def test_it_lists_every_body_in_reach_or_one_kind_or_one_body_on_request(
    client, world, county_officer, both_series
):
    client.force_login(county_officer)
    upcoming = lambda q: client.get("/meetings/" + q).content.decode().split("<h2>")[1]  # noqa: E731
    everything = upcoming("?body=all")
    assert COUNTY in everything and TOWN in everything
    towns = upcoming("?body=all&kind=town_centre")
    assert TOWN in towns and COUNTY not in towns
    one = upcoming(f"?body={world.bodies['枫桥镇'].pk}")
    assert TOWN in one and COUNTY not in one


def test_a_body_outside_the_jurisdiction_is_not_offered_and_not_listed(
    client, world, town_head, other_town_head, both_series
):
    series_save(
        actor=other_town_head,
        body=world.bodies["店口镇"],
        data=SeriesInput(cadence="half", place="店口会议室"),
    )
    client.force_login(town_head)
    html = client.get(f"/meetings/?body={world.bodies['店口镇'].pk}").content.decode()
    assert "店口会议室" not in html
    assert f'value="{world.bodies["店口镇"].pk}"' not in html


def test_an_agenda_shows_the_state_of_its_disputes_as_they_are_now(
    client, world, village_clerk, town_head
):
    dispute = transferred_to_town(
        world, village_clerk, town_head, when=timezone.now() - timedelta(hours=2)
    )
    series_save(
        actor=town_head, body=world.bodies["枫桥镇"], data=SeriesInput(cadence="half", place="室")
    )
    meeting = Meeting.objects.filter(
        body=world.bodies["枫桥镇"], agenda__sections__isnull=False
    ).first()
    assert meeting is not None and meeting.agenda["sections"]["no_department"]["items"]
    dispute_services.dispute_record_session(
        actor=town_head,
        dispute_id=dispute.pk,
        version=dispute.version,
        session=dispute_services.SessionInput(
            held_on=timezone.localdate(),
            place="镇调解室",
            mediators="李卫东",
            attendees="双方当事人",
            record="双方陈述了各自的依据。",
        ),
    )

    client.force_login(town_head)
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    row = html.split(dispute.number)[1].split("</tr>")[0]
    assert "调解中" in row and "议程生成时：已受理" in row
    meeting.refresh_from_db()
    assert meeting.agenda["sections"]["no_department"]["items"][0]["status"] == "accepted"
