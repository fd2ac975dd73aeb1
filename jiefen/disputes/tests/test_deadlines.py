"""Deadlines from the rules over the working-day calendar, across Spring Festival 2026 and
National Day 2025 with their make-up working days, and the yellow and red warnings.

Spring Festival 2026: Sat 14 Feb is a working day, 15–23 Feb are off, Sat 28 Feb is a working
day. National Day 2025: Sun 28 Sep is a working day, 1–8 Oct are off, Sat 11 Oct is a working
day.
"""

from datetime import date, timedelta

import pytest

from jiefen.calendars.services import calendar_current
from jiefen.disputes import deadlines, services
from jiefen.disputes.models import Dispute, Event, LevelStay, Status, Warning
from jiefen.disputes.tests.conftest import at, register
from jiefen.disputes.tests.steps import perform


@pytest.mark.parametrize(
    ("registered", "due"),
    [
        # Spring Festival 2026
        (at(2026, 2, 11), date(2026, 2, 14)),  # Thu, Fri, and the make-up Saturday
        (at(2026, 2, 12), date(2026, 2, 24)),  # Fri, make-up Sat, first day after the break
        (at(2026, 2, 13), date(2026, 2, 25)),
        (at(2026, 2, 14), date(2026, 2, 26)),  # registered on the make-up Saturday
        (at(2026, 2, 17), date(2026, 2, 26)),  # registered by the duty clerk in the break
        (at(2026, 2, 13, 0, 10), date(2026, 2, 25)),  # the local date counts, not UTC's 12th
        (at(2026, 2, 12, 23, 50), date(2026, 2, 24)),
        # National Day 2025
        (at(2025, 9, 26), date(2025, 9, 30)),  # make-up Sun 28, Mon 29, Tue 30
        (at(2025, 9, 27), date(2025, 9, 30)),  # an ordinary Saturday off
        (at(2025, 9, 28), date(2025, 10, 9)),  # registered on the make-up Sunday
        (at(2025, 9, 29), date(2025, 10, 10)),
        (at(2025, 9, 30), date(2025, 10, 11)),  # Thu 9, Fri 10, the make-up Saturday
        (at(2025, 10, 3), date(2025, 10, 11)),
        (at(2025, 10, 10), date(2025, 10, 14)),  # Sat 11 works, Sun 12 does not
    ],
    ids=lambda v: v.strftime("%Y-%m-%d %H:%M") if hasattr(v, "hour") else str(v),
)
def test_it_gives_the_village_three_working_days_to_transfer_a_complex_dispute(
    world, village_clerk, registered, due
):
    dispute = register(world, village_clerk, complex=True, when=registered)

    dispute.refresh_from_db()
    assert (dispute.due_date, dispute.due_action, dispute.due_rule) == (
        due,
        "transfer",
        "village-transfer-complex",
    )
    stay = LevelStay.objects.get(dispute=dispute)
    assert (stay.tier, stay.arrived_how, stay.due_date, stay.left_at) == (
        "village",
        "registered",
        due,
        None,
    )
    event = Event.objects.get(dispute=dispute)
    assert event.params["due"] == due.isoformat()
    assert event.params["due_action"] == "transfer"


def test_it_counts_a_cross_area_dispute_like_a_complex_one(world, village_clerk):
    dispute = register(world, village_clerk, cross_area=True, when=at(2026, 2, 12))
    assert dispute.due_date == date(2026, 2, 24)


def test_it_sets_no_transfer_clock_for_an_ordinary_village_dispute(world, village_clerk):
    dispute = register(world, village_clerk, when=at(2026, 2, 12))
    assert (dispute.due_date, dispute.due_action, dispute.warning) == (None, "", Warning.NONE)
    assert LevelStay.objects.get(dispute=dispute).due_date is None


def test_it_gives_thirty_calendar_days_to_mediate_once_accepted(world, village_clerk):
    dispute = register(world, village_clerk, when=at(2026, 2, 12))
    dispute = perform("accept", actor=village_clerk, dispute=dispute, at=at(2026, 2, 13))
    # Calendar days, holidays included: 13 Feb + 30 = 15 Mar.
    assert (dispute.due_date, dispute.due_action, dispute.due_rule) == (
        date(2026, 3, 15),
        "resolve",
        "mediation-resolve-village",
    )
    assert LevelStay.objects.get(dispute=dispute).due_date == date(2026, 3, 15)


