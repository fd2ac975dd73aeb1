"""The one place that decides what an actor may see and do.

An actor's jurisdiction is the union of the region subtrees of the bodies they hold roles in.
Because region codes nest (see regions.models), each subtree is a range of codes, so every check
is a range comparison and every list a range filter on an indexed column — no recursion, and
objects outside the jurisdiction are never fetched.

Views, the API, commands and exports all ask this module; none decides on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404

from jiefen.regions.models import Level, Region, code_span

if TYPE_CHECKING:
    from jiefen.accounts.models import User
    from jiefen.org.models import Body

Span = tuple[int, int]


def _merge(spans: Iterable[Span]) -> tuple[Span, ...]:
    merged: list[Span] = []
    for low, high in sorted(spans):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


@dataclass(frozen=True)
class Scope:
    """A set of code ranges. `everything` is reserved for superusers."""

    spans: tuple[Span, ...] = ()
    everything: bool = False

    @property
    def empty(self) -> bool:
        return not self.everything and not self.spans

    def contains(self, code: int | None) -> bool:
        if code is None:
            return False
        return self.everything or any(low <= code <= high for low, high in self.spans)

    def covers(self, span: Span) -> bool:
        """Whether the whole range lies inside: a region's subtree, say."""
        low, high = span
        return self.everything or any(a <= low and high <= b for a, b in self.spans)

    def q(self, field: str = "region_code") -> Q:
        if self.everything:
            return Q()
        if not self.spans:
            return Q(pk__in=[])
        condition = Q()
        for low, high in self.spans:
            condition |= Q(**{f"{field}__range": (low, high)})
        return condition

    def filter(self, queryset: QuerySet[Any], field: str = "region_code") -> QuerySet[Any]:
        return queryset.filter(self.q(field))


class RoleHeld(NamedTuple):
    """One role of a person in a body, with what the checks read of the body."""

    body_id: int
    kind: str
    region_code: int
    level: int
    role: str
    active: bool


def memberships(user: User | Any) -> list[RoleHeld]:
    """Every role `user` holds, in active bodies and in closed ones (`active`), read once and
    kept on the user object for the request: the jurisdiction, the buttons, the menu, the
    supervision seats and the second-factor rule all answer from this one query."""
    from jiefen.org.models import Membership

    cached: list[RoleHeld] | None = user.__dict__.get("_jiefen_memberships")
    if cached is None:
        rows = Membership.objects.filter(user=user).values_list(
            "body_id",
            "body__kind",
            "body__region_code",
            "body__region__level",
            "role",
            "body__active",
        )
        cached = [RoleHeld(*row) for row in rows]
        user.__dict__["_jiefen_memberships"] = cached
    return cached


def _memberships(user: User, roles: Iterable[str] | None = None) -> list[tuple[int, int, str]]:
    wanted = set(roles) if roles is not None else None
    return [
        (seat.region_code, seat.level, seat.role)
        for seat in memberships(user)
        if seat.active and (wanted is None or seat.role in wanted)
    ]


def scope_of(user: User | Any, roles: Iterable[str] | None = None) -> Scope:
    """The jurisdiction of `user`, optionally only through memberships with one of `roles`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    cache_key = tuple(sorted(roles)) if roles is not None else None
    cache: dict[Any, Scope] = user.__dict__.setdefault("_jiefen_scopes", {})
    if cache_key not in cache:
        spans = (code_span(code, level) for code, level, _ in _memberships(user, roles))
        cache[cache_key] = Scope(spans=_merge(spans))
    return cache[cache_key]


def roles_at(user: User | Any, code: int) -> set[str]:
    """The roles `user` holds in bodies whose subtree contains region `code`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return {
        role
        for body_code, level, role in _memberships(user)
        if code_span(body_code, level)[0] <= code <= code_span(body_code, level)[1]
    }


def can(user: User | Any, code: int, roles: Iterable[str]) -> bool:
    """May `user` act with one of `roles` on something in region `code`?"""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return bool(roles_at(user, code) & set(roles))


def bodies_for(user: User | Any) -> QuerySet[Body]:
    from jiefen.org.models import Body

    return scope_of(user).filter(Body.objects.select_related("region"))


def body_for(user: User | Any, pk: Any) -> Body:
    """The body `pk` if it lies in the actor's jurisdiction; 404 otherwise, the same answer as
    for a body that does not exist."""
    from jiefen.org.models import Body

    try:
        return bodies_for(user).get(pk=int(pk))
    except (Body.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def region_in(scope: Scope, code: Any) -> Region:
    """Region `code` (its 12 digits, or the leading ones) if its whole subtree lies in `scope`;
    404 otherwise, the same answer as for a code that does not exist."""
    try:
        region = Region.objects.get(code=int(str(code).ljust(12, "0")[:12]))
    except (Region.DoesNotExist, ValueError):
        raise Http404 from None
    if not scope.covers(region.span):
        raise Http404
    return region


def home_region(
    actor: Any, roles: Iterable[str] | None = None, *, widest: int = Level.PROVINCE
) -> Region:
    """The widest region of the actor's jurisdiction (through `roles` only, when given): a
    town head's town, a city evaluator's city — the first by code when they hold roles in
    several units of the same level. One who sees everything starts at the first region of
    level `widest`. 404 for anyone without such a role."""
    scope = scope_of(actor, roles)
    if scope.everything:
        region = Region.objects.filter(level=widest).order_by("code").first()
    else:
        # One filter() call, so that the role and the active body are those of one membership.
        through: dict[str, Any] = {"bodies__memberships__user": actor, "bodies__active": True}
        if roles is not None:
            through["bodies__memberships__role__in"] = roles
        region = Region.objects.filter(**through).order_by("level", "code").first()
    if region is None or not scope.covers(region.span):
        raise Http404
    return region


def region_for(
    actor: Any, code: Any, roles: Iterable[str] | None = None, *, widest: int = Level.PROVINCE
) -> Region:
    """Region `code` if its whole subtree lies in the actor's jurisdiction (through `roles`
    only, when given); their home region for no code; 404 otherwise — the same answer as for
    a code that does not exist."""
    if code in (None, ""):
        return home_region(actor, roles, widest=widest)
    return region_in(scope_of(actor, roles), code)


def staff_for(user: User | Any) -> QuerySet[User]:
    """Staff who hold at least one role in a body inside the actor's jurisdiction."""
    UserModel = get_user_model()
    scope = scope_of(user)
    if scope.everything:
        return UserModel.objects.all()
    return UserModel.objects.filter(scope.q("memberships__body__region_code")).distinct()


def audit_records_q(user: Any) -> Q:
    """The audit records this user may read (jiefen.audit.views), as a filter on Record; Http404
    for anyone without the auditor role. City and province auditors also read the records
    that belong to no region."""
    from jiefen.org.models import Membership, Role

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404
    levels = list(
        Membership.objects.filter(user=user, role=Role.AUDITOR, body__active=True).values_list(
            "body__region__level", flat=True
        )
    )
    if not levels:
        raise Http404
    scope = scope_of(user, roles=[Role.AUDITOR])
    if scope.everything:
        return Q()
    regional = scope.q("region_code")
    if min(levels) <= Level.CITY:
        return regional | Q(region_code__isnull=True)
    return regional
