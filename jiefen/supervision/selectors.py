"""Reads for the supervision pages: always through the actor's jurisdiction (scope), with
keyset pagination and no full-table counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.disputes import page
from jiefen.disputes.models import OPEN_STATUSES, Dispute, Status
from jiefen.org.choices import body_groups
from jiefen.org.models import BodyKind
from jiefen.org.scope import scope_of
from jiefen.regions.models import Level, Region, code_span
from jiefen.supervision import access
from jiefen.supervision.models import (
    Campaign,
    CampaignItem,
    Extension,
    ExtensionStatus,
    LeaderOwnership,
    Notification,
    OwnershipStatus,
    ProgressNote,
    SupervisionOrder,
)
from jiefen.supervision.notifications import kind_label, notification_text, scrub

PAGE = 50
BELL_CAP = 99
# A leader's progress is due this often (calendar days).
NOTE_EVERY = 15
RESOLVED = (Status.RESOLVED, Status.VISITED, Status.CLOSED)


# ---------------------------------------------------------------------------------------------
# Notifications


def unread_count(user: Any) -> int:
    """Unread notifications, counted up to BELL_CAP + 1 (the bell shows "99+")."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return (
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .values("pk")[: BELL_CAP + 1]
        .count()
    )


@dataclass
class NotificationRow:
    notification: Notification
    text: str
    label: str
    title: str


def notifications_for(
    user: Any, *, before: int | None = None, unread: bool = False
) -> tuple[list[NotificationRow], int | None]:
    """A page of the user's notifications, newest first, and the id to page on (or None)."""
    rows = Notification.objects.filter(recipient=user).select_related("dispute")
    if unread:
        rows = rows.filter(read_at__isnull=True)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(rows.order_by("-id")[: PAGE + 1])
    more = page[PAGE - 1].pk if len(page) > PAGE else None
    return [
        NotificationRow(
            notification=n,
            text=notification_text(n),
            label=kind_label(n.kind),
            title=scrub(n.dispute.title) if n.dispute else "",
        )
        for n in page[:PAGE]
    ], more


# ---------------------------------------------------------------------------------------------
# Orders


def orders_open_for(
    actor: Any, *, after: tuple[date, int] | None = None, limit: int = 100
) -> tuple[list[SupervisionOrder], tuple[date, int] | None]:
    """Open (unanswered) orders on disputes in the actor's jurisdiction, soonest due first;
    the keyset of the next page, if any."""
    rows = scope_of(actor).filter(
        SupervisionOrder.objects.filter(answered_at__isnull=True).select_related(
            "dispute", "to_body", "issuer_body", "issued_by"
        )
    )
    if after is not None:
        due, pk = after
        rows = rows.filter(Q(due_date__gt=due) | Q(due_date=due, pk__gt=pk))
    page = list(rows.order_by("due_date", "id")[: limit + 1])
    following = (page[limit - 1].due_date, page[limit - 1].pk) if len(page) > limit else None
    return page[:limit], following


# ---------------------------------------------------------------------------------------------
# Leaders


@dataclass
class OwnedDispute:
    ownership: LeaderOwnership
    dispute: Dispute
    next_step: str
    urgent: bool
    pending: Extension | None = None
    open_orders: list[SupervisionOrder] = field(default_factory=list)


def owned_by(leader: Any, *, today: date | None = None) -> list[OwnedDispute]:
    """The leader's own disputes (active ownerships first, then the last signed off), each
    with its next step."""
    today = today or timezone.localdate()
    ownerships = list(
        LeaderOwnership.objects.filter(leader=leader)
        .exclude(status=OwnershipStatus.REPLACED)
        .select_related("dispute", "dispute__holder", "leader_body")
        .order_by("status", "target_date", "id")[:200]
    )
    ids = [o.pk for o in ownerships]
    pending = {
        e.ownership_id: e
        for e in Extension.objects.filter(ownership_id__in=ids, status=ExtensionStatus.PENDING)
    }
    last_note: dict[int, Any] = {}
    from jiefen.supervision.models import ProgressNote

    for ownership_id, at in ProgressNote.objects.filter(ownership_id__in=ids).values_list(
        "ownership_id", "at"
    ):
        last_note[ownership_id] = max(at, last_note.get(ownership_id, at))
    orders: dict[int, list[SupervisionOrder]] = {}
    for order in SupervisionOrder.objects.filter(
        dispute_id__in=[o.dispute_id for o in ownerships], answered_at__isnull=True
    ).order_by("due_date"):
        orders.setdefault(order.dispute_id, []).append(order)
    found = []
    for o in ownerships:
        step, urgent = _next_step(o, today, pending.get(o.pk), last_note.get(o.pk), orders)
        found.append(
            OwnedDispute(
                ownership=o,
                dispute=o.dispute,
                next_step=step,
                urgent=urgent,
                pending=pending.get(o.pk),
                open_orders=orders.get(o.dispute_id, []),
            )
        )
    return found


