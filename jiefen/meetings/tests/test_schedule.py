"""Meeting schedules: dates on working days (make-up Saturdays included), generation that
never duplicates, and the next meeting date the deadline rules read."""

from datetime import date, time

import pytest

from jiefen.calendars.services import calendar_current
from jiefen.disputes.lifecycle import Forbidden, Invalid
from jiefen.meetings.models import Meeting, MeetingSeries, MeetingStatus
from jiefen.meetings.schedule import meeting_day, next_meeting_date
from jiefen.meetings.services import SeriesInput, meetings_generate, series_save
from jiefen.meetings.tests.conftest import at
from jiefen.metrics.periods import Period

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "day", "rule", "n", "weekday", "expected"),
    [
        # February 2026 ends on Saturday the 28th, a make-up working day (春节调休上班).
        ("month", date(2026, 2, 1), "last_working_day", 1, None, date(2026, 2, 28)),
        # 31 January 2026 is a Saturday: the Friday before.
        ("half", date(2026, 1, 16), "last_working_day", 1, None, date(2026, 1, 30)),
        # 1–3 January are off; Sunday the 4th is a make-up working day.
        ("half", date(2026, 1, 1), "day", 1, None, date(2026, 1, 4)),
        # National Day: 1–7 October off.
        ("month", date(2026, 10, 1), "day", 1, None, date(2026, 10, 8)),
        # The first Monday of May 2026 is a holiday (劳动节补假); the 5th too: Wednesday.
        ("month", date(2026, 5, 1), "weekday", 1, 0, date(2026, 5, 6)),
        # The last Friday of July 2026.
        ("month", date(2026, 7, 1), "weekday", -1, 4, date(2026, 7, 31)),
    ],
)
def test_it_puts_the_meeting_on_a_working_day(world, kind, day, rule, n, weekday, expected):
    period = Period.containing(kind, day)
    found = meeting_day(period, rule=rule, day=n, weekday=weekday, calendar=calendar_current())
    assert found == expected


def test_it_generates_the_coming_meetings_once(world, town_head):
    series = series_save(
        actor=town_head,
        body=world.bodies["枫桥镇"],
        data=SeriesInput(cadence="half", place="镇矛调中心会议室"),
        at=at(2026, 3, 2),
    )
    dates = list(
        Meeting.objects.filter(series=series).order_by("date").values_list("date", flat=True)
    )
    assert dates == [date(2026, 3, 13), date(2026, 3, 31)]
    assert all(m.agenda["version"] == 1 for m in Meeting.objects.all())

    again = meetings_generate(today=date(2026, 3, 2), at=at(2026, 3, 2, 11))
    assert again == []
    assert Meeting.objects.count() == 2
    later = meetings_generate(today=date(2026, 3, 20), at=at(2026, 3, 20))
    assert [m.date for m in later] == [date(2026, 4, 15)]


def test_it_refuses_a_schedule_from_someone_else_or_for_a_village(
    world, village_clerk, other_town_head
):
    with pytest.raises(Forbidden):
        series_save(
            actor=other_town_head,
            body=world.bodies["枫桥镇"],
            data=SeriesInput(cadence="half", place="会议室"),
        )
    with pytest.raises(Invalid):
        series_save(
            actor=village_clerk,
            body=world.bodies["枫一社区"],
            data=SeriesInput(cadence="half", place="会议室"),
        )
    assert not MeetingSeries.objects.exists()


def test_it_tells_the_deadline_rules_when_the_county_meets_next(world, county_officer):
    county = world.bodies["诸暨市"]
    assert next_meeting_date(body=county, after=date(2026, 3, 2)) is None
    series_save(
        actor=county_officer,
        body=county,
        data=SeriesInput(
            cadence="month",
            rule="weekday",
            day=2,
            weekday=2,
            starts_at=time(14, 30),
            place="会议室",
        ),
        at=at(2026, 3, 2),
    )
    # The second Wednesday of March 2026.
    assert next_meeting_date(body=county, after=date(2026, 3, 2)) == date(2026, 3, 11)
    # On the meeting day itself, the next one: strictly after.
    assert next_meeting_date(body=county, after=date(2026, 3, 11)) == date(2026, 4, 8)
    # Months not generated yet follow the rule.
    assert next_meeting_date(body=county, after=date(2026, 6, 30)) == date(2026, 7, 8)
    # A cancelled meeting does not count; a moved one counts on its new date.
    march = Meeting.objects.get(date=date(2026, 3, 11))
    march.status = MeetingStatus.CANCELLED
    march.save()
    assert next_meeting_date(body=county, after=date(2026, 3, 2)) == date(2026, 4, 8)
    meetings_generate(today=date(2026, 3, 20), at=at(2026, 3, 20))
    april = Meeting.objects.get(date=date(2026, 4, 8))
    april.date = date(2026, 4, 14)
    april.save()
    assert next_meeting_date(body=county, after=date(2026, 3, 2)) == date(2026, 4, 14)
