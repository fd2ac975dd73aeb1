from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jiefen.calendars import services
from jiefen.calendars.models import CalendarOverride, CalendarYear
from jiefen.calendars.services import (
    calendar_current,
    calendar_forget,
    override_remove,
    override_set,
    year_confirm,
    year_unconfirm,
)

D = date.fromisoformat
NOTICE = "绍兴市人民政府办公室关于调整2025年1月27日作息的通知"


def test_it_refuses_an_override_without_a_notice(administrator):
    with pytest.raises(ValidationError) as caught:
        override_set(date=D("2025-01-27"), working=False, notice="  ", actor=administrator)
    assert caught.value.message_dict == {"notice": ["调整 2025-01-27 必须注明依据文件"]}
    assert not CalendarOverride.objects.exists()


def test_it_refuses_an_override_outside_the_calendar(administrator):
    with pytest.raises(ValidationError) as caught:
        override_set(date=D("1999-10-01"), working=False, notice=NOTICE, actor=administrator)
    assert list(caught.value.message_dict) == ["date"]
    assert "1999" in caught.value.message_dict["date"][0]
    assert not CalendarOverride.objects.exists()


def test_it_rebuilds_the_calendar_after_an_override(administrator, django_assert_num_queries):
    before = calendar_current()
    assert before.add(D("2025-01-24"), 3) == D("2025-02-05")
    with django_assert_num_queries(0):
        assert calendar_current() is before  # checked a moment ago: no query, no rebuild

    override = override_set(
        date=D("2025-01-27"), working=False, notice=f" {NOTICE} ", actor=administrator
    )

    assert override.created_by == administrator and override.notice == NOTICE
    after = calendar_current()
    assert after is not before
    assert after.add(D("2025-01-24"), 3) == D("2025-02-06")
    assert after.name(D("2025-01-27")) == NOTICE

    override_set(date=D("2025-01-27"), working=True, notice=NOTICE, actor=administrator)
    assert calendar_current().add(D("2025-01-24"), 3) == D("2025-02-05")
    assert CalendarOverride.objects.count() == 1

    override_remove(date=D("2025-01-27"), actor=administrator)
    assert not CalendarOverride.objects.exists()
    assert calendar_current().is_working_day(D("2025-01-27"))
    with pytest.raises(ValidationError):
        override_remove(date=D("2025-01-27"), actor=administrator)


def test_it_notices_changes_made_by_another_process(db, monkeypatch):
    first = calendar_current()
    CalendarOverride.objects.create(date=D("2025-03-01"), working=True, notice=NOTICE)
    assert calendar_current() is first  # within CHECK_SECONDS the process trusts its copy
    monkeypatch.setattr(services, "CHECK_SECONDS", 0)
    assert calendar_current().is_working_day(D("2025-03-01"))
    CalendarOverride.objects.filter(date=D("2025-03-01")).update(working=False)
    assert not calendar_current().is_working_day(D("2025-03-01"))  # an edit in place too
    unchanged = calendar_current()
    assert calendar_current() is unchanged  # same tables: checked, not rebuilt


def test_it_seeds_the_published_years_and_leaves_later_ones_provisional(db):
    confirmed = set(CalendarYear.objects.filter(confirmed=True).values_list("year", flat=True))
    assert confirmed == set(range(2004, 2027))
    assert (
        CalendarYear.objects.get(year=2026).notice == "国务院办公厅关于2026年部分节假日安排的通知"
    )
    calendar = calendar_current()
    assert not calendar.is_provisional(2026)
    assert calendar.is_provisional(2027)
    assert calendar.first == D("2004-01-01")
    assert calendar.last.year == timezone.localdate().year + 3


def test_it_confirms_a_year_with_its_notice(administrator):
    with pytest.raises(ValidationError) as caught:
        year_confirm(year=2027, notice="", actor=administrator)
    assert list(caught.value.message_dict) == ["notice"]
    with pytest.raises(ValidationError) as caught:
        year_confirm(year=2200, notice="某通知", actor=administrator)
    assert list(caught.value.message_dict) == ["year"]
    assert not CalendarYear.objects.filter(year__gte=2027).exists()

    year_confirm(
        year=2027, notice="国务院办公厅关于2027年部分节假日安排的通知", actor=administrator
    )

    assert CalendarYear.objects.get(year=2027).confirmed_by == administrator
    assert not calendar_current().is_provisional(2027)
    year_unconfirm(year=2027, actor=administrator)
    assert calendar_current().is_provisional(2027)


def test_a_new_process_builds_its_calendar_without_asking_python_holidays(
    administrator, monkeypatch
):
    """The library's schedule is kept in the shared cache: a console command or a worker that
    starts after another process built the calendar does not import python-holidays, and the
    administrators' overrides still apply on top of what was kept."""
    from jiefen.lib import workdays

    calendar_current()  # built once, by some process: the schedule is kept
    calendar_forget()  # a new process: no calendar, no library cache
    workdays._china_schedule.cache_clear()

    def no_library(*args):
        raise AssertionError("python-holidays asked again")

    monkeypatch.setattr(workdays, "_china_schedule", no_library)
    assert calendar_current().add(D("2025-01-24"), 3) == D("2025-02-05")
    override_set(date=D("2025-01-27"), working=False, notice=NOTICE, actor=administrator)
    assert calendar_current().add(D("2025-01-24"), 3) == D("2025-02-06")
