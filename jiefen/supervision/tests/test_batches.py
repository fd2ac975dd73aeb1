"""Background work in short transactions: reads outside any transaction, writes in bounded
batches each committed on its own, and on SQLite the lock left free after each batch."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiefen.calendars.services import calendar_current
from jiefen.disputes.deadlines import warnings_refresh
from jiefen.disputes.models import Dispute, Warning
from jiefen.disputes.tests.conftest import at, register
from jiefen.ops import batches


def _updates_of_disputes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith("UPDATE") and "disputes_dispute" in q["sql"]
    ]


def test_it_recolours_the_disputes_in_bounded_batches(world, village_clerk):
    for n in range(5):
        register(world, village_clerk, title=f"争议 {n}", when=at(2026, 3, 2))
    Dispute.objects.update(warning=Warning.NONE, due_date=date(2026, 3, 5))
    with CaptureQueriesContext(connection) as seen:
        changed = warnings_refresh(today=date(2026, 6, 1), calendar=calendar_current(), batch=2)
    assert changed["red"] == 5
    assert set(Dispute.objects.values_list("warning", flat=True)) == {Warning.RED}
    # 5 disputes, 2 a statement: three short writes, not one long one.
    assert len(_updates_of_disputes(seen.captured_queries)) == 3


@pytest.mark.django_db(transaction=True)
def test_the_sweep_builds_agendas_outside_its_write_transactions(world, town_head, monkeypatch):
    """An agenda is read from thousands of disputes (a quarter of a second each on the demo):
    built inside the transaction, it held SQLite's write lock all that time."""
    from jiefen.meetings import services as meetings
    from jiefen.meetings.models import Meeting
    from jiefen.meetings.services import SeriesInput, meetings_sweep, series_save

    series_save(
        actor=town_head,
        body=world.bodies["枫桥镇"],
        data=SeriesInput(cadence="half", place="会议室"),
    )
    assert Meeting.objects.exists()
    Meeting.objects.update(agenda_built_at=timezone.now() - timedelta(days=1))
    built = meetings.agenda_build
    inside: list[bool] = []

    def watched(meeting, now):
        inside.append(connection.in_atomic_block)
        return built(meeting, now)

    monkeypatch.setattr(meetings, "agenda_build", watched)
    today = timezone.localdate()
    meeting = Meeting.objects.order_by("date").first()
    Meeting.objects.filter(pk=meeting.pk).update(period_start=today - timedelta(days=1))
    meetings_sweep(today=today)
    assert inside and not any(inside)
    assert Meeting.objects.get(pk=meeting.pk).agenda_built_at > timezone.now() - timedelta(
        minutes=1
    )


@pytest.mark.django_db(transaction=True)
def test_a_write_batch_commits_and_then_leaves_the_lock_free_on_sqlite(world, monkeypatch):
    paused: list[float] = []
    monkeypatch.setattr(batches.time, "sleep", paused.append)
    with batches.write_batch():
        assert connection.in_atomic_block
        Dispute.objects.filter(pk=-1).update(title="x")
    assert not connection.in_atomic_block  # committed
    if connection.vendor == "sqlite":
        assert len(paused) == 1 and batches.PAUSE_MIN <= paused[0] <= batches.PAUSE_MAX
    else:
        assert paused == []  # PostgreSQL locks rows: nothing to wait for


def test_a_write_batch_inside_a_transaction_does_not_pause(db, monkeypatch):
    paused: list[float] = []
    monkeypatch.setattr(batches.time, "sleep", paused.append)
    with batches.write_batch():
        pass
    assert paused == []  # inside the test's transaction: no lock was let go
