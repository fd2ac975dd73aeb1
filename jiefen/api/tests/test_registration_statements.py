"""How many SQL statements an API registration sends, after-commit work included, with every
invariant of a registration kept (disputes/tests/test_write_statements.py counts the service
alone): the token with its roles in one statement, the idempotency key written with the
dispute, no sealing in the request (the process's sealer does it) and no cache culling.

Counted without transaction control, as there: in a test the transactions are SAVEPOINTs."""

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.api.models import IdempotencyKey
from jiefen.api.tests.conftest import payload
from jiefen.audit import chain
from jiefen.audit.models import Record
from jiefen.disputes.models import Dispute, Event
from jiefen.search.models import SearchEntry

LIMIT = 16


def test_an_api_registration_costs_at_most_sixteen_statements(
    clerk_api, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.JIEFEN_AUDIT_SEAL_DELAY = 0.2  # as in production: the sealer seals, not the request
    monkeypatch.setattr(chain.sealer, "wake", lambda: None)  # no thread in a test
    with django_capture_on_commit_callbacks(execute=True):
        clerk_api.post("/disputes", payload(), headers={"Idempotency-Key": uuid.uuid4().hex})
    key = uuid.uuid4().hex
    records = Record.objects.order_by("-pk").values_list("pk", flat=True).first()
    with (
        CaptureQueriesContext(connection) as captured,
        django_capture_on_commit_callbacks(execute=True),
    ):
        answer = clerk_api.post("/disputes", payload(), headers={"Idempotency-Key": key})
    assert answer.status_code == 201, answer.content
    sql = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    assert len(sql) <= LIMIT, "\n".join(s[:160] for s in sql)
    assert not [s for s in sql if "audit_chainhead" in s or "COUNT(" in s]
    dispute = Dispute.objects.get(pk=answer.json()["id"])
    assert IdempotencyKey.objects.get(key=key).dispute == dispute
    assert Event.objects.filter(dispute=dispute, action="register").exists()
    assert SearchEntry.objects.filter(dispute_id=dispute.pk).exists()
    assert Record.objects.filter(pk__gt=records, seq__isnull=True).exists()  # left to the sealer
