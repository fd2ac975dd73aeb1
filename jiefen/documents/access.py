"""The parties' answers to an agreement, fetched for the one who asks: staff through the
dispute (disputes.access.dispute_for), a party through itself, so another jurisdiction's
answer, or another party's, is answered exactly as a missing one."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from jiefen.disputes.access import dispute_for
from jiefen.disputes.models import Dispute, Party
from jiefen.documents.models import Assent
from jiefen.lib.errors import NotFound


def assent_for(actor: Any, dispute_id: Any, pk: Any) -> tuple[Dispute, Assent]:
    """The answer `pk` of dispute `dispute_id` if the actor may see the dispute."""
    dispute = dispute_for(actor, dispute_id)
    try:
        return dispute, Assent.objects.defer("signature").get(dispute=dispute, pk=int(pk))
    except (Assent.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("确认记录不存在")) from None


def assent_of_party(party: Party, pk: Any) -> Assent:
    """The answer `pk` if it is `party`'s own (the party the portal proved the browser is)."""
    try:
        return Assent.objects.defer("signature").get(party=party, pk=int(pk))
    except (Assent.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("确认记录不存在")) from None
