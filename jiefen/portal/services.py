"""The parties' own writes: asking to go up a level, and rating the result; and the holder's
answer to such a request, and the sweep that sends an unanswered request up by itself.

Each write locks the dispute row first (the same order as jiefen.disputes.services, so no two
writers wait on each other crosswise) and appends exactly one event of its own through
jiefen.disputes.services.event_append (which also feeds the rollups). Moves of the dispute
itself go through jiefen.disputes.services and nothing else.

Every event carries the dispute's current deadline in params "due" / "due_action" / "due_rule",
as the moves' events do: the overdue rollups read the latest event's "due" as the dispute's
deadline. The deadline to answer a request is therefore "answer_due", not "due".

Asking is never held against anyone: a request is recorded whatever the state of the dispute's
other requests, is never throttled, and changes nothing about the party or the dispute but the
duty to answer it.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.calendars.services import calendar_current
from jiefen.disputes import services as dispute_services
from jiefen.disputes.access import dispute_for, roles_by_body
from jiefen.disputes.deadlines import facts_of
from jiefen.disputes.lifecycle import (
    TABLE,
    Action,
    Conflict,
    DisputeError,
    Forbidden,
    IllegalMove,
    Invalid,
    NotFound,
)
from jiefen.disputes.models import Dispute, Status, Tier
from jiefen.org.models import Role
from jiefen.portal.models import EscalationRequest, Rating
from jiefen.rules.models import Trigger
from jiefen.rules.services import due_date, rule_for

log = logging.getLogger(__name__)

ESCALATION_REQUEST = "escalation_request"
ESCALATION_ANSWER = "escalation_answer"
RATE = "rate"

REASON_MAX = 2000
ANSWER_MAX = 2000
COMMENT_MAX = 500

# Who answers for the holding body.
ANSWER_ROLES = frozenset({Role.CLERK, Role.HEAD})
# Resolved, whatever happened after: the party may rate.
RATABLE = frozenset({Status.RESOLVED, Status.VISITED, Status.CLOSED})
# Levels a dispute can still go up from.
TRANSFERABLE_TIERS = (Tier.VILLAGE, Tier.TOWN)


def _locked(dispute_id: int) -> Dispute:
    """The dispute, its row locked for this transaction. The lock is taken by a query without
    joins (see jiefen.disputes.access.dispute_for for why)."""
    Dispute.objects.select_for_update().values_list("pk", flat=True).get(pk=dispute_id)
    return Dispute.objects.select_related("holder", "holder__region").get(pk=dispute_id)


def _text(value: str | None, *, field: str, limit: int, required: bool, empty: str) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(empty, fields={field: [empty]})
    if len(value) > limit:
        message = _("不能超过 %(limit)d 个字（现有 %(n)d 个）") % {"limit": limit, "n": len(value)}
        raise Invalid(message, fields={field: [message]})
    return value


# ---------------------------------------------------------------------------------------------
# Escalation


def escalation_request(
    *, dispute: Dispute, reason: str, at: datetime | None = None
) -> EscalationRequest:
    """Record a party's request to send `dispute` to the next level, with the deadline by which
    the holding body must answer (the rule table's `escalation_requested` rule)."""
    now = at or timezone.now()
    reason = _text(
        reason,
        field="reason",
        limit=REASON_MAX,
        required=True,
        empty=_("请说明希望由上一级处理的理由"),
    )
    with transaction.atomic():
        locked = _locked(dispute.pk)
        if not locked.is_open:
            raise IllegalMove(_("该纠纷已办结或已终止，不能再申请上移"))
        rule = rule_for(
            tier=locked.tier, trigger=Trigger.ESCALATION_REQUESTED, facts=facts_of(locked)
        )
        due: date | None = None
        if rule is not None:
            due = due_date(
                start=timezone.localdate(now),
                days=rule.days,
                day_kind=rule.day_kind,
                calendar=calendar_current(),
            )
        request = EscalationRequest.objects.create(
            dispute=locked,
            body=locked.holder,
            tier=locked.tier,
            requested_at=now,
            reason=reason,
            due_date=due,
            due_rule=rule.key if rule else "",
        )
        dispute_services.event_append(
            dispute=locked,
            at=now,
            actor=None,
            action=ESCALATION_REQUEST,
            from_status=locked.status,
            to_status=locked.status,
            body=locked.holder,
            reason=reason,
            params=dispute_services.deadline_params(locked)
            | {
                "request": request.pk,
                "answer_due": due.isoformat() if due else None,
                "answer_rule": request.due_rule,
            },
            public=True,
        )
    return request


def may_answer(actor: Any, dispute: Dispute) -> bool:
    """Does the actor answer for the body holding the dispute (a clerk or its head)?"""
    if not getattr(actor, "is_active", False) or not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser:
        return True
    return bool(roles_by_body(actor).get(dispute.holder_id, set()) & ANSWER_ROLES)


def escalation_answer(
    *, actor: Any, request_id: int, answer: str, transfer: bool, at: datetime | None = None
) -> EscalationRequest:
    """The holding body answers a party's request; with `transfer`, the dispute goes up at
    once, with the party's reason. Other requests still waiting at the same body are answered
    with it."""
    now = at or timezone.now()
    answer = _text(
        answer, field="answer", limit=ANSWER_MAX, required=True, empty=_("请填写答复内容")
    )
    not_found = _("上移申请不存在或不在您的管辖范围内")
    try:
        dispute_id = EscalationRequest.objects.values_list("dispute_id", flat=True).get(
            pk=int(request_id)
        )
    except (EscalationRequest.DoesNotExist, TypeError, ValueError):
        raise NotFound(not_found) from None
    with transaction.atomic():
        try:
            dispute = dispute_for(actor, dispute_id, for_update=True)
        except NotFound:
            raise NotFound(not_found) from None
        request = EscalationRequest.objects.select_for_update().get(pk=int(request_id))
        if not request.is_waiting:
            raise Conflict(_("该申请已经答复，或已逾期自动上移"))
        if not may_answer(actor, dispute):
            raise Forbidden(_("只有承办主体的登记员或负责人可以答复上移申请"))
        waiting = list(
            EscalationRequest.objects.select_for_update()
            .filter(
                dispute=dispute,
                body_id=request.body_id,
                answered_at__isnull=True,
                auto_escalated_at__isnull=True,
            )
            .order_by("id")
        )
        ids = [r.pk for r in waiting]
        dispute_services.event_append(
            dispute=dispute,
            at=now,
            actor=actor,
            action=ESCALATION_ANSWER,
            from_status=dispute.status,
            to_status=dispute.status,
            body=dispute.holder,
            reason=answer,
            params=dispute_services.deadline_params(dispute)
            | {
                "request": request.pk,
                "requests": ids,
                "transfer": bool(transfer),
                "answered_in_time": None
                if request.due_date is None
                else timezone.localdate(now) <= request.due_date,
            },
            public=True,
        )
        EscalationRequest.objects.filter(pk__in=ids).update(
            answered_at=now, answer=answer, answered_by=actor, transferred=bool(transfer)
        )
        if transfer:
            # Refused moves (already on its way up, top level, closed) raise and undo the answer.
            dispute_services.dispute_transfer(
                actor=actor, dispute_id=dispute.pk, version=None, reason=request.reason, at=now
            )
    request.refresh_from_db()
    return request


def escalations_overdue(*, today: date, at: datetime | None = None) -> list[EscalationRequest]:
    """Send up every dispute whose party's request was not answered in time, once.

    Only a request still waiting at the body holding the dispute, in a state the transfer may
    leave from, counts: a dispute that moved on, was assigned or closed meanwhile is not sent
    further. Each request is claimed with a compare-and-swap in the transaction of its
    transfer, so concurrent or repeated runs send each dispute up once. Returns the requests
    this run escalated."""
    now = at or timezone.now()
    candidates = list(
        EscalationRequest.objects.filter(
            answered_at__isnull=True,
            auto_escalated_at__isnull=True,
            due_date__lt=today,
            dispute__holder_id=F("body_id"),
            dispute__status__in=TABLE[Action.TRANSFER].sources,
            dispute__tier__in=TRANSFERABLE_TIERS,
        )
        .order_by("due_date", "id")
        .values_list("pk", "dispute_id")
    )
    escalated: list[EscalationRequest] = []
    for pk, dispute_id in candidates:
        try:
            with transaction.atomic():
                _locked(dispute_id)
                claimed = EscalationRequest.objects.filter(
                    pk=pk, answered_at__isnull=True, auto_escalated_at__isnull=True
                ).update(auto_escalated_at=now)
                if not claimed:
                    continue  # answered, or escalated with a sibling, since the list was read
                request = EscalationRequest.objects.get(pk=pk)
                dispute_services.dispute_transfer(
                    actor=None, dispute_id=dispute_id, version=None, reason=request.reason, at=now
                )
                EscalationRequest.objects.filter(
                    dispute_id=dispute_id,
                    body_id=request.body_id,
                    answered_at__isnull=True,
                    auto_escalated_at__isnull=True,
                ).update(auto_escalated_at=now)
        except DisputeError as error:
            # Left waiting and overdue, for people to see; tried again on the next run.
            log.warning("escalation request %s not sent up: %s", pk, error)
            continue
        escalated.append(request)
    return escalated


# ---------------------------------------------------------------------------------------------
# Rating


def dispute_rate(
    *, dispute: Dispute, score: Any, comment: str, at: datetime | None = None
) -> Rating:
    """The party's rating of the result (1–5 and a comment), once per dispute, after it was
    resolved. The score goes into the event's params for the satisfaction KPI; the comment is
    kept from the public timeline."""
    now = at or timezone.now()
    if isinstance(score, bool) or not isinstance(score, int | str):
        score = None
    try:
        value = int(score) if score is not None else None
    except ValueError:
        value = None
    if value is None or not 1 <= value <= 5:
        message = _("请选择 1 至 5 分")
        raise Invalid(message, fields={"score": [message]})
    comment = _text(comment, field="comment", limit=COMMENT_MAX, required=False, empty="")
    with transaction.atomic():
        locked = _locked(dispute.pk)
        if locked.status not in RATABLE:
            raise IllegalMove(_("纠纷办结后才能评价"))
        if Rating.objects.filter(dispute=locked).exists():
            raise Conflict(_("该纠纷已经评价过，每件纠纷只能评价一次"))
        rating = Rating.objects.create(dispute=locked, score=value, comment=comment, rated_at=now)
        dispute_services.event_append(
            dispute=locked,
            at=now,
            actor=None,
            action=RATE,
            from_status=locked.status,
            to_status=locked.status,
            body=locked.holder,
            reason=comment,
            params=dispute_services.deadline_params(locked) | {"score": value},
            public=False,
        )
    return rating
