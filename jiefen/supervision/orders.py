"""Supervision orders (督办): issued to a body with a deadline, answered, and urging (催办)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.calendars.services import calendar_current, range_error_message
from jiefen.disputes.models import Dispute
from jiefen.disputes.services import dispute_note
from jiefen.lib.errors import Conflict, Forbidden, Invalid, NotFound
from jiefen.lib.workdays import CalendarRangeError
from jiefen.org.models import Body, BodyKind
from jiefen.org.scope import scope_of
from jiefen.supervision import access, events
from jiefen.supervision.models import (
    Kind,
    SupervisionOrder,
)
from jiefen.supervision.notifications import excerpt, notify
from jiefen.supervision.writing import (
    ORDER_DAYS_MAX,
    TEXT_MAX,
    URGE_MAX,
    _body_name,
    _check_open,
    _is_super,
    _locked,
    _name,
    _text,
)

# ---------------------------------------------------------------------------------------------
# Supervision orders (督办)


def order_issue(
    *,
    actor: Any,
    dispute_id: int,
    requirement: str,
    days: Any,
    to_body: Body | int | None = None,
    at: datetime | None = None,
) -> SupervisionOrder:
    """Issue a supervision order on a dispute: what is required, within `days` working days,
    to `to_body` (default: the body holding the dispute). The issuer must hold a head or
    supervisor seat above the receiver (access.outranks) over the dispute's place."""
    now = at or timezone.now()
    requirement = _text(requirement, field="requirement", limit=TEXT_MAX, empty=_("请填写督办要求"))
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= ORDER_DAYS_MAX:
        message = _("督办期限应为 1 至 %(max)d 个工作日") % {"max": ORDER_DAYS_MAX}
        raise Invalid(message, fields={"days": [message]})

    with transaction.atomic():
        dispute = _locked(actor, dispute_id)
        _check_open(dispute, _("纠纷当前状态为“%(status)s”，不能督办"))
        receiver = _receiver(to_body, dispute)
        if not scope_of(actor).contains(receiver.region_code):
            message = _("%(body)s 不在您的管辖范围内，不能向其下达督办") % {"body": receiver.name}
            raise Invalid(message, fields={"to_body": [message]})
        related = access.covers(receiver, dispute.region_code) or receiver.pk in (
            dispute.department_id,
            dispute.transfer_to_id,
        )
        if not related or receiver.kind == BodyKind.CITY_OFFICE:
            message = _("只能向该纠纷的承办主体、交办部门或其所在辖区的调处主体下达督办")
            raise Invalid(message, fields={"to_body": [message]})
        seat = access.issuing_seat(actor, dispute, receiver)
        if seat is None and not _is_super(actor):
            raise Forbidden(
                _("您不是 %(body)s 上级单位的负责人或督查员，不能向其下达督办")
                % {"body": receiver.name}
            )
        try:
            due = calendar_current().add(timezone.localdate(now), days)
        except CalendarRangeError as error:
            message = range_error_message(error)
            raise Invalid(message, fields={"days": [message]}) from None
        order = SupervisionOrder.objects.create(
            dispute=dispute,
            issued_by=actor,
            issuer_body_id=seat.body_id if seat else None,
            to_body=receiver,
            region_code=dispute.region_code,
            requirement=requirement,
            days=days,
            issued_at=now,
            due_date=due,
        )
        dispute_note(
            dispute=dispute,
            action=events.ORDER_ISSUE,
            actor=actor,
            at=now,
            body_id=seat.body_id if seat else receiver.pk,
            reason=requirement,
            params={
                "order": order.pk,
                "to_body": receiver.pk,
                "days": days,
                "order_due": due.isoformat(),
            },
        )
        recipients: list[int | None] = list(access.heads_of([receiver.pk]).get(receiver.pk, []))
        if receiver.pk == dispute.holder_id:
            recipients.append(dispute.owner_id)
        notify(
            recipients=recipients,
            kind=Kind.ORDER,
            dispute=dispute,
            key=str(order.pk),
            params={
                "order": order.pk,
                "body": _body_name(seat.body_id if seat else None) or _("上级"),
                "due": due.isoformat(),
                "note": excerpt(requirement),
            },
            at=now,
        )
    return order


