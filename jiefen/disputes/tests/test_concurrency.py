"""Two people acting on one dispute at once: one wins, the other is told it changed, and
nothing is lost or written twice.

The races run in two real threads with their own database connections. The winner is held
inside its transaction for a moment (after the row is locked), so the loser really arrives
while the lock is held; without the lock both would read the same version and both succeed.
"""

import threading
import time

import pytest
from django.db import connection

from jiefen.disputes import services
from jiefen.disputes.lifecycle import Conflict
from jiefen.disputes.models import Dispute, Event, Session, Status
from jiefen.disputes.tests.conftest import at, register
from jiefen.disputes.tests.steps import open_stays, perform, snapshot
from jiefen.org.models import Role

HOLD = 0.2  # seconds the first writer keeps its transaction open


def test_it_refuses_a_move_made_on_a_stale_version_and_writes_nothing(
    world, village_clerk, registered
):
    accepted = perform("accept", actor=village_clerk, dispute=registered, at=at(2026, 3, 2, 11))
    before = snapshot(registered.pk)
    with pytest.raises(Conflict) as refused:
        perform(
            "transfer",
            actor=village_clerk,
            dispute=registered,
            version=registered.version,
            at=at(2026, 3, 2, 12),
        )
    assert registered.number in str(refused.value.message)
    assert snapshot(registered.pk) == before
    assert accepted.version == registered.version + 1


# --- real threads ---------------------------------------------------------------------------


def concurrent(test):
    """Committed data and a database shared by threads; `shared_database` comes first so that
    everything the test creates lands in it."""
    test = pytest.mark.usefixtures("shared_database")(test)
    return pytest.mark.django_db(transaction=True)(test)


@pytest.fixture
def held_lock(monkeypatch):
    """Keep the first racing writer inside its transaction, the dispute locked, for HOLD
    seconds; the returned event is set once it is there. The test's own set-up, in the main
    thread, is not held."""
    original = services._open_stay
    first = threading.Lock()
    inside = threading.Event()

    def held(dispute):
        racing = threading.current_thread() is not threading.main_thread()
        if racing and first.acquire(blocking=False):
            inside.set()
            time.sleep(HOLD)
        return original(dispute)

    monkeypatch.setattr(services, "_open_stay", held)
    return inside


def race(first, second, *, after=None):
    """Run two attempts in threads with their own connections: together, or the second once
    `after` is set (the first holds the lock). Each result is "ok", "conflict" or the
    unexpected exception."""
    together = threading.Barrier(2)
    results = [None, None]

    def run(i, attempt):
        try:
            together.wait()
            if i == 1 and after is not None:
                assert after.wait(10), "the first writer never got the lock"
            attempt()
            results[i] = "ok"
        except Conflict:
            results[i] = "conflict"
        except Exception as error:  # reported by the assertion on the results
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate([first, second])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@concurrent
def test_it_lets_one_of_two_identical_transfers_win(world, village_clerk, held_lock):
    dispute = register(world, village_clerk, complex=True, when=at(2026, 2, 12))
    seen = Dispute.objects.get(pk=dispute.pk)  # both browser tabs show this version

    def transfer():
        perform("transfer", actor=village_clerk, dispute=seen, at=at(2026, 2, 13))

    assert race(transfer, transfer, after=held_lock) == ["ok", "conflict"]
    dispute.refresh_from_db()
    assert dispute.version == seen.version + 1
    assert list(Event.objects.filter(dispute=dispute).values_list("action", flat=True)) == [
        "register",
        "transfer",
    ]
    (stay,) = dispute.stays.all()  # the village's stay, closed once
    assert (stay.left_at, stay.met) == (at(2026, 2, 13), True)


@concurrent
def test_it_lets_one_of_two_double_clicks_win_whichever_comes_first(
    world, village_clerk, held_lock
):
    dispute = register(world, village_clerk, when=at(2026, 3, 2))
    seen = Dispute.objects.get(pk=dispute.pk)

    def attempt():
        perform("accept", actor=village_clerk, dispute=seen, at=at(2026, 3, 3))

    assert sorted(race(attempt, attempt), key=str) == ["conflict", "ok"]
    assert Event.objects.filter(dispute=dispute, action="accept").count() == 1