def _next_step(
    o: LeaderOwnership,
    today: date,
    pending: Extension | None,
    last_note: Any,
    orders: dict[int, list[SupervisionOrder]],
) -> tuple[str, bool]:
    if o.status == OwnershipStatus.SIGNED_OFF:
        return _("已销号"), False
    if o.dispute.status in RESOLVED:
        return _("纠纷已办结，请签字销号"), True
    if o.dispute.status == Status.DECLINED:
        return _("纠纷不予受理，请与承办单位核实"), True
    waiting = orders.get(o.dispute_id)
    if waiting:
        return _("督办待答复，%(date)s 到期") % {"date": waiting[0].due_date.isoformat()}, (
            waiting[0].due_date <= today
        )
    if pending is not None:
        return _("延期申请（至 %(date)s）待审批") % {"date": pending.new_date.isoformat()}, False
    if o.target_date < today:
        return _("已超过目标日期 %(date)s，请推动化解或申请延期") % {
            "date": o.target_date.isoformat()
        }, True
    noted = timezone.localdate(last_note) if last_note else timezone.localdate(o.assigned_at)
    if noted <= today - timedelta(days=NOTE_EVERY):
        return _("请填写近期进展（上次：%(date)s）") % {"date": noted.isoformat()}, True
    return _("按方案推进，目标日期 %(date)s") % {"date": o.target_date.isoformat()}, False


def extensions_to_decide(actor: Any) -> list[Extension]:
    """Requests for more time the actor may decide, oldest first."""
    rows = (
        scope_of(actor)
        .filter(
            Extension.objects.filter(status=ExtensionStatus.PENDING).select_related(
                "ownership", "ownership__dispute", "ownership__leader", "ownership__leader_body"
            ),
            "ownership__dispute__region_code",
        )
        .order_by("requested_at", "id")[:200]
    )
    return [
        e
        for e in rows
        if e.requested_by_id != actor.pk and access.may_approve_extension(actor, e.ownership)
    ]


# ---------------------------------------------------------------------------------------------
# The dispute page's section


def panel_for(actor: Any, dispute: Dispute, *, today: date | None = None) -> dict[str, Any]:
    """What the supervision section of a dispute page shows this actor, and which forms. Its
    rows are read with the dispute by the page (disputes.page; declared below)."""
    today = today or timezone.localdate()
    orders = page.part(dispute, "supervision.orders")
    # The active ownership, or else the last signed off (a dispute has a few).
    owned = page.part(dispute, "supervision.ownerships")
    ownership = next((o for o in owned if o.status == OwnershipStatus.ACTIVE), None)
    if ownership is not None:
        ownership.dispute = dispute
    last = None
    if ownership is None:
        last = next((o for o in owned if o.status == OwnershipStatus.SIGNED_OFF), None)
    is_open = dispute.status in OPEN_STATUSES
    receivers = (
        access.order_receivers(actor, dispute, candidates=page.part(dispute, "supervision.bodies"))
        if is_open
        else []
    )
    holder_level = int(dispute.holder.region.level)
    may_assign = is_open and (
        actor.is_superuser or access.assigning_seat(actor, dispute, holder_level) is not None
    )
    context: dict[str, Any] = {
        "dispute": dispute,
        "today": today,
        "orders": [
            {
                "order": order,
                "overdue": order.answered_at is None and order.due_date < today,
                "may_answer": order.answered_at is None and access.may_answer(actor, order),
            }
            for order in orders
        ],
        "receivers": receivers,
        # Grouped and sorted for the choice; the one that should answer first stays chosen.
        "receiver_groups": body_groups(receivers),
        "receiver_default": receivers[0].pk if receivers else None,
        "may_urge": is_open
        and (actor.is_superuser or access.urging_seat(actor, dispute) is not None),
        "ownership": ownership,
        "signed_off": last,
        "may_assign": may_assign,
        "leaders": page.part(dispute, "supervision.leaders") if may_assign else [],
    }
    if ownership is not None:
        # Read for the newest active ownership, which is `ownership`.
        pending = next(
            (
                e
                for e in page.part(dispute, "supervision.pending")
                if e.ownership_id == ownership.pk
            ),
            None,
        )
        notes = [
            n for n in page.part(dispute, "supervision.notes") if n.ownership_id == ownership.pk
        ]
        context.update(
            {
                "notes": notes,
                "pending": pending,
                "may_note": access.may_note(actor, ownership),
                "may_extend": pending is None
                and actor.pk in (ownership.leader_id, dispute.owner_id),
                "may_decide": pending is not None
                and pending.requested_by_id != actor.pk
                and access.may_approve_extension(actor, ownership),
                "may_sign_off": dispute.status in RESOLVED
                and (actor.pk == ownership.leader_id or actor.is_superuser),
            }
        )
    return context


PAGE_ORDERS = 20
PAGE_NOTES = 10
PAGE_LEADERS = 50


