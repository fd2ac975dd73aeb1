"""Reads: the attachments of a dispute the actor may see."""

from __future__ import annotations

from typing import Any

from jiefen.attachments.access import attachments_of
from jiefen.attachments.services import may_attach, may_withdraw
from jiefen.attachments.storage import max_bytes
from jiefen.disputes.models import Dispute


def panel_for(actor: Any, dispute: Dispute) -> dict[str, Any]:
    rows = list(attachments_of(dispute))
    return {
        "dispute": dispute,
        "attachments": [(row, may_withdraw(actor, row, dispute)) for row in rows],
        "may_attach": may_attach(actor, dispute),
        "max_mb": max_bytes() // (1024 * 1024),
    }
