"""Disputes for this actor: every view, API call and export fetches through here."""

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from jiefen.disputes.lifecycle import TABLE, Move, Who, moves_from
from jiefen.disputes.models import Dispute
from jiefen.lib.errors import NotFound
from jiefen.org.models import Body, BodyKind
from jiefen.org.scope import memberships, scope_of
from jiefen.regions.models import Region


def disputes_for(
    actor: Any, queryset: QuerySet[Dispute] | None = None, *, region_field: str = "region_code"
) -> QuerySet[Dispute]:
    """Disputes that arose inside the actor's jurisdiction (of `queryset`, if given; the range
    on `region_field`, which the list may name through an alias to steer the query plan)."""
    base = Dispute.objects.all() if queryset is None else queryset
    return scope_of(actor).filter(base, field=region_field)


def dispute_for(
    actor: Any, pk: Any, *, for_update: bool = False, facts: Mapping[str, Any] | None = None
) -> Dispute:
    """The dispute `pk` if the actor may see it; NotFound otherwise — the same answer as for a
    dispute that does not exist. `facts`: annotations read with the row (services.LOCK_FACTS)."""
    queryset = disputes_for(actor)
    try:
        pk = int(pk)
        if for_update:
            # Lock the dispute row alone, in a query without joins: locking the joined holder,
            # region and category rows would queue every write on the village behind this one,
            # and PostgreSQL re-checks a join against the row a concurrent move just changed
            # (a new holder), losing the row — a NotFound where a Conflict is due. FOR NO KEY
            # UPDATE: writers of the dispute still queue behind each other, but a row that only
            # refers to the dispute (a notice, an event of another writer's batch) is not held
            # up, so a batch that has taken the audit chain's head never waits for this lock.
            queryset.select_for_update(no_key=True).values_list("pk", flat=True).get(pk=pk)
        # The page shows the holder's level, the owner, the department and the transfer's
        # receiver: one query with them rather than one for each.
        if facts:
            queryset = queryset.annotate(**facts)
        return queryset.select_related(
            "holder__region",
            "region",
            "category",
            "owner",
            "department",
            "transfer_to",
            "agreement",
        ).get(pk=pk)
    except (Dispute.DoesNotExist, TypeError, ValueError):
        raise NotFound(_not_found()) from None


def dispute_by_number(actor: Any, number: str) -> Dispute:
    try:
        return disputes_for(actor).get(number=number)
    except Dispute.DoesNotExist:
        raise NotFound(_not_found()) from None


def _not_found() -> str:
    from django.utils.translation import gettext

    return gettext("纠纷不存在或不在您的管辖范围内")


# The body one level above a holder, which reviews its "no" (a decline, a refused transfer):
# a village's town centre, a town's county joint meeting, a county's city office.
ABOVE_KIND = {
    BodyKind.VILLAGE_GROUP: BodyKind.TOWN_CENTRE,
    BodyKind.TOWN_CENTRE: BodyKind.COUNTY_MEETING,
    BodyKind.COUNTY_MEETING: BodyKind.CITY_OFFICE,
}


def body_above(holder: Body) -> Body | None:
    kind = ABOVE_KIND.get(BodyKind(holder.kind))
    parent = Region.objects.filter(pk=holder.region_id).values_list("parent_id", flat=True).first()
    if kind is None or parent is None:
        return None
    return Body.objects.filter(kind=kind, region_id=parent, active=True).order_by("pk").first()


def _acting_body_id(dispute: Dispute, move: Move) -> int | None:
    if move.who is Who.HOLDER:
        return dispute.holder_id
    if move.who is Who.RECEIVER:
        return dispute.transfer_to_id
    if move.who is Who.ABOVE:
        above = body_above(dispute.holder)
        return above.pk if above else None
    return dispute.department_id


def roles_by_body(actor: Any) -> dict[int, set[str]]:
    cache: dict[int, set[str]] | None = actor.__dict__.get("_jiefen_roles_by_body")
    if cache is None:
        cache = {}
        for seat in memberships(actor):
            if seat.active:
                cache.setdefault(seat.body_id, set()).add(seat.role)
        actor.__dict__["_jiefen_roles_by_body"] = cache
    return cache


def may_make(actor: Any, dispute: Dispute, move: Move) -> bool:
    """Does the actor hold one of the move's roles in the body that must make it?"""
    if not getattr(actor, "is_active", False):
        return False
    if not scope_of(actor).contains(dispute.region_code):
        return False
    body_id = _acting_body_id(dispute, move)
    if body_id is None:
        return False
    if actor.is_superuser:
        return True
    return bool(roles_by_body(actor).get(body_id, set()) & move.roles)


def available_moves(actor: Any, dispute: Dispute) -> list[Move]:
    """What this actor may do to this dispute now — the buttons to show."""
    return [move for move in moves_from(dispute.status) if may_make(actor, dispute, move)]


def move_of(action: str) -> Move | None:
    return TABLE.get(action)  # type: ignore[call-overload]
