"""Who may read and write which thread, and the fetches for an actor.

Staff: any member who may see the dispute (disputes.access.dispute_for: its jurisdiction)
reads its threads; the clerks, mediators and heads of the body holding it answer. A party: the
dispute followed with its number and query code (portal.guard) shows the shared thread; the
party's own private thread, and writing anywhere, need the party proved by a one-time code
(portal.identity.current_party). Another party's private thread is answered exactly as a
missing one.
"""

from __future__ import annotations

import hmac
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from jiefen.conversations.models import Message, Thread
from jiefen.disputes.access import dispute_for, roles_by_body
from jiefen.disputes.models import Dispute, Party
from jiefen.disputes.reads import dispute_find, parties_of
from jiefen.lib.errors import NotFound
from jiefen.org.models import Role
from jiefen.org.scope import scope_of
from jiefen.portal import guard

ANSWER_ROLES = frozenset({Role.CLERK, Role.MEDIATOR, Role.HEAD})


def may_answer(actor: Any, dispute: Dispute) -> bool:
    """Staff of the body holding the dispute, within their jurisdiction, write to its parties."""
    if not getattr(actor, "is_active", False):
        return False
    if not scope_of(actor).contains(dispute.region_code):
        return False
    if actor.is_superuser:
        return True
    return bool(roles_by_body(actor).get(dispute.holder_id, set()) & ANSWER_ROLES)


def _missing() -> NotFound:
    return NotFound(_("消息不存在"))


# --- staff ----------------------------------------------------------------------------------


def staff_party_for(actor: Any, dispute_id: Any, party_id: Any) -> tuple[Dispute, Party]:
    """The dispute (for the actor) and one of its parties; NotFound for anything else."""
    dispute = dispute_for(actor, dispute_id)
    try:
        party = parties_of(dispute).filter(pk=int(party_id)).first()
    except (TypeError, ValueError):
        party = None
    if party is None:
        raise NotFound(_("当事人不存在"))
    return dispute, party


def staff_message_for(actor: Any, dispute_id: Any, pk: Any) -> tuple[Dispute, Message]:
    dispute = dispute_for(actor, dispute_id)
    try:
        message = Message.objects.filter(dispute=dispute, pk=int(pk)).exclude(file_stored="")
    except (TypeError, ValueError):
        raise _missing() from None
    found = message.first()
    if found is None:
        raise _missing()
    return dispute, found


# --- parties --------------------------------------------------------------------------------


def followed_dispute(request: HttpRequest) -> Dispute | None:
    """The dispute this browser opened with its number and query code, still valid."""
    remembered = guard.followed(request)
    if remembered is None:
        return None
    pk, digest = remembered
    dispute = dispute_find(pk, related=["holder"])
    if dispute is None or not dispute.query_digest:
        return None
    if not hmac.compare_digest(dispute.query_digest[:16], digest):
        return None
    return dispute


def shared_thread(dispute: Dispute) -> Thread | None:
    return Thread.objects.filter(dispute=dispute, party__isnull=True).first()


def private_thread(dispute: Dispute, party: Party) -> Thread | None:
    return Thread.objects.filter(dispute=dispute, party=party).first()


def party_message_for(dispute: Dispute, party: Party | None, pk: Any) -> Message:
    """A message with a file the party may see: one of the shared thread, or of the party's
    own private thread (only when proved). Another party's is NotFound, as a missing one."""
    try:
        rows = Message.objects.filter(dispute=dispute, pk=int(pk)).exclude(file_stored="")
    except (TypeError, ValueError):
        raise _missing() from None
    found = rows.select_related("thread").first()
    if found is None:
        raise _missing()
    if found.thread.party_id is None:
        return found
    if party is not None and found.thread.party_id == party.pk:
        return found
    raise _missing()
