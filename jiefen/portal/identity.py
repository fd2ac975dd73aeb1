"""Which party of a dispute the person in the portal is.

The dispute's number and query code open its space (guard.followed): the shared thread, the
sessions, what happens next. Whatever is one party's own (the private thread with the
mediator, that party's confirmation of the agreement, a reply to a proposed session time, an
identity document for the court) needs to know which party it is. A browser becomes a party
by a way in that proves it (a one-time code sent by SMS to the phone the holder verified, see
portal.codes); this module remembers the answer in a signed cookie for half an hour.

The cookie holds the dispute's id, the party's id and part of a digest of the party's phone
on file, never the phone: a phone changed or removed by staff, or a party anonymised, ends
the remembered identity at once.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db.models import F
from django.http import HttpRequest, HttpResponse

from jiefen.disputes.models import Dispute, Party
from jiefen.disputes.reads import parties_of, parties_of_number
from jiefen.portal.models import PartyPhoneCheck

PARTY_COOKIE = "jiefen_party"
PARTY_SALT = "jiefen.portal.party"
PARTY_MAX_AGE = 30 * 60
PATH = "/public/"


def _proof(party: Party) -> str:
    """16 hex characters bound to the party and its phone on file."""
    basis = f"{party.pk}:{party.dispute_id}:{party.phone_digest}".encode()
    return hashlib.sha256(basis).hexdigest()[:16]


def party_remember(response: HttpResponse, party: Party) -> None:
    """Remember for half an hour that this browser proved to be `party`."""
    response.set_signed_cookie(
        PARTY_COOKIE,
        f"{party.dispute_id}:{party.pk}:{_proof(party)}",
        salt=PARTY_SALT,
        max_age=PARTY_MAX_AGE,
        path=PATH,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def party_forget(response: HttpResponse) -> None:
    response.delete_cookie(PARTY_COOKIE, path=PATH, samesite="Lax")


def remembered(request: HttpRequest) -> tuple[int, int, str] | None:
    """(dispute id, party id, proof) from a valid, unexpired cookie, or None."""
    raw = request.get_signed_cookie(
        PARTY_COOKIE, default=None, salt=PARTY_SALT, max_age=PARTY_MAX_AGE
    )
    parts = (raw or "").split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    return int(parts[0]), int(parts[1]), parts[2]


def current_party(request: HttpRequest, dispute: Dispute) -> Party | None:
    """The party of `dispute` this browser proved to be, or None (not proved, another
    dispute, the phone changed since, or the party anonymised)."""
    found = remembered(request)
    if found is None or found[0] != dispute.pk:
        return None
    party = parties_of(dispute, pk=found[1]).first()
    if party is None or party.anonymised_at is not None or not party.phone_digest:
        return None
    if not hmac.compare_digest(_proof(party), found[2]):
        return None
    return party


def phone_verified(party: Party) -> bool:
    """Whether staff of the holding body verified the phone now on file as the party's own
    (PartyPhoneCheck of the same digest): only such a phone receives the codes of the ways in
    and of the agreement's confirmation."""
    if not party.phone_digest or party.anonymised_at is not None:
        return False
    return PartyPhoneCheck.objects.filter(
        party_id=party.pk, phone_digest=party.phone_digest
    ).exists()


def verified_parties(dispute: Dispute) -> list[Party]:
    """The parties of `dispute` whose phone on file is verified, in one query."""
    return list(
        parties_of(
            dispute.pk,
            anonymised_at__isnull=True,
            phone_checks__phone_digest=F("phone_digest"),
        )
        .exclude(phone_digest="")
        .distinct()
        .order_by("side", "pk")
    )


def party_for_number(number: str, phone_digest: str) -> Party | None:
    """The party of the dispute numbered `number` with this verified phone; None otherwise."""
    if not phone_digest:
        return None
    return (
        parties_of_number(
            (number or "").strip(),
            anonymised_at__isnull=True,
            phone_digest=phone_digest,
            phone_checks__phone_digest=phone_digest,
        )
        .select_related("dispute", "dispute__holder")
        .order_by("pk")
        .first()
    )
