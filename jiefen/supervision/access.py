"""Who may supervise whom: the seats (a role in a body) an actor holds over a dispute.

The jurisdiction itself comes from jiefen.org.scope and jiefen.disputes.access (disputes are
fetched through dispute_for, so a dispute outside the actor's jurisdiction is never seen);
this module only adds the question of rank between bodies:

- a body ranks above another when its region is at a higher level (county above town above
  village), or at the same level when the other is a member department (the joint meeting or
  centre coordinates its departments);
- supervision orders are issued by a head in a body ranking above the receiver, or by a
  supervisor (督查员) in a body at the receiver's level or above;
- a leader (包案领导) must hold the leader role in a body whose jurisdiction covers the dispute,
  and a request for more time is approved by a leader or head in a body above the leader's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from jiefen.disputes.models import Dispute
from jiefen.org.models import Body, BodyKind, Membership, Role
from jiefen.org.scope import memberships
from jiefen.regions.models import LEVEL_DIGITS, Level, code_span

if TYPE_CHECKING:
    from jiefen.accounts.models import User
    from jiefen.supervision.models import (
        Campaign,
        CampaignItem,
        Extension,
        LeaderOwnership,
        SupervisionOrder,
    )

STAFF = frozenset({Role.CLERK, Role.MEDIATOR, Role.HEAD})
ISSUERS = frozenset({Role.HEAD, Role.SUPERVISOR})
URGERS = frozenset({Role.HEAD, Role.SUPERVISOR, Role.LEADER})


@dataclass(frozen=True)
class Seat:
    """A role held in a body."""

    body_id: int
    kind: str
    region_code: int
    level: int
    role: str

    def covers(self, code: int) -> bool:
        low, high = code_span(self.region_code, self.level)
        return low <= code <= high


def seats(user: Any) -> list[Seat]:
    """Every role `user` holds in an active body; cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached: list[Seat] | None = user.__dict__.get("_jiefen_seats")
    if cached is None:
        cached = [
            Seat(m.body_id, m.kind, m.region_code, m.level, m.role)
            for m in memberships(user)
            if m.active
        ]
        user.__dict__["_jiefen_seats"] = cached
    return cached


def level_of(body: Body) -> int:
    return int(body.region.level)


def covers(body: Body, code: int) -> bool:
    low, high = code_span(body.region_code, level_of(body))
    return low <= code <= high


def outranks(seat: Seat, receiver: Body) -> bool:
    """Does the seat's body stand above `receiver` for a supervision order?"""
    if seat.kind == BodyKind.DEPARTMENT:
        return False
    receiver_level = level_of(receiver)
    if seat.role == Role.SUPERVISOR:
        return seat.level <= receiver_level
    if seat.level < receiver_level:
        return True
    return seat.level == receiver_level and receiver.kind == BodyKind.DEPARTMENT


