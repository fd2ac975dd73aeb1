"""What 王五 wrote when asking for another time, and when he joined remotely, are in his
subject-access export; the room's secret is not."""

import json

from jiefen.appointments.services import appointment_reply
from jiefen.appointments.tests.conftest import NOW, at, propose
from jiefen.privacy.subject import subject_data


def test_wang_wus_reply_is_in_his_export(dispute, village_clerk, wang_wu):
    appointment = propose(village_clerk, dispute, at(5, 14), remote=True)
    appointment_reply(
        dispute=dispute, party=wang_wu, appointment_id=appointment.pk, slot_id=None,
        note="周六上午可以", at=NOW,
    )  # fmt: skip
    data = json.dumps(
        subject_data([wang_wu], wang_wu.phone_digest), default=str, ensure_ascii=False
    )
    assert "周六上午可以" in data
    assert appointment.room_secret not in data
