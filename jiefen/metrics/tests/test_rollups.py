"""The rollups against the raw aggregate on a generated history, rebuilt and replayed event by
event; the check that finds a difference; the command."""

import threading
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from jiefen.demo.synthetic import disputes_generate
from jiefen.disputes.models import Dispute, Event
from jiefen.metrics import raw, selectors
from jiefen.metrics.models import CategoryTally, DeadlineTally, MediationTally, StayMark, Tally
from jiefen.metrics.periods import Period
from jiefen.metrics.rollups import TABLES, rollup_event, rollups_check, rollups_rebuild

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


@pytest.fixture
def generated(world):
    disputes_generate(
        count=220,
        seed=11,
        start=date(2025, 1, 1),
        end=TODAY,
        now=NOW,
        within=world.regions["诸暨市"],
        parallel=False,
    )
    return world


def contents() -> dict[str, set[tuple]]:
    """Every rollup row with a count other than zero, and every stay mark."""
    found = {}
    for table in TABLES:
        rows = table.model._default_manager.values_list(*table.columns())
        found[table.name] = {r for r in rows if any(r[2 + len(table.keys) :])}
    found["marks"] = set(StayMark.objects.values_list("stay_id", "due_day", "state"))
    return found


PERIODS = [
    Period.containing("year", date(2025, 6, 1)),
    Period.containing("year", TODAY),
    Period.containing("quarter", date(2025, 10, 1)),
    Period.containing("month", date(2026, 2, 1)),
    Period.containing("month", TODAY),
    Period.containing("half", date(2026, 1, 20)),
    Period("custom", date(2025, 4, 3), date(2025, 12, 30)),
]


def test_every_figure_from_the_rollups_equals_the_raw_aggregate(generated):
    assert Dispute.objects.count() == 220
    rollups_rebuild()
    villages = list(
        Dispute.objects.values_list("region_code", flat=True).distinct().order_by("region_code")
    )[:2]
    regions = [generated.regions[n] for n in ("浙江省", "诸暨市", "枫桥镇", "店口镇")]
    regions += [r for r in generated.regions.values() if r.code in villages]
    compared = 0
    for region in regions:
        for period in PERIODS:
            # A later "today": every pending deadline of the period has fallen due.
            for today in (TODAY, date(2026, 11, 1)) if period.end >= TODAY else (TODAY,):
                rolled = selectors.sums(region, period, today).as_dict()
                assert rolled == raw.sums_raw(region, period, today).as_dict(), (
                    region.name,
                    period,
                    today,
                )
                compared += 1
    assert compared == len(regions) * (len(PERIODS) + 2)
    # The figures are not all zero: the data set exercises every count.
    year = selectors.sums(generated.regions["诸暨市"], PERIODS[0], TODAY)
    assert all(year[k] > 0 for k in ("received", "accepted", "mediated", "resolved", "agreed",
                                     "ratings", "closed", "deadlines_due_village",
                                     "deadlines_due_town"))  # fmt: skip
    assert selectors.sums(generated.regions["诸暨市"], PERIODS[4], TODAY)["open_end"] > 0


def test_the_sub_units_add_up_to_their_region(generated):
    rollups_rebuild()
    county = generated.regions["诸暨市"]
    period = PERIODS[0]
    below = selectors.sums_below(county, period, TODAY)
    whole = selectors.sums(county, period, TODAY)
    for key in ("received", "resolved", "ratings", "deadlines_due", "mediated", "open_end"):
        assert sum(s[key] for s in below.values()) == whole[key], key
    for code, figures in below.items():
        region = next(r for r in generated.regions.values() if r.code == code)
        assert figures.as_dict() == raw.sums_raw(region, period, TODAY).as_dict()


def test_events_rolled_up_one_by_one_give_the_rebuild(generated):
    rollups_rebuild()
    rebuilt = contents()
    for table in TABLES:
        table.model._default_manager.all().delete()
    StayMark.objects.all().delete()
    disputes = {d.pk: d for d in Dispute.objects.all()}
    for event in Event.objects.order_by("id"):
        rollup_event(event, disputes[event.dispute_id])
    assert contents() == rebuilt
    assert rollups_check() == []


