"""Messages are personal data: in the person's subject-access export, blanked (and recorded)
when the dispute's parties are anonymised, never deleted."""

import json
from datetime import UTC, date, datetime

from django.urls import reverse

from jiefen.conversations import services
from jiefen.conversations.models import Message
from jiefen.disputes.models import Dispute
from jiefen.disputes.reads import events_of
from jiefen.privacy.retention import parties_anonymise


def _talk(dispute, wang_wu, li_si, clerk):
    services.shared_thread_open(actor=clerk, dispute_id=dispute.pk)
    services.message_from_party(dispute=dispute, party=wang_wu, shared=False, body="王五私话")
    services.message_from_staff(
        actor=clerk, dispute_id=dispute.pk, party_id=wang_wu.pk, body="给王五的答复"
    )
    services.message_from_party(dispute=dispute, party=li_si, shared=False, body="李四私话")
    services.message_from_party(dispute=dispute, party=wang_wu, shared=True, body="王五对大家说")
    services.message_from_staff(actor=clerk, dispute_id=dispute.pk, body="调解员对大家说")


def test_wang_wus_export_holds_his_messages_and_not_li_sis(
    client, dispute, wang_wu, li_si, village_clerk
):
    _talk(dispute, wang_wu, li_si, village_clerk)
    client.force_login(village_clerk)
    client.post("/privacy/access/", {"key": "13900001111", "reason": "本人现场申请"})
    data = json.loads(client.post(reverse("privacy:access_export"), {"fmt": "json"}).content)
    bodies = {row["body"] for row in data["messages"]}
    assert bodies == {"王五私话", "给王五的答复", "王五对大家说"}


def test_anonymising_the_parties_blanks_the_messages_and_records_it(
    dispute, wang_wu, li_si, village_clerk
):
    _talk(dispute, wang_wu, li_si, village_clerk)
    Dispute.objects.filter(pk=dispute.pk).update(
        status="closed", closed_at=datetime(2026, 3, 5, tzinfo=UTC)
    )
    done = parties_anonymise(closed_before=date(2026, 3, 31))
    assert done.parties == 2
    assert Message.objects.count() == 5  # kept: who wrote when
    assert not [m.body for m in Message.objects.all() if m.body]
    assert Message.objects.filter(blanked_at__isnull=False).count() == 5
    event = events_of(dispute, action="anonymise").get()
    assert event.params["replaced"]["conversations.message"] == {
        "fields": ["body", "file_name"],
        "rows": 5,
    }
    assert "王五私话" not in json.dumps(event.params, ensure_ascii=False)
