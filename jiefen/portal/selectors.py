"""Reads for the portal: what a party may see of their own dispute, and the region tree.

What a party sees is built here from an allow-list, field by field: the status, the holding
body's name, the deadline, masked party names, and the public events with words rendered now.
Staff names, staff-written reasons (but the reasons of a decline, which are addressed to the
party so that they can ask for a review), phone and ID numbers never leave this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from jiefen.disputes.lifecycle import EVENT_LABELS
from jiefen.disputes.models import Dispute, Event, Outcome, Route, Status
from jiefen.disputes.reads import events_of
from jiefen.lib.personal import mask_name
from jiefen.portal.models import (
    EscalationRequest,
    PartyPhoneCheck,
    ReviewKind,
    ReviewOutcome,
    ReviewRequest,
)
from jiefen.portal.services import (
    ESCALATION_ANSWER,
    ESCALATION_REQUEST,
    REVIEW_ANSWER,
    REVIEW_REQUEST,
)
from jiefen.regions.models import Level, Region


@dataclass(frozen=True)
class PublicEvent:
    at: datetime
    label: str
    body: str
    detail: str
    # Only the party's own words and the answer written to the party.
    text: str


def _status(value: str) -> str:
    return str(Status(value).label) if value in Status.values else ""


def _detail(event: Event) -> str:
    p = event.params or {}
    parts = []
    if event.from_status and event.from_status != event.to_status:
        parts.append(
            _("%(a)s → %(b)s") % {"a": _status(event.from_status), "b": _status(event.to_status)}
        )
    if p.get("outcome") in Outcome.values:
        parts.append(str(Outcome(p["outcome"]).label))
    if p.get("route") in Route.values:
        parts.append(_("建议途径：%(route)s") % {"route": Route(p["route"]).label})
    if event.action == ESCALATION_REQUEST and p.get("answer_due"):
        parts.append(_("答复期限 %(due)s") % {"due": p["answer_due"]})
    if event.action == ESCALATION_ANSWER:
        parts.append(_("同意移送上一级") if p.get("transfer") else _("暂不移送"))
    if event.action == REVIEW_REQUEST and p.get("answer_due"):
        parts.append(_("答复期限 %(due)s") % {"due": p["answer_due"]})
    if event.action == REVIEW_ANSWER and p.get("outcome") in ReviewOutcome.values:
        parts.append(str(ReviewOutcome(p["outcome"]).label))
    if event.action in ("review_reopen", "transfer") and event.actor_id is None:
        # The system's move: a request or review left unanswered past its deadline.
        parts.append(_("逾期未答复，依规自动处理"))
    return "；".join(parts)


def public_timeline(dispute: Dispute) -> list[PublicEvent]:
    rows = (
        events_of(dispute, public=True)
        .select_related("body")
        .only(
            "at", "action", "actor_id", "from_status", "to_status", "params", "reason", "body__name"
        )
        .order_by("id")
    )
    return [
        PublicEvent(
            at=e.at,
            label=str(EVENT_LABELS.get(e.action, "")) or _("办理"),
            body=e.body.name,
            detail=_detail(e),
            # The party's own words, the answers written to the party, and the reasons of a
            # decline (which the party is owed, to be able to ask for a review).
            text=e.reason
            if e.action in (ESCALATION_REQUEST, ESCALATION_ANSWER, REVIEW_REQUEST, REVIEW_ANSWER)
            or e.action == "decline"
            else "",
        )
        for e in rows
    ]


def masked_name(name: str) -> str:
    """李四 → 李*: the first character only, and never the length."""
    return mask_name(name) or "*"


@dataclass(frozen=True)
class PublicParty:
    side: str
    name: str


def public_parties(dispute: Dispute) -> list[PublicParty]:
    return [
        PublicParty(side=str(p.get_side_display()), name=masked_name(p.name))
        for p in dispute.parties.only("side", "name").order_by("side", "id")
    ]


@dataclass(frozen=True)
class PublicRequest:
    requested_at: datetime
    due_date: date | None
    state: str
    answer: str
    transferred: bool
    waiting: bool


def public_requests(dispute: Dispute) -> list[PublicRequest]:
    """The party's requests with their true state: "waiting" only while the body asked is
    still holding the open dispute and owes an answer."""
    out = []
    for r in EscalationRequest.objects.filter(dispute=dispute).order_by("id"):
        if r.answered_at is not None:
            state = _("已答复")
        elif r.auto_escalated_at is not None:
            state = _("逾期未答复，已自动移送上一级")
        elif dispute.holder_id != r.body_id or dispute.transfer_to_id is not None:
            state = _("纠纷已移送上一级，本申请无需再答复")
        elif not dispute.is_open:
            state = _("纠纷已%(status)s，本申请未单独答复") % {"status": _status(dispute.status)}
        else:
            state = _("等待答复")
        out.append(
            PublicRequest(
                requested_at=r.requested_at,
                due_date=r.due_date,
                state=state,
                answer=r.answer,
                transferred=r.transferred,
                waiting=r.is_waiting and state == _("等待答复"),
            )
        )
    return out


@dataclass(frozen=True)
class PublicReview:
    requested_at: datetime
    kind: str
    reviewer: str
    due_date: date
    state: str
    answer: str
    waiting: bool


def public_reviews(dispute: Dispute) -> list[PublicReview]:
    out = []
    for r in (
        ReviewRequest.objects.filter(dispute=dispute).select_related("reviewer").order_by("id")
    ):
        if r.answered_at is not None:
            state = _("已答复：%(outcome)s") % {"outcome": ReviewOutcome(r.outcome).label}
        elif r.auto_escalated_at is not None:
            state = (
                _("逾期未答复，已自动由上一级重新受理")
                if r.kind == ReviewKind.DECLINE
                else _("逾期未答复，已自动移送上一级")
            )
        elif r.kind == ReviewKind.DECLINE and dispute.status != Status.DECLINED:
            state = _("上一级已重新受理")
        elif r.kind == ReviewKind.REFUSAL and (
            dispute.holder_id != r.body_id or dispute.transfer_to_id or not dispute.is_open
        ):
            state = _("纠纷已移送上一级或已办结，本申请无需再答复")
        else:
            state = _("等待上一级答复")
        out.append(
            PublicReview(
                requested_at=r.requested_at,
                kind=str(ReviewKind(r.kind).label),
                reviewer=r.reviewer.name,
                due_date=r.due_date,
                state=state,
                answer=r.answer,
                waiting=r.is_waiting and state == _("等待上一级答复"),
            )
        )
    return out


@dataclass(frozen=True)
class PublicNo:
    """A "no" the party was given: what, by whom, why, and where its review stands: "" (none
    asked), "waiting" (with the reviewer and the deadline) or "upheld" (by the reviewer)."""

    what: str
    body: str
    why: str
    review: str = ""
    reviewer: str = ""
    due_date: date | None = None


def _review_of(dispute: Dispute, no: PublicNo, **match: Any) -> PublicNo:
    asked = (
        ReviewRequest.objects.filter(dispute=dispute, **match)
        .select_related("reviewer")
        .order_by("-id")
        .first()
    )
    if asked is None:
        return no
    if asked.outcome == ReviewOutcome.UPHELD:
        return PublicNo(no.what, no.body, no.why, "upheld", asked.reviewer.name)
    if asked.is_waiting:
        return PublicNo(no.what, no.body, no.why, "waiting", asked.reviewer.name, asked.due_date)
    return no


def public_no(dispute: Dispute) -> PublicNo | None:
    """The decline of a declined dispute, with its reasons (addressed to the party), or the
    latest refusal to transfer while the dispute is still at the body that refused."""
    if dispute.status == Status.DECLINED:
        event = events_of(dispute, action="decline").select_related("body").order_by("-id").first()
        why = event.reason if event else ""
        p = (event.params or {}) if event else {}
        if p.get("route") in Route.values:
            why = f"{why}（{_('建议途径：%(route)s') % {'route': Route(p['route']).label}}）"
        no = PublicNo(what=_("不予受理"), body=dispute.holder.name, why=why)
        return _review_of(dispute, no, kind=ReviewKind.DECLINE, body_id=dispute.holder_id)
    refused = (
        EscalationRequest.objects.filter(
            dispute=dispute, body_id=dispute.holder_id, answered_at__isnull=False, transferred=False
        )
        .order_by("-id")
        .first()
    )
    if refused is not None and dispute.is_open and dispute.transfer_to_id is None:
        no = PublicNo(what=_("不同意移送上一级"), body=dispute.holder.name, why=refused.answer)
        return _review_of(dispute, no, escalation=refused)
    return None


def reviewer_name(dispute: Dispute) -> str:
    from jiefen.disputes.access import body_above

    above = body_above(dispute.holder)
    return above.name if above else ""


# --- regions ------------------------------------------------------------------------------------


def counties() -> list[tuple[int, str]]:
    """County-level units, named with their city so that namesakes differ."""
    rows = Region.objects.filter(level=Level.COUNTY).select_related("parent").order_by("code")
    return [(r.code, f"{r.parent.name} {r.name}" if r.parent else r.name) for r in rows]


def children(code: Any, level: int) -> list[tuple[int, str]]:
    """The units directly under region `code`, which must be of level `level` - 1."""
    try:
        parent = int(code)
    except (TypeError, ValueError):
        return []
    return list(
        Region.objects.filter(parent_id=parent, level=level, parent__level=level - 1)
        .order_by("code")
        .values_list("code", "name")
    )


# --- the staff dispute page (disputes.page) ---------------------------------------------------

PAGE_REQUESTS = 50
# Each check of a party's phone, the voided ones too: a few a party.
PAGE_PHONE_CHECKS = 200


def page_parts_register() -> None:
    """The parties' requests shown at the top of the staff dispute page, and how many wait for
    the holder's answer (the resolve and decline forms ask for it), and the checks of the
    parties' phones, read with the dispute."""
    from django.db.models import OuterRef

    from jiefen.disputes import page
    from jiefen.lib.jsonrows import RowCount

    page.rows(
        "portal.escalations",
        lambda: EscalationRequest.objects.filter(dispute=OuterRef("pk")).order_by("-id")[
            :PAGE_REQUESTS
        ],
        related=("answered_by",),
    )
    page.rows(
        "portal.reviews",
        lambda: ReviewRequest.objects.filter(dispute=OuterRef("pk")).order_by("-id")[
            :PAGE_REQUESTS
        ],
        related=("answered_by", "reviewer", "body"),
    )
    page.rows(
        "portal.phone_checks",
        lambda: PartyPhoneCheck.objects.filter(dispute=OuterRef("pk")).order_by(
            "-verified_at", "-pk"
        )[:PAGE_PHONE_CHECKS],
        related=("verified_by",),
    )
    page.value(
        "portal.waiting",
        lambda: RowCount(
            EscalationRequest.objects.filter(
                dispute=OuterRef("pk"),
                body_id=OuterRef("holder_id"),
                answered_at__isnull=True,
                auto_escalated_at__isnull=True,
            )
        ),
    )