def test_it_keeps_the_earlier_transfer_deadline_after_acceptance(world, village_clerk):
    dispute = register(world, village_clerk, complex=True, when=at(2026, 2, 12))
    dispute = perform("accept", actor=village_clerk, dispute=dispute, at=at(2026, 2, 13))
    assert (dispute.due_date, dispute.due_action) == (date(2026, 2, 24), "transfer")


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Thu 26, Fri 27, make-up Sat 28, Mon 2 … Thu 5 Mar
        (at(2026, 2, 25), date(2026, 3, 5)),
        # Tue 30 Sep, Thu 9, Fri 10, make-up Sat 11, Mon 13, Tue 14, Wed 15 Oct
        (at(2025, 9, 29), date(2025, 10, 15)),
    ],
    ids=["spring-festival-2026", "national-day-2025"],
)
def test_it_gives_the_town_seven_working_days_from_receipt(
    world, village_clerk, town_head, received, due
):
    registered = received - timedelta(days=2)
    dispute = register(world, village_clerk, complex=True, when=registered)
    dispute = perform(
        "transfer", actor=village_clerk, dispute=dispute, at=registered + timedelta(hours=1)
    )
    dispute = perform("receive", actor=town_head, dispute=dispute, at=received)

    assert (dispute.due_date, dispute.due_action, dispute.due_rule) == (
        due,
        "transfer",
        "town-transfer-county",
    )
    stay = LevelStay.objects.get(dispute=dispute, left_at__isnull=True)
    assert (stay.tier, stay.body, stay.arrived_how, stay.due_date) == (
        "town",
        world.bodies["枫桥镇"],
        "transferred",
        due,
    )


def test_it_gives_a_department_its_own_working_days(world, county_officer, county_department_clerk):
    dispute = register(world, county_officer, body="诸暨市", when=at(2025, 9, 25))
    dispute = perform("accept", actor=county_officer, dispute=dispute, at=at(2025, 9, 26))
    dispute = services.dispute_assign(
        actor=county_officer,
        dispute_id=dispute.pk,
        version=dispute.version,
        department=world.bodies["诸暨市自然资源和规划局"],
        days=5,
        reason="请现场勘界",
        at=at(2025, 9, 29),
    )
    # Tue 30 Sep, Thu 9, Fri 10, make-up Sat 11, Mon 13 Oct.
    assert (dispute.status, dispute.due_date, dispute.due_action, dispute.due_rule) == (
        Status.ASSIGNED,
        date(2025, 10, 13),
        "report",
        "assignment",
    )


# --- mass disputes --------------------------------------------------------------------------


@pytest.mark.parametrize(("people", "mass"), [(2, False), (9, False), (10, True), (250, True)])
def test_it_flags_a_mass_dispute_from_ten_people(world, village_clerk, people, mass):
    dispute = register(world, village_clerk, people_involved=people)
    dispute.refresh_from_db()
    assert dispute.mass is mass
    assert Event.objects.get(dispute=dispute).params["mass"] is mass
    assert ("major_or_mass" in deadlines.facts_of(dispute)) is mass


# --- warnings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "colour"),
    [
        (date(2026, 2, 12), Warning.NONE),  # Fri 13, Sat 14 and Tue 24 still to work
        (date(2026, 2, 13), Warning.NONE),  # make-up Sat 14 and Tue 24
        (date(2026, 2, 14), Warning.YELLOW),  # only Tue 24 left: the break is no time
        (date(2026, 2, 16), Warning.YELLOW),
        (date(2026, 2, 23), Warning.YELLOW),
        (date(2026, 2, 24), Warning.YELLOW),  # due today
        (date(2026, 2, 25), Warning.RED),
        (date(2026, 3, 30), Warning.RED),
    ],
)
def test_it_colours_a_deadline_by_the_working_days_left(db, today, colour):
    assert deadlines.warning_for(date(2026, 2, 24), today, calendar_current()) == colour


def test_it_gives_no_colour_without_a_deadline(db):
    assert deadlines.warning_for(None, date(2026, 2, 25), calendar_current()) == Warning.NONE


