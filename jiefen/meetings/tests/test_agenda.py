"""The agenda is built from the data: transfers up since the last meeting, overdue, major and
mass disputes, those without a lead department, the period's figures and rising categories."""

from datetime import date

import pytest

from jiefen.disputes.models import Category
from jiefen.meetings.agenda import agenda_dispute_ids
from jiefen.meetings.models import Meeting
from jiefen.meetings.services import SeriesInput, agenda_refresh, series_save
from jiefen.meetings.tests.conftest import at, register, transferred_to_town

pytestmark = pytest.mark.django_db


def numbers(agenda, section):
    return [item["number"] for item in agenda["sections"][section]["items"]]


def test_it_builds_the_town_agenda_from_the_data(world, village_clerk, town_head):
    # In the previous half month: a village dispute to transfer in 3 working days, now overdue.
    old = register(world, village_clerk, when=at(2026, 2, 17), complex=True)
    # In the period: a transfer up to the town, a mass dispute, and three labour disputes.
    up = transferred_to_town(world, village_clerk, town_head, when=at(2026, 3, 3))
    mass = register(world, village_clerk, when=at(2026, 3, 4), people_involved=12)
    labour = Category.objects.get(key="labour")
    for day in (5, 6, 9):
        register(world, village_clerk, when=at(2026, 3, day), category=labour)
    register(world, village_clerk, when=at(2026, 3, 4), people_involved=30)
    series_save(
        actor=town_head,
        body=world.bodies["枫桥镇"],
        data=SeriesInput(cadence="half", place="会议室"),
        at=at(2026, 3, 10),
    )
    meeting = Meeting.objects.get(date=date(2026, 3, 13))
    agenda = meeting.agenda

    assert agenda["since"] == "2026-03-01"
    assert numbers(agenda, "transferred") == [up.number]
    assert old.number in numbers(agenda, "overdue")
    assert up.number not in numbers(agenda, "overdue")
    assert mass.number in numbers(agenda, "major_mass")
    assert agenda["sections"]["major_mass"]["total"] == 2
    assert numbers(agenda, "no_department") == [up.number]
    # Leader ownership is another app's: "not known" until it exists, never "none".
    assert agenda["sections"]["no_leader"]["total"] in (None, 0)
    # Registered 1–10 March: the transfer, the two mass disputes and three labour disputes.
    assert agenda["stats"]["received"] == 6
    assert agenda["stats"]["mass"] == 2
    assert agenda["stats_previous"]["received"] == 1
    assert {"category": labour.name, "now": 3, "before": 0} in agenda["trends"]
    assert set(agenda_dispute_ids(agenda)) >= {old.pk, up.pk, mass.pk}
    # No party, no phone number on an agenda.
    assert "13812345678" not in str(agenda) and "张三" not in str(agenda)


def test_the_next_agenda_looks_back_to_the_last_meeting(world, village_clerk, town_head):
    series_save(
        actor=town_head,
        body=world.bodies["枫桥镇"],
        data=SeriesInput(cadence="half", place="会议室"),
        at=at(2026, 3, 2),
    )
    early = transferred_to_town(world, village_clerk, town_head, when=at(2026, 3, 10))
    late = transferred_to_town(world, village_clerk, town_head, when=at(2026, 3, 20))
    second = Meeting.objects.get(date=date(2026, 3, 31))
    refreshed = agenda_refresh(actor=town_head, meeting_id=second.pk, at=at(2026, 3, 30))
    assert refreshed.agenda["since"] == "2026-03-14"
    assert numbers(refreshed.agenda, "transferred") == [late.number]
    assert early.number in numbers(refreshed.agenda, "no_department")
