"""The ways a party proves who they are, besides the dispute's number and query code: the
holding body's check of the party's phone (已核实手机号码), which lets that phone receive
one-time codes (portal.codes); and, by such a code, a new query code for one that was lost.

Both are facts of the dispute's history: each writes one event through
jiefen.disputes.services.dispute_note with the dispute's row locked, and never the phone or
the code itself (the check keeps the phone's keyed digest, the dispute the new code's digest).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.disputes import services as dispute_services
from jiefen.disputes.access import roles_by_body
from jiefen.disputes.models import Dispute, Party
from jiefen.disputes.public import QUERY_ALPHABET, QUERY_LENGTH, query_digest
from jiefen.disputes.reads import parties_of
from jiefen.lib.errors import Conflict, Forbidden, Invalid, NotFound
from jiefen.org.models import Role
from jiefen.portal.models import PartyPhoneCheck

PHONE_CHECK = "party_phone_check"
QUERY_CODE_RECOVER = "query_code_recover"

# Who checks a party's phone: the staff of the holding body, as for the documents' party facts.
CHECK_ROLES = frozenset({Role.CLERK, Role.MEDIATOR, Role.HEAD})


def may_check_phone(actor: Any, dispute: Dispute) -> bool:
    if not getattr(actor, "is_active", False) or not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser:
        return True
    return bool(roles_by_body(actor).get(dispute.holder_id, set()) & CHECK_ROLES)


def phone_seen(party: Party) -> str:
    """What the staff page posts back to say which phone it showed (so a phone changed
    meanwhile is not verified unseen): 16 hex characters of a digest, never the phone."""
    return hashlib.sha256(f"{party.pk}:{party.phone_digest}".encode()).hexdigest()[:16]


def phone_check(
    *, actor: Any, dispute_id: Any, party_id: Any, seen: str, at: datetime | None = None
) -> PartyPhoneCheck:
    """Record that `actor` verified the phone on file as the party's own."""
    now = at or timezone.now()
    with transaction.atomic():
        # A dispute outside the jurisdiction is answered as a missing one.
        dispute = dispute_services.dispute_lock(dispute_id, actor=actor)
        try:
            party = parties_of(dispute).get(pk=int(party_id))
        except (Party.DoesNotExist, TypeError, ValueError):
            raise NotFound(_("当事人不存在或不在您的管辖范围内")) from None
        if not may_check_phone(actor, dispute):
            raise Forbidden(_("只有承办主体的工作人员可以核实当事人的手机号码"))
        if not party.phone_digest or party.anonymised_at is not None:
            raise Invalid(_("该当事人没有登记手机号码，无法核实"))
        if seen != phone_seen(party):
            raise Conflict(_("该当事人的手机号码刚被修改，请核对页面上的号码后重新核实"))
        check = PartyPhoneCheck.objects.create(
            dispute=dispute,
            party=party,
            phone_digest=party.phone_digest,
            verified_at=now,
            verified_by=actor,
        )
        dispute_services.dispute_note(
            dispute=dispute,
            action=PHONE_CHECK,
            actor=actor,
            at=now,
            body_id=dispute.holder_id,
            reason=party.name,
            params={"party": party.pk, "check": check.pk},
        )
    return check


def query_code_recover(*, dispute: Dispute, party: Party, at: datetime | None = None) -> str:
    """A new query code for `dispute`, after `party` proved their verified phone by a one-time
    code: the earlier code stops working (and every browser following with it), the new one
    is returned to be shown once, and the event names the party and the channel, not the code."""
    now = at or timezone.now()
    code = "".join(secrets.choice(QUERY_ALPHABET) for _i in range(QUERY_LENGTH))
    with transaction.atomic():
        locked = dispute_services.dispute_lock(dispute.pk)
        dispute_services.dispute_query_digest_set(dispute=locked, digest=query_digest(code))
        dispute_services.dispute_note(
            dispute=locked,
            action=QUERY_CODE_RECOVER,
            actor=None,
            at=now,
            body_id=locked.holder_id,
            reason=party.name,
            params={"party": party.pk, "channel": "sms"},
        )
    dispute.query_digest = locked.query_digest
    return code
