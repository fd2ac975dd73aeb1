"""Services for the parties themselves: filing a dispute without signing in, and finding it
again with its number and query code. Used by the portal, Open311 and the API's public door.

A filed dispute arrives at the body of the place it arose (the village group of a village,
the town centre of a town), registered like any other, with no staff actor.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from jiefen.disputes.models import Category, Channel, Dispute
from jiefen.disputes.services import DisputeInput, PartyInput, dispute_register
from jiefen.lib.errors import Invalid
from jiefen.org.models import Body, BodyKind
from jiefen.regions.models import Level, Region

# No 0/O, 1/I/L: a code read out over the phone must not be misheard. 10 characters of a
# 31-letter alphabet give about 49 bits; wrong guesses are rate-limited by the callers.
QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_LENGTH = 10

PUBLIC_CHANNELS = (Channel.ONLINE, Channel.HOTLINE, Channel.REFERRAL)


@dataclass
class PublicFiling:
    region: Region | None
    category: Category | None
    title: str
    description: str
    parties: list[PartyInput] = field(default_factory=list)
    channel: str = Channel.ONLINE
    people_involved: int | None = 2


def query_digest(code: str) -> str:
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def receiving_body(region: Region) -> Body | None:
    """The body a filing from `region` arrives at: the village group of a village, the town
    centre of a town."""
    kind = {Level.VILLAGE: BodyKind.VILLAGE_GROUP, Level.TOWN: BodyKind.TOWN_CENTRE}.get(
        Level(region.level)
    )
    if kind is None:
        return None
    return Body.objects.filter(region=region, kind=kind, active=True).first()


def dispute_file(
    *, data: PublicFiling, at: datetime | None = None, code: str = ""
) -> tuple[Dispute, str]:
    """File a dispute for a party. Returns the dispute and its query code, which is shown to
    the party once and never stored: random, or `code` when the caller derives it (the
    portal, from its form's one-time challenge, to show it again to a resubmitted form)."""
    if data.channel not in PUBLIC_CHANNELS:
        raise Invalid(_("来源无效"), fields={"channel": [_("来源无效")]})
    if data.region is None:
        raise Invalid(_("请选择发生地"), fields={"region": [_("请选择发生地（村或社区）")]})
    body = receiving_body(data.region)
    if body is None:
        raise Invalid(
            _("请选择到村（社区）或乡镇（街道）"),
            fields={"region": [_("请选择到村（社区）或乡镇（街道）")]},
        )
    code = code or "".join(secrets.choice(QUERY_ALPHABET) for _i in range(QUERY_LENGTH))
    dispute = dispute_register(
        actor=None,
        data=DisputeInput(
            body=body,
            category=data.category,
            channel=data.channel,
            region=data.region,
            title=data.title,
            description=data.description,
            people_involved=data.people_involved,
            parties=data.parties,
        ),
        at=at,
        query_digest=query_digest(code),
    )
    return dispute, code


def dispute_by_query(*, number: str, code: str) -> Dispute | None:
    """The dispute with this number if the code matches; None otherwise, in the same time
    whether the number exists or not."""
    number = (number or "").strip()
    found: Any = (
        Dispute.objects.select_related("holder", "category", "region").filter(number=number).first()
    )
    expected = found.query_digest if found is not None else "0" * 64
    if not hmac.compare_digest(expected, query_digest(code or "")):
        return None
    return found if found is not None and found.query_digest else None
