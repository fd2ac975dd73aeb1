"""Writers do not wait on the chain's head: a sealer (or a sweep batch) holding it leaves a
person's registration free to commit, and what both wrote verifies once sealed.

PostgreSQL only: SQLite lets one writer at a time into the whole database anyway."""

import threading
import time

import pytest
from django.db import connection, transaction

from jiefen.audit import chain
from jiefen.audit.models import ChainHead, Record
from jiefen.disputes.tests.conftest import register
from jiefen.disputes.tests.test_concurrency import concurrent

HOLD = 3.0  # seconds the sealer keeps the head locked

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises every writer itself"
)


@concurrent
def test_a_registration_commits_while_a_sealer_holds_the_head(world, village_clerk):
    register(world, village_clerk)
    chain.seal()
    holding, done = threading.Event(), threading.Event()
    took: list[float] = []

    def sealer():
        try:
            with transaction.atomic():
                ChainHead.objects.select_for_update().get(pk=1)
                holding.set()
                done.wait(HOLD)
        finally:
            connection.close()

    def clerk():
        try:
            assert holding.wait(10)
            started = time.monotonic()
            register(world, village_clerk)
            took.append(time.monotonic() - started)
        finally:
            done.set()
            connection.close()

    threads = [threading.Thread(target=sealer), threading.Thread(target=clerk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert took and took[0] < HOLD / 2, took  # it did not wait for the head
    assert chain.verify().ok
    assert not Record.objects.filter(seq__isnull=True).exists()


@concurrent
def test_two_clerks_registering_at_once_both_end_up_in_one_chain(world, village_clerk):
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def clerk():
        try:
            barrier.wait()
            for _ in range(3):
                register(world, village_clerk)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    outcome = chain.verify()
    assert outcome.ok, outcome.message
    seqs = list(Record.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