def _is_super(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def issuing_seat(actor: Any, dispute: Dispute, to_body: Body) -> Seat | None:
    """The seat the actor would issue an order to `to_body` on `dispute` from, if any: the
    highest one, so the order goes out in the most senior body's name."""
    found = [
        seat
        for seat in seats(actor)
        if seat.role in ISSUERS
        and seat.covers(dispute.region_code)
        and seat.covers(to_body.region_code)
        and outranks(seat, to_body)
    ]
    return min(found, key=lambda s: (s.level, s.body_id)) if found else None


def bodies_covering(dispute: Dispute) -> QuerySet[Body]:
    """The active bodies whose jurisdiction contains the dispute's place: its village group,
    town centre, county joint meeting and city office, and the departments at those levels."""
    level = int(dispute.region.level)
    codes = {code_span(dispute.region_code, lv)[0] for lv in Level.values if lv <= level}
    return Body.objects.filter(region_id__in=codes, active=True).select_related(
        "region", "department_type"
    )


def covering_q(code: Any, field: str = "region_id") -> Q:
    """Bodies whose region is the place `code` (a dispute's region_code, or an expression of
    it) or one of the places above it: the same bodies as bodies_covering, written for a
    subquery. A code at a level above the village repeats itself at the lower levels."""
    condition = Q(**{field: code})
    for level in (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWN):
        width = 10 ** (12 - LEVEL_DIGITS[level])
        condition |= Q(**{field: code - code % width})
    return condition


def order_receivers(
    actor: Any, dispute: Dispute, *, candidates: list[Body] | None = None
) -> list[Body]:
    """The bodies the actor may send an order on this dispute to, the one that should answer
    first: the page's choice defaults to it. `candidates`: bodies_covering(dispute), when the
    page has read them already."""
    candidates = list(bodies_covering(dispute) if candidates is None else candidates)
    for extra in (dispute.department, dispute.transfer_to):
        if extra is not None and all(b.pk != extra.pk for b in candidates):
            candidates.append(extra)
    allowed = [
        body
        for body in candidates
        if body.kind != BodyKind.CITY_OFFICE
        and (_is_super(actor) or issuing_seat(actor, dispute, body) is not None)
    ]
    # The department working on it first, then the holder, then the tier bodies nearest the
    # holder's (not the village group that merely registered it when a town is nearer).
    holder_level = int(dispute.holder.region.level)
    return sorted(
        allowed,
        key=lambda b: (
            b.pk != dispute.department_id,
            b.pk != dispute.holder_id,
            b.kind == BodyKind.DEPARTMENT,
            abs(level_of(b) - holder_level),
            b.pk,
        ),
    )


def may_answer(actor: Any, order: SupervisionOrder) -> bool:
    if _is_super(actor):
        return True
    return any(s.body_id == order.to_body_id and s.role in STAFF for s in seats(actor))


def urging_seat(actor: Any, dispute: Dispute) -> Seat | None:
    found = [s for s in seats(actor) if s.role in URGERS and s.covers(dispute.region_code)]
    return min(found, key=lambda s: (s.level, s.body_id)) if found else None


def assigning_seat(actor: Any, dispute: Dispute, holder_level: int) -> Seat | None:
    """A head (or supervisor) in a tier body at the holder's level or above may name the
    leader; the joint meeting's decisions come through its chair, who holds such a seat."""
    found = [
        s
        for s in seats(actor)
        if s.role in ISSUERS
        and s.kind != BodyKind.DEPARTMENT
        and s.covers(dispute.region_code)
        and s.level <= holder_level
    ]
    return min(found, key=lambda s: (s.level, s.body_id)) if found else None


def leader_seat(user: Any, dispute: Dispute) -> Seat | None:
    """The highest body in which `user` holds the leader role over the dispute's place."""
    found = [s for s in seats(user) if s.role == Role.LEADER and s.covers(dispute.region_code)]
    return min(found, key=lambda s: (s.level, s.body_id)) if found else None


def leaders_for(dispute: Dispute) -> QuerySet[User]:
    """Staff who may own the dispute as its leader."""
    from jiefen.accounts.models import User

    bodies = bodies_covering(dispute).values("pk")
    return (
        User.objects.filter(
            is_active=True,
            memberships__role=Role.LEADER,
            memberships__body__in=bodies,
        )
        .distinct()
        .order_by("full_name", "username")
    )


def may_approve_extension(actor: Any, ownership: LeaderOwnership) -> bool:
    if _is_super(actor):
        return True
    leader_level = level_of(ownership.leader_body)
    code = ownership.dispute.region_code
    return any(
        s.role in (Role.LEADER, Role.HEAD)
        and s.kind != BodyKind.DEPARTMENT
        and s.covers(code)
        and s.level < leader_level
        for s in seats(actor)
    )


def may_note(actor: Any, ownership: LeaderOwnership) -> bool:
    """The leader, and the staff of the body holding the dispute, report progress."""
    if _is_super(actor) or actor.pk == ownership.leader_id:
        return True
    holder = ownership.dispute.holder_id
    return any(s.body_id == holder and s.role in STAFF for s in seats(actor))


def heads_of(body_ids: Any) -> dict[int, list[int]]:
    """Who answers for each body, by body id: its active heads; for a body with no head (a
    village group or a department staffed by clerks alone), its active clerks, so that what
    the body must do never reaches nobody."""
    found: dict[int, list[int]] = {}
    clerks: dict[int, list[int]] = {}
    for body_id, user_id, role in (
        Membership.objects.filter(
            body_id__in=list(body_ids), role__in=(Role.HEAD, Role.CLERK), user__is_active=True
        )
        .order_by("body_id", "user_id")
        .values_list("body_id", "user_id", "role")
    ):
        (found if role == Role.HEAD else clerks).setdefault(body_id, []).append(user_id)
    for body_id, users in clerks.items():
        found.setdefault(body_id, users)
    return found


# --- one helper per object: fetched for this actor, a foreign one answered as a missing one ----


def ownership_for(actor: Any, pk: Any) -> LeaderOwnership:
    """The leader ownership `pk` if the actor may see its dispute; NotFound otherwise — the
    same answer as for an ownership that does not exist (as disputes.access.dispute_for)."""
    from django.utils.translation import gettext as _

    from jiefen.lib.errors import NotFound
    from jiefen.org.scope import scope_of
    from jiefen.supervision.models import LeaderOwnership

    try:
        return (
            scope_of(actor)
            .filter(LeaderOwnership.objects.all(), "dispute__region_code")
            .get(pk=int(pk))
        )
    except (LeaderOwnership.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("包案记录不存在或不在您的管辖范围内")) from None


def extension_for(actor: Any, pk: Any) -> Extension:
    """The request for more time `pk` if the actor may see its ownership's dispute; NotFound
    otherwise, as for one that does not exist."""
    from django.utils.translation import gettext as _

    from jiefen.lib.errors import NotFound
    from jiefen.org.scope import scope_of
    from jiefen.supervision.models import Extension

    try:
        return (
            scope_of(actor)
            .filter(Extension.objects.all(), "ownership__dispute__region_code")
            .select_related("ownership")
            .get(pk=int(pk))
        )
    except (Extension.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("延期申请不存在或不在您的管辖范围内")) from None


def campaigns_for(actor: Any) -> QuerySet[Campaign]:
    """Campaigns whose region lies in the actor's jurisdiction."""
    from jiefen.org.scope import scope_of
    from jiefen.supervision.models import Campaign

    return scope_of(actor).filter(Campaign.objects.select_related("region"), "region__code")


def campaign_for(actor: Any, pk: Any) -> Campaign:
    """The campaign if its region lies in the actor's jurisdiction; DoesNotExist otherwise."""
    return campaigns_for(actor).get(pk=int(pk))


def campaign_item_for(actor: Any, campaign_pk: Any, pk: Any) -> tuple[Campaign, CampaignItem]:
    """The campaign and its item `pk`, if the campaign's region lies in the actor's
    jurisdiction; DoesNotExist otherwise — the same for another campaign's item."""
    from jiefen.supervision.models import CampaignItem

    campaign = campaign_for(actor, campaign_pk)
    item = CampaignItem.objects.select_related("dispute__region", "owner", "leader").get(
        pk=pk, campaign=campaign
    )
    return campaign, item
