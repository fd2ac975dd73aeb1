"""Reads of the register: the proposal for a dispute (where it belongs, who could mediate it,
with the reasons), the ranking of a body's mediators, a mediator's own queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.disputes.models import Dispute
from jiefen.mediators.catalogue import Route, route_for
from jiefen.mediators.models import Assignment, Mediator
from jiefen.org.models import KIND_LEVEL, Body
from jiefen.org.scope import scope_of
from jiefen.regions.models import Level

RANKED = 5


@dataclass(frozen=True)
class Candidate:
    mediator: Mediator
    body: Body
    takes_matter: bool
    sits_today: bool
    reasons: list[str]


@dataclass
class Proposal:
    level: int
    route: Route | None
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def committee(self) -> Body | None:
        return self.route.entry.committee if self.route else None

    @property
    def department(self) -> Body | None:
        return self.route.entry.department if self.route else None


def mediators_ranked(
    *, body: Body, category_id: int, on: date, limit: int = RANKED
) -> list[Candidate]:
    """The body's mediators in service, best first: those who take the matter, then those who
    sit on the day, then those with fewer open disputes now (a kept count, not a scan)."""
    weekday = str(on.isoweekday())
    takes = Mediator.categories.through.objects.filter(
        mediator_id=OuterRef("pk"), category_id=category_id
    )
    rows = (
        Mediator.objects.filter(bodies=body, active=True)
        .filter(Q(term_ends__isnull=True) | Q(term_ends__gte=on))
        .annotate(
            takes=Exists(takes),
            sits=Case(
                When(weekdays__contains=weekday, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by("-takes", "-sits", "open_cases", "pk")[:limit]
    )
    out = []
    for m in rows:
        reasons = [
            _("擅长此类纠纷") if m.takes else _("未登记擅长此类纠纷"),
            _("今日可调解") if m.sits else _("今日不在可调解日"),
            _("在办 %(n)d 件") % {"n": m.open_cases},
        ]
        if m.full_time:
            reasons.append(_("专职"))
        out.append(
            Candidate(
                mediator=m, body=body, takes_matter=m.takes, sits_today=m.sits, reasons=reasons
            )
        )
    return out


def proposal_for(dispute: Dispute, *, level: int | None = None, on: date | None = None) -> Proposal:
    """Where the dispute belongs at `level` (the holder's tier by default) by the catalogue, and
    who could mediate it: the competent committee's mediators first, then the holder's own."""
    holder = dispute.holder
    if level is None:
        # A transfer waiting at the level above is routed as that level would route it.
        at = dispute.transfer_to if dispute.transfer_to_id else holder
        level = int(KIND_LEVEL.get(at.kind, Level.TOWN))  # type: ignore[call-overload,union-attr]
    # A village's matter is routed as its town would route it.
    route = route_for(dispute, level=min(int(level), int(Level.TOWN)))
    day = on or timezone.localdate()
    proposal = Proposal(level=level, route=route)
    bodies = [route.entry.committee] if route and route.entry.committee else []
    bodies.append(holder)
    for body in bodies:
        proposal.candidates.extend(
            mediators_ranked(body=body, category_id=dispute.category_id, on=day)
        )
    return proposal


def mediators_for(actor: Any) -> QuerySet[Mediator]:
    """The mediators whose appointing body lies in the actor's jurisdiction."""
    return scope_of(actor).filter(Mediator.objects.all(), field="region_code")


def queue_of(mediator: Mediator) -> QuerySet[Assignment]:
    """The mediator's open assignments, oldest first (the assignment_queue index)."""
    return (
        Assignment.objects.filter(mediator=mediator, ended_at__isnull=True)
        .select_related("dispute", "dispute__category", "body")
        .order_by("assigned_at", "pk")
    )


@dataclass(frozen=True)
class Figures:
    """What a mediator's work came to, descriptive only: never a rank, and more disputes
    handled is never worse."""

    handled: int  # disputes the mediator was assigned to
    resolved: int  # of which resolved (办结)
    agreements: int  # of which with a people's mediation agreement
    satisfaction: float | None  # mean of the parties' ratings (1–5) where rated
    # The dashboard's on-time rate (按时办理率) over the level deadlines of the mediator's
    # disputes at the body and during the time they were assigned: a deadline counts once it
    # is due (the dispute left the level, or is still there after the due date) and is met when
    # the dispute left the level on or before it.
    deadlines_due: int = 0
    deadlines_met: int = 0

    @property
    def on_time(self) -> float | None:
        """The share of due deadlines met, a fraction (None when none is due yet)."""
        return self.deadlines_met / self.deadlines_due if self.deadlines_due else None


def mediator_figures(mediator_pks: list[int], *, today: date | None = None) -> dict[int, Figures]:
    """The figures of these mediators, in two grouped queries over their assignments (indexed
    by mediator): the cost follows their own caseloads, not the number of disputes."""
    from django.db.models import Avg, Count, F

    day = today or timezone.localdate()
    rows = (
        Assignment.objects.filter(mediator_id__in=mediator_pks)
        .values("mediator_id")
        .annotate(
            handled=Count("dispute", distinct=True),
            resolved=Count("dispute", filter=Q(dispute__resolved_at__isnull=False), distinct=True),
            agreements=Count("dispute", filter=Q(dispute__agreement__isnull=False), distinct=True),
            satisfaction=Avg("dispute__satisfaction"),
        )
    )
    # The level stays at the assigning body that overlap the assignment; the same rule as
    # metrics.raw's deadlines_due / deadlines_met.
    left = Q(dispute__stays__left_at__isnull=False)
    deadlines = (
        Assignment.objects.filter(mediator_id__in=mediator_pks)
        .filter(
            Q(dispute__stays__body_id=F("body_id")),
            Q(dispute__stays__left_at__isnull=True)
            | Q(dispute__stays__left_at__gte=F("assigned_at")),
            Q(ended_at__isnull=True) | Q(dispute__stays__arrived_at__lte=F("ended_at")),
        )
        .values("mediator_id")
        .annotate(
            met=Count("dispute__stays", filter=left & Q(dispute__stays__met=True), distinct=True),
            due=Count(
                "dispute__stays",
                filter=(left & Q(dispute__stays__met__isnull=False))
                | Q(dispute__stays__left_at__isnull=True, dispute__stays__due_date__lt=day),
                distinct=True,
            ),
        )
    )
    on_time = {r["mediator_id"]: (r["due"], r["met"]) for r in deadlines}
    return {
        r["mediator_id"]: Figures(
            handled=r["handled"],
            resolved=r["resolved"],
            agreements=r["agreements"],
            satisfaction=round(r["satisfaction"], 2) if r["satisfaction"] is not None else None,
            deadlines_due=on_time.get(r["mediator_id"], (0, 0))[0],
            deadlines_met=on_time.get(r["mediator_id"], (0, 0))[1],
        )
        for r in rows
    }


def proposed_department(dispute: Dispute) -> tuple[int, str] | None:
    """The catalogue's department for the dispute at its holder's level (the county's
    assignment form starts on it), with the reason; None when no entry names one."""
    holder = dispute.holder
    level = int(KIND_LEVEL.get(holder.kind, Level.TOWN))  # type: ignore[call-overload]
    route = route_for(dispute, level=min(level, int(Level.TOWN)))
    if route is None or route.entry.department_id is None:
        return None
    return route.entry.department_id, route.reason