def test_it_colours_a_dispute_when_a_move_sets_its_deadline(world, village_clerk):
    # Registered on the make-up Saturday before the break; due Thu 26 Feb.
    dispute = register(world, village_clerk, complex=True, when=at(2026, 2, 14))
    assert dispute.warning == Warning.NONE
    dispute = perform("accept", actor=village_clerk, dispute=dispute, at=at(2026, 2, 25))
    assert dispute.warning == Warning.YELLOW
    dispute = perform("session", actor=village_clerk, dispute=dispute, at=at(2026, 2, 27))
    assert dispute.warning == Warning.RED


def _colours():
    return dict(Dispute.objects.values_list("number", "warning"))


def test_it_sweeps_warnings_once_and_then_changes_nothing(world, village_clerk, town_head):
    calendar = calendar_current()
    due_24 = register(world, village_clerk, complex=True, when=at(2026, 2, 12))
    due_26 = register(world, village_clerk, complex=True, when=at(2026, 2, 14))
    ordinary = register(world, village_clerk, when=at(2026, 2, 12))
    # A transfer waiting at the town has no clock of its own: it loses its colour.
    waiting = register(world, village_clerk, complex=True, when=at(2026, 2, 11))
    waiting = perform("transfer", actor=village_clerk, dispute=waiting, at=at(2026, 2, 13))
    Dispute.objects.filter(pk=waiting.pk).update(warning=Warning.YELLOW)

    assert deadlines.warnings_refresh(today=date(2026, 2, 16), calendar=calendar) == {
        "red": 0,
        "yellow": 1,
        "none": 1,
    }
    assert _colours() == {
        due_24.number: Warning.YELLOW,
        due_26.number: Warning.NONE,
        ordinary.number: Warning.NONE,
        waiting.number: Warning.NONE,
    }
    assert deadlines.warnings_refresh(today=date(2026, 2, 16), calendar=calendar) == {
        "red": 0,
        "yellow": 0,
        "none": 0,
    }

    # Tue 24: the first is due today and stays yellow; the second still has Wed and Thu.
    assert deadlines.warnings_refresh(today=date(2026, 2, 24), calendar=calendar) == {
        "red": 0,
        "yellow": 0,
        "none": 0,
    }
    assert _colours()[due_26.number] == Warning.NONE

    # Wed 25: the first is overdue, the second has one working day left.
    assert deadlines.warnings_refresh(today=date(2026, 2, 25), calendar=calendar) == {
        "red": 1,
        "yellow": 1,
        "none": 0,
    }
    assert _colours()[due_24.number] == Warning.RED
    assert _colours()[due_26.number] == Warning.YELLOW
    assert deadlines.warnings_refresh(today=date(2026, 2, 25), calendar=calendar) == {
        "red": 0,
        "yellow": 0,
        "none": 0,
    }

    # Transferred late, the red dispute waits at the town without a colour.
    perform(
        "transfer",
        actor=village_clerk,
        dispute=Dispute.objects.get(pk=due_24.pk),
        at=at(2026, 2, 25, 11),
    )
    assert deadlines.warnings_refresh(today=date(2026, 2, 25), calendar=calendar) == {
        "red": 0,
        "yellow": 0,
        "none": 0,
    }  # the move itself already cleared it
    assert _colours()[due_24.number] == Warning.NONE


def test_it_sweeps_to_the_same_colour_the_moves_give(world, village_clerk):
    """Calendar-day deadlines fall on days off too; the sweep and warning_for must agree for
    every due date around a holiday and every day of the sweep."""
    calendar = calendar_current()
    first_due = date(2026, 2, 8)
    numbers = {}
    for offset in range(28):
        dispute = register(world, village_clerk, when=at(2026, 2, 1))
        due = first_due + timedelta(days=offset)
        Dispute.objects.filter(pk=dispute.pk).update(due_date=due)
        numbers[dispute.number] = due
    for today in (first_due + timedelta(days=n) for n in range(-2, 30)):
        deadlines.warnings_refresh(today=today, calendar=calendar)
        expected = {n: deadlines.warning_for(due, today, calendar) for n, due in numbers.items()}
        assert _colours() == expected, today
