"""The process's sealer: a committed write only wakes it, and it chains the records off the
request, after JIEFEN_AUDIT_SEAL_DELAY. Real commits, so the records really wait in between."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.audit import chain
from jiefen.audit.models import Record
from jiefen.disputes.tests.conftest import register
from jiefen.disputes.tests.test_concurrency import concurrent


@pytest.fixture
def behind(settings):
    """The sealer thread, as in production; stopped (and its connection closed) afterwards."""

    def start(delay: float) -> None:
        settings.JIEFEN_AUDIT_SEAL_DELAY = delay

    yield start
    chain.sealer.stop()


@concurrent
def test_a_registration_leaves_the_sealing_to_the_sealer(world, village_clerk, behind):
    behind(0.05)
    register(world, village_clerk)
    with CaptureQueriesContext(connection) as captured:
        register(world, village_clerk)
    # The writer inserted its records and woke the sealer: no statement on the chain's head.
    assert not [q for q in captured.captured_queries if "audit_chainhead" in q["sql"]]
    assert chain.sealer.drain()
    assert not Record.objects.filter(seq__isnull=True).exists()
    outcome = chain.verify()
    assert outcome.ok, outcome.message


@concurrent
def test_a_record_changed_while_it_waits_for_the_sealer_is_found(world, village_clerk, behind):
    """The window the delay opens: committed, not chained yet. A change made in it is sealed as
    it is then, and found by the record's mac."""
    behind(60)
    register(world, village_clerk)
    waiting = Record.objects.filter(seq__isnull=True).order_by("id")
    assert waiting.count() >= 3  # the sealer is still gathering
    victim = waiting[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_record SET fields = %s WHERE id = %s", ['["phone"]', victim.pk]
        )
    chain.sealer.stop()  # its last round seals what waits, as at the process's exit
    assert not Record.objects.filter(seq__isnull=True).exists()
    outcome = chain.verify()
    assert not outcome.ok
    assert outcome.broken_seq == Record.objects.get(pk=victim.pk).seq