@concurrent
def test_it_keeps_the_winners_session_and_none_of_the_losers(world, village_clerk, held_lock):
    colleague = world.person("mediator_fengyi", "楼晓东", "枫一社区", Role.MEDIATOR)
    dispute = register(world, village_clerk, when=at(2026, 3, 2))
    dispute = perform("accept", actor=village_clerk, dispute=dispute, at=at(2026, 3, 2, 11))
    seen = Dispute.objects.get(pk=dispute.pk)

    def session(actor, place):
        return lambda: services.dispute_record_session(
            actor=actor,
            dispute_id=seen.pk,
            version=seen.version,
            at=at(2026, 3, 3),
            session=services.SessionInput(
                held_on=at(2026, 3, 3).date(),
                place=place,
                mediators=actor.full_name,
                attendees="张三、李四",
                record="双方各自陈述。",
            ),
        )

    results = race(
        session(colleague, "村文化礼堂"), session(village_clerk, "村调解室"), after=held_lock
    )

    assert results == ["ok", "conflict"]
    (kept,) = Session.objects.filter(dispute=dispute)
    assert (kept.recorded_by, kept.place) == (colleague, "村文化礼堂")
    event = Event.objects.filter(dispute=dispute).latest("id")
    assert (event.action, event.actor, event.params["session"]) == ("session", colleague, kept.pk)
    assert Event.objects.filter(dispute=dispute).count() == 3


@concurrent
@pytest.mark.parametrize("winner", ["receive", "return"])
def test_it_lets_the_town_receive_or_return_a_transfer_but_not_both(
    world, village_clerk, town_head, held_lock, winner
):
    town_clerk = world.person("clerk_fengqiao", "郭敏", "枫桥镇", Role.CLERK)
    dispute = register(world, village_clerk, complex=True, when=at(2026, 2, 12))
    dispute = perform("transfer", actor=village_clerk, dispute=dispute, at=at(2026, 2, 13))
    seen = Dispute.objects.get(pk=dispute.pk)
    attempts = {
        "receive": lambda: perform("receive", actor=town_head, dispute=seen, at=at(2026, 2, 24)),
        "return": lambda: perform("return", actor=town_clerk, dispute=seen, at=at(2026, 2, 24)),
    }
    loser = "return" if winner == "receive" else "receive"

    # The loser finds the dispute changed (and, after a receipt, held by the town: still a
    # conflict, not "not found").
    assert race(attempts[winner], attempts[loser], after=held_lock) == ["ok", "conflict"]
    dispute.refresh_from_db()
    assert Event.objects.filter(dispute=dispute).latest("id").action == winner
    assert Event.objects.filter(dispute=dispute).count() == 3
    assert dispute.status == Status.ACCEPTED and dispute.transfer_to is None
    (stay,) = open_stays(dispute)
    expected = world.bodies["枫桥镇"] if winner == "receive" else world.bodies["枫一社区"]
    assert stay.body == dispute.holder == expected


@concurrent
def test_it_does_not_hold_up_work_on_another_dispute(world, village_clerk, held_lock):
    """A move locks its own dispute only, not the body, region and category it shares with
    every other dispute of the village."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises all writers by design")
    first = register(world, village_clerk, when=at(2026, 3, 2))
    second = register(world, village_clerk, when=at(2026, 3, 2))
    finished = []

    def slow():
        perform("accept", actor=village_clerk, dispute=first, at=at(2026, 3, 3))
        finished.append("first")

    def quick():
        perform("accept", actor=village_clerk, dispute=second, at=at(2026, 3, 3))
        finished.append("second")

    assert race(slow, quick, after=held_lock) == ["ok", "ok"]
    assert finished == ["second", "first"]