def page_parts_register() -> None:
    """What the supervision section reads, declared for the dispute page's one read: the last
    orders, the ownerships in force or signed off, the newest active ownership's pending
    request for more time and last notes, the bodies covering the dispute's place (who may
    receive an order) and the leaders among their staff."""
    from django.db.models import OuterRef, Subquery

    from jiefen.accounts.models import User
    from jiefen.org.models import Body, Membership, Role

    def active_ownership(ref: Any) -> Subquery:
        return Subquery(
            LeaderOwnership.objects.filter(dispute=ref, status=OwnershipStatus.ACTIVE)
            .order_by("-id")
            .values("id")[:1]
        )

    page.rows(
        "supervision.orders",
        lambda: SupervisionOrder.objects.filter(dispute=OuterRef("pk")).order_by("-id")[
            :PAGE_ORDERS
        ],
        related=("to_body", "issuer_body", "issued_by", "answered_by"),
    )
    page.rows(
        "supervision.ownerships",
        lambda: LeaderOwnership.objects.filter(
            dispute=OuterRef("pk"),
            status__in=(OwnershipStatus.ACTIVE, OwnershipStatus.SIGNED_OFF),
        ).order_by("-id"),
        related=("leader", "leader_body__region"),
    )
    page.rows(
        "supervision.pending",
        lambda: Extension.objects.filter(
            ownership_id=active_ownership(OuterRef(OuterRef("pk"))),
            status=ExtensionStatus.PENDING,
        ).order_by("id")[:1],
    )
    page.rows(
        "supervision.notes",
        lambda: ProgressNote.objects.filter(
            ownership_id=active_ownership(OuterRef(OuterRef("pk")))
        ).order_by("-id")[:PAGE_NOTES],
        related=("author",),
    )
    page.rows(
        "supervision.bodies",
        lambda: Body.objects.filter(access.covering_q(OuterRef("region_code")), active=True),
        related=("region", "department_type"),
    )
    page.rows(
        "supervision.leaders",
        lambda: User.objects.filter(
            is_active=True,
            pk__in=Membership.objects.filter(
                access.covering_q(OuterRef(OuterRef("region_code")), "body__region_id"),
                role=Role.LEADER,
                body__active=True,
            ).values("user_id"),
        ).order_by("full_name", "username")[:PAGE_LEADERS],
    )


# ---------------------------------------------------------------------------------------------
# Campaigns


def campaign_regions(actor: Any) -> list[Region]:
    """Regions the actor may run a campaign in: those of the tier bodies where they are head or
    supervisor, and the towns under a county."""
    found: dict[int, Region] = {}
    codes = {
        s.region_code
        for s in access.seats(actor)
        if s.role in access.ISSUERS and s.kind != BodyKind.DEPARTMENT
    }
    for region in Region.objects.filter(code__in=codes):
        found[region.code] = region
        if region.level <= Level.COUNTY:
            low, high = region.span
            for town in Region.objects.filter(code__range=(low, high), level=Level.TOWN)[:200]:
                found[town.code] = town
    return sorted(found.values(), key=lambda r: r.code)


def town_of(code: int) -> int:
    return code_span(code, Level.TOWN)[0]


def campaign_result(campaign: Campaign) -> dict[str, Any]:
    """Counts resolved, closed and still open against the total, overall and by town."""
    by_town: dict[int, dict[str, int]] = {}
    for code, status in CampaignItem.objects.filter(campaign=campaign).values_list(
        "region_code", "dispute__status"
    ):
        row = by_town.setdefault(town_of(code), {"total": 0, "resolved": 0, "closed": 0})
        row["total"] += 1
        if status in (Status.RESOLVED, Status.VISITED):
            row["resolved"] += 1
        elif status in (Status.CLOSED, Status.DECLINED):
            row["closed"] += 1
    names = dict(Region.objects.filter(code__in=list(by_town)).values_list("code", "name"))
    towns = []
    for code in sorted(by_town):
        row = by_town[code]
        towns.append({"code": code, "name": names.get(code, str(code)), **_rates(row)})
    total = {
        key: sum(row[key] for row in by_town.values()) for key in ("total", "resolved", "closed")
    }
    return {"total": _rates(total), "towns": towns}


def _rates(row: dict[str, int]) -> dict[str, Any]:
    done = row["resolved"] + row["closed"]
    return {
        **row,
        "open": row["total"] - done,
        "done_percent": round(100 * done / row["total"], 1) if row["total"] else 0.0,
    }


def campaign_items(campaign: Campaign, *, after: int | None = None, limit: int = 200) -> Any:
    rows = CampaignItem.objects.filter(campaign=campaign).select_related(
        "dispute", "owner", "leader"
    )
    if after is not None:
        rows = rows.filter(pk__gt=after)
    page = list(rows.order_by("id")[: limit + 1])
    following = page[limit - 1].pk if len(page) > limit else None
    return page[:limit], following
