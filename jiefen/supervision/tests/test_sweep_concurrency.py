"""Two sweeps at once, in two threads with their own database connections, as two workers would
run them: every follow-up is still made, notified and sent exactly once.

Both threads read the same work and then meet at a barrier just before claiming it, so on
PostgreSQL they really insert the same claims at the same moment (one waits for the other's
transaction and then finds the rows taken). SQLite lets one writer in at a time, so there
the barrier times out and the second sweep runs against the first's open transaction.
"""

import threading
from collections import Counter
from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from jiefen.disputes.models import Event
from jiefen.supervision import sweep
from jiefen.supervision.models import Notification, SupervisionOrder, SweepMark
from jiefen.supervision.services import order_issue
from jiefen.supervision.sweep import sweep_run
from jiefen.supervision.tests.conftest import at, at_county, register

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shared_database")]


MET: list[str] = []


def run_together(now, monkeypatch):
    """Two sweeps in two threads; returns their counts (or the exception each raised)."""
    meet = threading.Barrier(2)
    original = sweep.claim
    MET.clear()

    def claim_together(kind, rows, at_):
        rows = list(rows)
        try:
            meet.wait(timeout=0.5)
            MET.append(kind)
        except threading.BrokenBarrierError:
            meet.reset()  # SQLite: the other sweep holds the write lock; go on in turn
        return original(kind, rows, at_)

    monkeypatch.setattr(sweep, "claim", claim_together)
    start = threading.Barrier(2)
    results = [None, None]

    def work(i):
        try:
            start.wait(timeout=10)
            results[i] = sweep_run(now=now, chunk=3)
        except Exception as error:  # reported by the assertions
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_concurrent_sweeps_do_everything_once(
    monkeypatch, world, village_clerk, village_head, town_head, county_officer
):
    for person in (village_clerk, village_head, town_head, county_officer):
        person.email = f"{person.username}@example.org"
        person.save()
    yellow = [register(world, village_clerk, when=at(2026, 3, 2), complex=True) for _ in range(7)]
    major = at_county(world, village_clerk, town_head, county_officer, risk="major")
    order = order_issue(
        actor=county_officer,
        dispute_id=yellow[0].pk,
        requirement="请报告进展",
        days=1,
        at=at(2026, 3, 2, 12),
    )
    sweep.arrivals_notify(now=at(2026, 3, 2, 13))  # places the event cursor
    assert not Notification.objects.filter(sent_at__isnull=True).exists()  # the order's, sent
    mail.outbox.clear()
    Notification.objects.all().delete()

    results = run_together(at(2026, 3, 4, 7), monkeypatch)

    assert all(isinstance(r, dict) for r in results), results
    if connection.vendor == "postgresql":
        assert MET, "the two sweeps never claimed at the same moment"
    # Each claim was won by one of the two.
    assert sum(r["yellow"] for r in results) == 14  # 7 disputes × (owner + village head)
    assert sum(r["orders_escalated"] for r in results) == 1
    assert sum(r["leader_missing"] for r in results) == 1
    assert SweepMark.objects.filter(kind="yellow").count() == 7
    assert SweepMark.objects.filter(kind="leader_missing", dispute=major).count() == 1
    assert Event.objects.filter(action="order_overdue").count() == 1
    assert SupervisionOrder.objects.get(pk=order.pk).escalated_at is not None
    rows = Counter(Notification.objects.values_list("recipient_id", "kind", "dispute_id", "key"))
    assert max(rows.values()) == 1
    # Sent once each: every notification claimed by one sweep, one e-mail per notification.
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    assert sum(r["sent"] for r in results) == Notification.objects.count()
    assert len(mail.outbox) == Notification.objects.count()
    assert date(2026, 3, 4) > order.due_date


def test_a_sweep_notice_about_a_dispute_is_written_while_a_person_holds_its_lock(
    world, village_clerk, town_head
):
    """A person's move locks the dispute row and then appends to the audit chain; a sweep batch
    that has appended already and then writes a notice about that dispute must not wait for the
    person (on PostgreSQL the notice's foreign key locks the dispute row for key share, which a
    FOR UPDATE lock would block: the two then wait on each other, seen in the county's journey).
    The person's lock therefore leaves the row's key alone (FOR NO KEY UPDATE)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one write lock for the whole database: nothing to interleave")
    from django.db import transaction

    from jiefen.disputes.services import dispute_lock

    dispute = register(world, village_clerk, when=at(2026, 3, 2))
    locked, written = threading.Event(), threading.Event()
    outcome: list[object] = []

    def person():
        try:
            with transaction.atomic():
                dispute_lock(dispute.pk, actor=village_clerk)
                locked.set()
                written.wait(timeout=10)
        finally:
            connection.close()

    def sweep_batch():
        try:
            locked.wait(timeout=10)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
                Notification.objects.create(
                    recipient=town_head,
                    kind="yellow",
                    dispute_id=dispute.pk,
                    key="k",
                    created_at=timezone.now(),
                )
            outcome.append("written")
        except Exception as error:  # reported by the assertion
            outcome.append(error)
        finally:
            written.set()
            connection.close()

    threads = [threading.Thread(target=person), threading.Thread(target=sweep_batch)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcome == ["written"]