def _receiver(to_body: Body | int | None, dispute: Dispute) -> Body:
    if to_body is None or to_body == "":
        return dispute.holder
    pk = getattr(to_body, "pk", to_body)
    try:
        body = Body.objects.select_related("region").get(pk=int(pk), active=True)  # type: ignore[arg-type]
    except (Body.DoesNotExist, TypeError, ValueError):
        message = _("请选择有效的承办单位")
        raise Invalid(message, fields={"to_body": [message]}) from None
    return body


def order_answer(
    *, actor: Any, order_id: int, report: str, at: datetime | None = None
) -> SupervisionOrder:
    """The receiving body's progress report on an order; answers it, once."""
    now = at or timezone.now()
    report = _text(report, field="report", limit=TEXT_MAX, empty=_("请填写进展情况"))
    dispute_id = _order_dispute(order_id)
    with transaction.atomic():
        try:
            dispute = _locked(actor, dispute_id)
        except NotFound:
            raise NotFound(_("督办不存在或不在您的管辖范围内")) from None
        order = SupervisionOrder.objects.select_for_update().get(pk=order_id)
        if order.answered_at is not None:
            raise Conflict(
                _("该督办已于 %(date)s 答复")
                % {"date": timezone.localtime(order.answered_at).strftime("%Y-%m-%d %H:%M")}
            )
        if not access.may_answer(actor, order):
            raise Forbidden(_("只有承办单位的工作人员可以答复督办"))
        in_time = timezone.localdate(now) <= order.due_date
        order.answered_at = now
        order.answered_by = actor
        order.report = report
        order.save(update_fields=["answered_at", "answered_by", "report"])
        dispute_note(
            dispute=dispute,
            action=events.ORDER_ANSWER,
            actor=actor,
            at=now,
            body_id=order.to_body_id,
            reason=report,
            params={"order": order.pk, "in_time": in_time},
        )
        notify(
            recipients=[order.issued_by_id],
            kind=Kind.ORDER_ANSWERED,
            dispute=dispute,
            key=str(order.pk),
            params={
                "order": order.pk,
                "body": _body_name(order.to_body_id),
                "note": excerpt(report),
            },
            at=now,
        )
    return order


def _order_dispute(order_id: Any) -> int:
    try:
        return SupervisionOrder.objects.values_list("dispute_id", flat=True).get(pk=int(order_id))
    except (SupervisionOrder.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("督办不存在或不在您的管辖范围内")) from None


def dispute_urge(*, actor: Any, dispute_id: int, note: str, at: datetime | None = None) -> Any:
    """催办: a one-line reminder to the dispute's owner (or, without one, the holding body's
    heads) from a head, supervisor or leader over the dispute's place. Returns the event."""
    now = at or timezone.now()
    note = " ".join(_text(note, field="note", limit=URGE_MAX, empty=_("请填写催办内容")).split())
    with transaction.atomic():
        dispute = _locked(actor, dispute_id)
        _check_open(dispute, _("纠纷当前状态为“%(status)s”，无需催办"))
        seat = access.urging_seat(actor, dispute)
        if seat is None and not _is_super(actor):
            raise Forbidden(_("只有负责人、督查员或包案领导可以催办"))
        event = dispute_note(
            dispute=dispute,
            action=events.URGE,
            actor=actor,
            at=now,
            body_id=seat.body_id if seat else dispute.holder_id,
            reason=note,
        )
        if dispute.owner_id:
            recipients = [dispute.owner_id]
        else:
            recipients = access.heads_of([dispute.holder_id]).get(dispute.holder_id, [])
        notify(
            recipients=[r for r in recipients if r != actor.pk],
            kind=Kind.URGE,
            dispute=dispute,
            key=str(event.pk),
            params={"actor": _name(actor), "note": excerpt(note)},
            at=now,
        )
    return event
