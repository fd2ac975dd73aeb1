"""The parties' own writes: asking to go up a level, asking the level above to review a "no",
and rating the result; the answers to such requests, and the sweep that acts on an unanswered
request by itself.

A way up after every no: a decline, or an answer not to transfer, can be put to the level
above (review_request). The level above must answer by the deadline of the guaranteed rule
`review-answer-{tier}`; unanswered in time, the "no" is reversed by itself (reviews_overdue):
a declined dispute is accepted again by the level above, a refused one is sent up. The staff
who must answer are notified at once; resolving or declining a dispute with a request still
waiting requires answering it in the same step (answer_waiting, registered with
jiefen.disputes.services when the app loads).

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
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.audit.services import audit_bulk
from jiefen.calendars.services import calendar_current
from jiefen.disputes import services as dispute_services
from jiefen.disputes.access import roles_by_body
from jiefen.disputes.deadlines import facts_of
from jiefen.disputes.lifecycle import TABLE, Action
from jiefen.disputes.models import Dispute, Status, Tier
from jiefen.lib.errors import (
    Conflict,
    DisputeError,
    Forbidden,
    IllegalMove,
    Invalid,
    NotFound,
    text_valid,
)
from jiefen.org.models import Role
from jiefen.portal.models import (
    EscalationRequest,
    Rating,
    ReviewKind,
    ReviewOutcome,
    ReviewRequest,
)
from jiefen.rules.models import DayKind, Trigger
from jiefen.rules.services import GUARANTEE_FALLBACK_DAYS, due_date, rule_for

log = logging.getLogger(__name__)

ESCALATION_REQUEST = "escalation_request"
ESCALATION_ANSWER = "escalation_answer"
REVIEW_REQUEST = "review_request"
REVIEW_ANSWER = "review_answer"
RATE = "rate"

# Notification kinds (words in apps.py).
NOTIFY_ESCALATION = "escalation_requested"
NOTIFY_REVIEW = "review_requested"

REASON_MAX = 2000
ANSWER_MAX = 2000
COMMENT_MAX = 500

# Who answers for the holding body.
ANSWER_ROLES = frozenset({Role.CLERK, Role.HEAD})
# Resolved, whatever happened after: the party may rate.
RATABLE = frozenset({Status.RESOLVED, Status.VISITED, Status.CLOSED})
# Levels a dispute can still go up from.
TRANSFERABLE_TIERS = (Tier.VILLAGE, Tier.TOWN)


def _text(value: str | None, *, field: str, limit: int, required: bool, empty: str) -> str:
    return text_valid(value, field=field, limit=limit, required=required, empty=empty, counted=True)


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
        locked = dispute_services.dispute_lock(dispute.pk)
        if not locked.is_open:
            raise IllegalMove(_("该纠纷已办结或已终止，不能再申请上移"))
        due, due_rule = _guaranteed_due(
            tier=locked.tier, trigger=Trigger.ESCALATION_REQUESTED, dispute=locked, now=now
        )
        request = EscalationRequest.objects.create(
            dispute=locked,
            body=locked.holder,
            tier=locked.tier,
            requested_at=now,
            reason=reason,
            due_date=due,
            due_rule=due_rule,
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
        _notify_staff(
            kind=NOTIFY_ESCALATION,
            body_id=locked.holder_id,
            dispute=locked,
            key=f"e{request.pk}",
            due=due,
            at=now,
        )
    return request


def _guaranteed_due(
    *, tier: str, trigger: str, dispute: Dispute, now: datetime
) -> tuple[date, str]:
    """The answer deadline from the guaranteed rule. The rule cannot be deleted or switched
    off through the services; if it is missing anyway, the request still gets the fallback
    deadline and the gap is logged as an error."""
    rule = rule_for(tier=tier, trigger=trigger, facts=facts_of(dispute))
    start = timezone.localdate(now)
    if rule is None or rule.day_kind == DayKind.NEXT_MEETING:
        log.error("guaranteed rule for %s at %s missing: fallback deadline used", trigger, tier)
        return (
            due_date(
                start=start,
                days=GUARANTEE_FALLBACK_DAYS,
                day_kind=DayKind.WORKING,
                calendar=calendar_current(),
            ),
            "fallback",
        )
    return (
        due_date(start=start, days=rule.days, day_kind=rule.day_kind, calendar=calendar_current()),
        rule.key,
    )


def _notify_staff(
    *, kind: str, body_id: int, dispute: Dispute, key: str, due: date | None, at: datetime
) -> None:
    """Tell those who answer for `body_id` (its clerks and heads), at once."""
    from jiefen.org.models import Membership
    from jiefen.supervision.notifications import notify

    staff = Membership.objects.filter(
        body_id=body_id, role__in=ANSWER_ROLES, user__is_active=True
    ).values_list("user_id", flat=True)
    notify(
        recipients=list(staff),
        kind=kind,
        dispute=dispute,
        key=key,
        params={"number": dispute.number, "due": due.isoformat() if due else ""},
        at=at,
    )


def escalation_answer_settles(event: Any) -> Q:
    """The staff's notifications of the requests an answer answered: done once answered."""
    ids = (event.params or {}).get("requests") or [(event.params or {}).get("request")]
    return Q(kind=NOTIFY_ESCALATION, key__in=[f"e{pk}" for pk in ids if pk])