def test_the_rebuild_is_idempotent(generated):
    first = rollups_rebuild()
    rows = contents()
    assert rollups_rebuild() == first
    assert contents() == rows
    assert first["Tally"] > 0 and first["StayMark"] > 0


def test_the_check_reports_a_difference(generated):
    rollups_rebuild()
    assert rollups_check(periods=PERIODS[:2]) == []
    row = Tally.objects.filter(level=3, received__gt=0).first()
    Tally.objects.filter(pk=row.pk).update(received=row.received + 1)
    DeadlineTally.objects.filter(level=5).order_by("id").first().delete()
    problems = rollups_check(
        regions=[row.region_code, 330600000000], periods=[Period.containing("year", row.day)]
    )
    assert any(p.startswith("Tally + (3, 330681000000") for p in problems), problems
    assert any(p.startswith("Tally - (3, 330681000000") for p in problems)
    assert any(p.startswith("DeadlineTally - (5,") for p in problems)
    assert any("received: rollup" in p for p in problems)


def test_the_command_rebuilds_and_checks(generated):
    out = StringIO()
    call_command("rollups", "rebuild", stdout=out)
    assert "Tally" in out.getvalue()
    assert CategoryTally.objects.exists() and MediationTally.objects.exists()
    out = StringIO()
    call_command("rollups", "check", stdout=out)
    assert "一致" in out.getvalue()
    Tally.objects.filter(level=5).update(received=99)
    with pytest.raises(CommandError):
        call_command("rollups", "check", stdout=StringIO())


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_concurrent_events_add_up(seeded, world, village_clerk):
    """Two transactions rolling up events of the same village and day at once: both counts
    land (INSERT … ON CONFLICT waits for the other's row and adds to it)."""
    from jiefen.disputes.tests.conftest import at, register

    disputes = [register(world, village_clerk, when=at(2026, 3, 2, 9 + i)) for i in range(2)]
    events = [Event.objects.get(dispute=d, action="register") for d in disputes]
    keys = ((5, 330681109008), (4, 330681109000), (1, 330000000000))
    day = date(2026, 3, 2)

    def received(level, code):
        row = Tally.objects.filter(level=level, region_code=code, day=day).first()
        return row.received if row else 0

    before = {key: received(*key) for key in keys}  # the hook's, once it is wired
    together = threading.Barrier(2)
    errors = []

    def run(event, dispute):
        try:
            together.wait()
            from django.db import transaction

            with transaction.atomic():
                rollup_event(event, dispute)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=pair) for pair in zip(events, disputes, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert {key: received(*key) - before[key] for key in keys} == dict.fromkeys(keys, 2)


def test_the_services_roll_each_event_up_in_its_transaction(world, village_clerk):
    from django.db import transaction

    from jiefen.disputes.tests.conftest import at, register

    with transaction.atomic():
        register(world, village_clerk, when=at(2026, 3, 2))
        row = Tally.objects.get(level=5, region_code=330681109008, day=date(2026, 3, 2))
        assert (row.received, row.open_delta) == (1, 1)
        assert Tally.objects.filter(day=date(2026, 3, 2)).count() == 5  # every level
        transaction.set_rollback(True)
    assert not Tally.objects.exists()  # undone with the registration


def test_deadlines_moved_without_an_event_reach_the_rollups_through_rollup_stays(
    world, village_clerk
):
    from jiefen.disputes.models import LevelStay
    from jiefen.disputes.tests.conftest import at, register
    from jiefen.disputes.tests.steps import perform
    from jiefen.metrics.rollups import rollup_stays

    dispute = register(world, village_clerk, when=at(2026, 3, 2))
    dispute = perform("accept", actor=village_clerk, dispute=dispute, at=at(2026, 3, 2, 11))
    march = [Period.containing("month", date(2026, 3, 1))]
    assert rollups_check(periods=march) == []
    # What deadlines_recompute does after the calendar changed: no event.
    LevelStay.objects.filter(dispute=dispute).update(due_date=date(2026, 3, 31))
    assert any(p.startswith("DeadlineTally") for p in rollups_check(periods=march))
    rollup_stays(dispute)
    assert rollups_check(periods=march) == []
