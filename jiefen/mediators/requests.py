"""A party's request for a particular mediator or for a change, and a mediator's withdrawal
(回避): each is an event with an answer deadline, answered by the body holding the dispute; one
left unanswered past its deadline rises by itself to the body's head (the sweep's hook
`mediator_requests_overdue`), who must then answer it.

The deadline is MEDIATOR_REQUEST_DAYS working days on the working-day calendar. The request
and the answer are events (public: the party follows them on the portal).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.audit.services import audit_bulk
from jiefen.calendars.services import calendar_current
from jiefen.disputes.access import roles_by_body
from jiefen.disputes.models import OPEN_STATUSES, Dispute
from jiefen.disputes.services import dispute_lock, event_append
from jiefen.lib.errors import Forbidden, Invalid
from jiefen.mediators.access import request_for
from jiefen.mediators.events import (
    MEDIATOR_ANSWERED,
    MEDIATOR_REQUEST_RAISED,
    MEDIATOR_REQUESTED,
)
from jiefen.mediators.models import (
    Assignment,
    Mediator,
    MediatorRequest,
    RequestKind,
    RequestState,
)
from jiefen.mediators.services import assignments_end, mediators_assign
from jiefen.org.models import Role

MEDIATOR_REQUEST_DAYS = 3


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, fields={field: [message]})


def mediator_request_make(
    *,
    dispute: Dispute,
    kind: str,
    reason: str,
    mediator_pk: Any = None,
    wanted_pk: Any = None,
    actor: Any = None,
    at: datetime | None = None,
) -> MediatorRequest:
    """A request on the dispute: by a party (no actor; the portal has found the dispute by its
    query code) or a mediator's own withdrawal (the actor, who must be that mediator)."""
    now = at or timezone.now()
    reason = (reason or "").strip()
    if kind not in RequestKind.values:
        raise _invalid("kind", _("申请类型无效"))
    if not reason:
        raise _invalid("reason", _("请写明理由"))
    if len(reason) > 1000:
        raise _invalid("reason", _("理由不能超过 1000 个字"))
    with transaction.atomic():
        dispute = dispute_lock(dispute.pk)
        if dispute.status not in OPEN_STATUSES:
            raise Invalid(_("纠纷已办结，不能再申请指定或更换调解员"))
        on_dispute = set(
            Assignment.objects.filter(dispute=dispute, ended_at__isnull=True).values_list(
                "mediator_id", flat=True
            )
        )
        mediator = wanted = None
        if kind in (RequestKind.CHANGE, RequestKind.WITHDRAW):
            mediator = _pick(mediator_pk)
            if mediator is None or mediator.pk not in on_dispute:
                raise _invalid("mediator", _("所涉调解员不在办理本纠纷的调解员之中"))
        if (
            kind == RequestKind.WITHDRAW
            and actor is not None
            and not (actor.is_superuser or mediator.user_id == actor.pk)  # type: ignore[union-attr]
        ):
            raise Forbidden(_("只有调解员本人可以提出回避"))
        if kind in (RequestKind.CHOOSE, RequestKind.CHANGE) and wanted_pk not in (None, ""):
            wanted = _pick(wanted_pk)
            if wanted is None or not wanted.bodies.filter(pk=dispute.holder_id).exists():
                raise _invalid("wanted", _("希望的调解员不是本调处主体的在聘调解员"))
            if wanted.pk in on_dispute:
                raise _invalid("wanted", _("希望的调解员已在办理本纠纷"))
        if kind == RequestKind.CHOOSE and wanted is None:
            raise _invalid("wanted", _("请选择希望的调解员"))
        due = calendar_current().add(timezone.localdate(now), MEDIATOR_REQUEST_DAYS)
        request = MediatorRequest.objects.create(
            dispute=dispute,
            kind=kind,
            mediator=mediator,
            wanted=wanted,
            body_id=dispute.holder_id,
            reason=reason,
            made_at=now,
            due_date=due,
        )
        event_append(
            dispute=dispute,
            action=MEDIATOR_REQUESTED,
            actor=actor,
            at=now,
            from_status=dispute.status,
            to_status=dispute.status,
            body_id=dispute.holder_id,
            reason=reason,
            params={
                "request": request.pk,
                "kind": kind,
                "mediator": mediator.pk if mediator else None,
                "wanted": wanted.pk if wanted else None,
                "answer_due": due.isoformat(),
            },
        )
    return request