def review_answer_settles(event: Any) -> Q:
    return Q(kind=NOTIFY_REVIEW, key=f"r{(event.params or {}).get('review')}")


def may_answer(actor: Any, dispute: Dispute) -> bool:
    """Does the actor answer for the body holding the dispute (a clerk or its head)?"""
    if not getattr(actor, "is_active", False) or not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser:
        return True
    return bool(roles_by_body(actor).get(dispute.holder_id, set()) & ANSWER_ROLES)


def _request_locked(model: Any, actor: Any, request_id: Any, not_found: str) -> tuple[Any, Any]:
    """A party's request and its dispute, both locked, for an actor who may see the dispute;
    a request of another jurisdiction is answered exactly as a missing one. Inside a
    transaction."""
    try:
        dispute_id = model.objects.values_list("dispute_id", flat=True).get(pk=int(request_id))
    except (model.DoesNotExist, TypeError, ValueError):
        raise NotFound(not_found) from None
    try:
        dispute = dispute_services.dispute_lock(dispute_id, actor=actor)
    except NotFound:
        raise NotFound(not_found) from None
    return dispute, model.objects.select_for_update().get(pk=int(request_id))


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
    with transaction.atomic():
        dispute, request = _request_locked(
            EscalationRequest, actor, request_id, _("上移申请不存在或不在您的管辖范围内")
        )
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
        dispute_services.dispute_note(
            dispute=dispute,
            at=now,
            actor=actor,
            action=ESCALATION_ANSWER,
            body_id=dispute.holder_id,
            reason=answer,
            params={
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
        audit_bulk(
            model=EscalationRequest,
            action="update",
            pks=ids,
            fields=["answered_at", "answer", "answered_by", "transferred"],
            region_code=dispute.region_code,
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
                dispute_services.dispute_lock(dispute_id)
                claimed = EscalationRequest.objects.filter(
                    pk=pk, answered_at__isnull=True, auto_escalated_at__isnull=True
                ).update(auto_escalated_at=now)
                if not claimed:
                    continue  # answered, or escalated with a sibling, since the list was read
                request = EscalationRequest.objects.get(pk=pk)
                dispute_services.dispute_transfer(
                    actor=None, dispute_id=dispute_id, version=None, reason=request.reason, at=now
                )
                siblings = list(
                    EscalationRequest.objects.filter(
                        dispute_id=dispute_id,
                        body_id=request.body_id,
                        answered_at__isnull=True,
                        auto_escalated_at__isnull=True,
                    ).values_list("pk", flat=True)
                )
                EscalationRequest.objects.filter(pk__in=siblings).update(auto_escalated_at=now)
                audit_bulk(
                    model=EscalationRequest,
                    action="update",
                    pks=[pk, *siblings],
                    fields=["auto_escalated_at"],
                    region_code=request.dispute.region_code,
                )
        except DisputeError as error:
            # Left waiting and overdue, for people to see; tried again on the next run.
            log.warning("escalation request %s not sent up: %s", pk, error)
            continue
        escalated.append(request)
    return escalated


# ---------------------------------------------------------------------------------------------
# Review by the level above (复核)


def review_open_for(dispute: Dispute) -> tuple[str, EscalationRequest | None] | None:
    """Which "no" the party may now put to the level above, or None: the decline of a
    declined dispute, or the latest answer not to transfer while the dispute is still held by
    the body that gave it. One review per "no"."""
    from jiefen.disputes.access import body_above

    if body_above(dispute.holder) is None:
        return None
    if dispute.status == Status.DECLINED:
        if ReviewRequest.objects.filter(
            dispute=dispute, kind=ReviewKind.DECLINE, body_id=dispute.holder_id
        ).exists():
            return None
        return ReviewKind.DECLINE, None
    if not dispute.is_open:
        return None
    refused = (
        EscalationRequest.objects.filter(
            dispute=dispute, body_id=dispute.holder_id, answered_at__isnull=False, transferred=False
        )
        .order_by("-id")
        .first()
    )
    if refused is None or ReviewRequest.objects.filter(escalation=refused).exists():
        return None
    if EscalationRequest.objects.filter(
        dispute=dispute, body_id=dispute.holder_id, answered_at__isnull=True, id__gt=refused.pk
    ).exists():
        return None  # a newer request is still waiting for the holder's answer
    return ReviewKind.REFUSAL, refused


def review_request(*, dispute: Dispute, reason: str, at: datetime | None = None) -> ReviewRequest:
    """A party asks the level above to review a decline or a refusal to transfer. The level
    above must answer by the guaranteed rule's deadline; its staff are told at once."""
    from jiefen.disputes.access import body_above

    now = at or timezone.now()
    reason = _text(
        reason,
        field="reason",
        limit=REASON_MAX,
        required=True,
        empty=_("请说明为什么希望上一级复核"),
    )
    with transaction.atomic():
        locked = dispute_services.dispute_lock(dispute.pk)
        found = review_open_for(locked)
        if found is None:
            raise IllegalMove(_("该纠纷目前没有可申请上一级复核的决定"))
        kind, escalation = found
        reviewer = body_above(locked.holder)
        assert reviewer is not None
        due, due_rule = _guaranteed_due(
            tier=locked.tier, trigger=Trigger.REVIEW_REQUESTED, dispute=locked, now=now
        )
        request = ReviewRequest.objects.create(
            dispute=locked,
            kind=kind,
            body=locked.holder,
            reviewer=reviewer,
            tier=locked.tier,
            escalation=escalation,
            requested_at=now,
            reason=reason,
            due_date=due,
            due_rule=due_rule,
        )
        dispute_services.event_append(
            dispute=locked,
            at=now,
            actor=None,
            action=REVIEW_REQUEST,
            from_status=locked.status,
            to_status=locked.status,
            body=reviewer,
            reason=reason,
            params=dispute_services.deadline_params(locked)
            | {
                "review": request.pk,
                "kind": kind,
                "answer_due": due.isoformat(),
                "answer_rule": due_rule,
            },
            public=True,
        )
        _notify_staff(
            kind=NOTIFY_REVIEW, body_id=reviewer.pk, dispute=locked, key=f"r{request.pk}",
            due=due, at=now,
        )  # fmt: skip
    return request


def may_review(actor: Any, request: ReviewRequest) -> bool:
    """Does the actor answer for the reviewing body (a clerk or its head)?"""
    if not getattr(actor, "is_active", False) or not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser:
        return True
    return bool(roles_by_body(actor).get(request.reviewer_id, set()) & ANSWER_ROLES)


def _reverse(request: ReviewRequest, *, actor: Any, reason: str, now: datetime) -> str:
    """Undo the "no" under review: reopen the declined dispute at the level above, or send the
    refused one up. Returns the outcome."""
    if request.kind == ReviewKind.DECLINE:
        dispute_services.dispute_review_reopen(
            actor=actor, dispute_id=request.dispute_id, version=None, reason=reason, at=now
        )
        return ReviewOutcome.REOPENED
    # The transfer is the system's (the reviewing body is not the holder); the review's own
    # event names who decided.
    dispute_services.dispute_transfer(
        actor=None, dispute_id=request.dispute_id, version=None, reason=reason, at=now
    )
    return ReviewOutcome.TAKEN_UP


def review_answer(
    *, actor: Any, request_id: int, answer: str, uphold: bool, at: datetime | None = None
) -> ReviewRequest:
    """The level above answers a review request: uphold the "no" (with reasons the party
    reads), or reverse it (reopen the declined dispute, or send the refused one up)."""
    now = at or timezone.now()
    answer = _text(
        answer, field="answer", limit=ANSWER_MAX, required=True, empty=_("请填写答复内容")
    )
    with transaction.atomic():
        dispute, request = _request_locked(
            ReviewRequest, actor, request_id, _("复核申请不存在或不在您的管辖范围内")
        )
        if not request.is_waiting:
            raise Conflict(_("该复核申请已经答复，或已逾期自动处理"))
        if not may_review(actor, request):
            raise Forbidden(_("只有上一级的登记员或负责人可以答复复核申请"))
        outcome: str = ReviewOutcome.UPHELD
        if not uphold:
            outcome = _reverse(request, actor=actor if request.kind == ReviewKind.DECLINE else None,
                               reason=answer, now=now)  # fmt: skip
            dispute.refresh_from_db()
        ReviewRequest.objects.filter(pk=request.pk).update(
            answered_at=now, answer=answer, answered_by=actor, outcome=outcome
        )
        audit_bulk(
            model=ReviewRequest,
            action="update",
            pks=[request.pk],
            fields=["answered_at", "answer", "answered_by", "outcome"],
            region_code=dispute.region_code,
        )
        dispute_services.dispute_note(
            dispute=dispute,
            at=now,
            actor=actor,
            action=REVIEW_ANSWER,
            body_id=request.reviewer_id,
            reason=answer,
            params={
                "review": request.pk,
                "kind": request.kind,
                "outcome": outcome,
                "answered_in_time": timezone.localdate(now) <= request.due_date,
            },
            public=True,
        )
    request.refresh_from_db()
    return request


def reviews_overdue(*, today: date, at: datetime | None = None) -> list[ReviewRequest]:
    """Reverse, once, every "no" whose review the level above did not answer in time: a
    declined dispute is accepted again by the level above, a refused one goes up. Claimed
    with a compare-and-swap in the transaction of the move, like escalations_overdue."""
    now = at or timezone.now()
    candidates = list(
        ReviewRequest.objects.filter(
            answered_at__isnull=True, auto_escalated_at__isnull=True, due_date__lt=today
        )
        .order_by("due_date", "id")
        .values_list("pk", "dispute_id", "kind", "body_id")
    )
    done: list[ReviewRequest] = []
    for pk, dispute_id, kind, body_id in candidates:
        try:
            with transaction.atomic():
                locked = dispute_services.dispute_lock(dispute_id)
                still = (
                    locked.status == Status.DECLINED
                    if kind == ReviewKind.DECLINE
                    else locked.holder_id == body_id
                    and locked.status in TABLE[Action.TRANSFER].sources
                )
                if not still:
                    continue  # moved on since (reopened, sent up): left for people to see
                claimed = ReviewRequest.objects.filter(
                    pk=pk, answered_at__isnull=True, auto_escalated_at__isnull=True
                ).update(auto_escalated_at=now)
                if not claimed:
                    continue
                request = ReviewRequest.objects.get(pk=pk)
                outcome = _reverse(request, actor=None, reason=request.reason, now=now)
                ReviewRequest.objects.filter(pk=pk).update(outcome=outcome)
                audit_bulk(
                    model=ReviewRequest,
                    action="update",
                    pks=[pk],
                    fields=["auto_escalated_at", "outcome"],
                    region_code=locked.region_code,
                )
        except DisputeError as error:
            log.warning("review request %s not acted on: %s", pk, error)
            continue
        request.outcome = outcome
        done.append(request)
    return done


# ---------------------------------------------------------------------------------------------
# Requests still waiting when a dispute is resolved or declined


def requests_waiting(dispute_id: int) -> int:
    """Escalation requests still waiting at the dispute's holder."""
    return EscalationRequest.objects.filter(
        dispute_id=dispute_id,
        dispute__holder_id=F("body_id"),
        answered_at__isnull=True,
        auto_escalated_at__isnull=True,
    ).count()


def requests_waiting_fact() -> Any:
    """requests_waiting as a fact read with the dispute's row (services.LOCK_FACTS)."""
    return Exists(
        EscalationRequest.objects.filter(
            dispute_id=OuterRef("pk"),
            body_id=OuterRef("holder_id"),
            answered_at__isnull=True,
            auto_escalated_at__isnull=True,
        )
    )


def answer_waiting(*, dispute: Dispute, actor: Any, answer: str, at: datetime) -> int:
    """Answer every request still waiting at the holder with `answer` (no transfer: the
    dispute is being resolved or declined), inside the caller's transaction. The party reads
    the answer on the portal."""
    ids = list(
        EscalationRequest.objects.select_for_update()
        .filter(
            dispute=dispute,
            body_id=dispute.holder_id,
            answered_at__isnull=True,
            auto_escalated_at__isnull=True,
        )
        .order_by("id")
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    answer = _text(
        answer, field="answer", limit=ANSWER_MAX, required=True, empty=_("请填写答复内容")
    )
    EscalationRequest.objects.filter(pk__in=ids).update(
        answered_at=at, answer=answer, answered_by=actor, transferred=False
    )
    audit_bulk(
        model=EscalationRequest,
        action="update",
        pks=ids,
        fields=["answered_at", "answer", "answered_by", "transferred"],
        region_code=dispute.region_code,
    )
    first = EscalationRequest.objects.get(pk=ids[0])
    dispute_services.dispute_note(
        dispute=dispute,
        at=at,
        actor=actor,
        action=ESCALATION_ANSWER,
        body_id=dispute.holder_id,
        reason=answer,
        params={
            "request": ids[0],
            "requests": ids,
            "transfer": False,
            "answered_in_time": None
            if first.due_date is None
            else timezone.localdate(at) <= first.due_date,
        },
        public=True,
    )
    return len(ids)


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
        locked = dispute_services.dispute_lock(dispute.pk)
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
