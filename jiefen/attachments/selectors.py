"""Reads: the attachments of a dispute the actor may see."""

from __future__ import annotations

from typing import Any

from jiefen.attachments.access import attachments_of
from jiefen.attachments.models import Attachment
from jiefen.attachments.services import may_attach, may_withdraw
from jiefen.attachments.storage import max_bytes
from jiefen.disputes import page
from jiefen.disputes.models import Dispute


def panel_for(actor: Any, dispute: Dispute) -> dict[str, Any]:
    rows = page.part(dispute, "attachments.listed")  # read with the dispute's page
    return {
        "dispute": dispute,
        "attachments": [(row, may_withdraw(actor, row, dispute)) for row in rows],
        "may_attach": may_attach(actor, dispute),
        "max_mb": max_bytes() // (1024 * 1024),
    }


def page_parts_register() -> None:
    """The listed attachments, read with the dispute's row on its page (disputes.page)."""
    from django.db.models import OuterRef

    page.rows(
        "attachments.listed",
        lambda: attachments_of(OuterRef("pk")).order_by(*Attachment._meta.ordering or ["id"]),
        related=("uploaded_by",),
    )