def _pick(pk: Any) -> Mediator | None:
    try:
        return Mediator.objects.filter(pk=int(pk), active=True).first()
    except (TypeError, ValueError):
        return None


def mediator_request_answer(
    *, actor: Any, request_pk: Any, grant: bool, answer: str, at: datetime | None = None
) -> MediatorRequest:
    now = at or timezone.now()
    answer = (answer or "").strip()
    if not answer:
        raise _invalid("answer", _("请写明答复意见"))
    with transaction.atomic():
        request = request_for(actor, request_pk)
        dispute = dispute_lock(request.dispute_id, actor=actor)
        request = MediatorRequest.objects.select_for_update().get(pk=request.pk)
        if request.state != RequestState.OPEN:
            raise Invalid(_("该申请已答复"))
        roles = roles_by_body(actor).get(request.body_id, set())
        if request.raised_at is not None and not (actor.is_superuser or Role.HEAD in roles):
            raise Forbidden(_("该申请已逾期提交负责人，由负责人答复"))
        if not (actor.is_superuser or roles & {Role.HEAD, Role.CLERK}):
            raise Forbidden(_("只有调处主体的登记员或负责人可以答复"))
        request.state = RequestState.GRANTED if grant else RequestState.REFUSED
        request.answered_at = now
        request.answered_by = actor
        request.answer = answer[:1000]
        request.save()
        if grant and request.mediator_id:
            assignments_end(
                dispute=dispute, at=now, why=request.kind, mediator_pks=[request.mediator_id]
            )
        event_append(
            dispute=dispute,
            action=MEDIATOR_ANSWERED,
            actor=actor,
            at=now,
            from_status=dispute.status,
            to_status=dispute.status,
            body_id=request.body_id,
            reason=request.answer,
            params={"request": request.pk, "kind": request.kind, "granted": bool(grant)},
        )
        if grant and request.wanted_id:
            mediators_assign(
                actor=actor,
                dispute_pk=dispute.pk,
                mediator_pks=[request.wanted_id],
                at=now,
                reason=request.answer,
            )
    return request


def mediator_requests_overdue(*, today: date, at: datetime | None = None) -> list[int]:
    """The sweep's hook: every request still unanswered after its deadline rises to the head of
    the body, once (claimed with a compare-and-swap under the dispute lock)."""
    now = at or timezone.now()
    due = list(
        MediatorRequest.objects.filter(
            state=RequestState.OPEN, raised_at__isnull=True, due_date__lt=today
        )
        .order_by("due_date", "pk")
        .values_list("pk", "dispute_id")[:500]
    )
    raised = []
    for pk, dispute_id in due:
        with transaction.atomic():
            dispute = dispute_lock(dispute_id)
            claimed = MediatorRequest.objects.filter(
                pk=pk, state=RequestState.OPEN, raised_at__isnull=True
            ).update(raised_at=now)
            if not claimed:
                continue
            audit_bulk(
                model=MediatorRequest,
                action="update",
                pks=[pk],
                fields=["raised_at"],
                region_code=dispute.region_code,
            )
            request = MediatorRequest.objects.get(pk=pk)
            event_append(
                dispute=dispute,
                action=MEDIATOR_REQUEST_RAISED,
                actor=None,
                at=now,
                from_status=dispute.status,
                to_status=dispute.status,
                body_id=request.body_id,
                params={"request": pk, "kind": request.kind},
            )
            raised.append(pk)
    return raised


def requests_waiting(actor: Any) -> list[MediatorRequest]:
    """Requests the actor's bodies must answer: a head sees the risen ones first."""
    bodies = [b for b, roles in roles_by_body(actor).items() if roles & {Role.HEAD, Role.CLERK}]
    return list(
        MediatorRequest.objects.filter(body_id__in=bodies, state=RequestState.OPEN)
        .select_related("dispute", "mediator", "wanted")
        .order_by("raised_at", "due_date", "pk")[:100]
    )
