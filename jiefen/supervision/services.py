"""Every write of supervision: orders (督办) and their answers, urging (催办), leader ownership
(领导包案) with extensions, progress notes and sign-off, and clean-up campaigns (集中清理).

Each write checks its input first, then locks the dispute row (through dispute_for, the same
lock and order as jiefen.disputes.services, so no two writers wait on each other crosswise),
checks the actor's seat (access.py), writes its rows, appends one event to the dispute's
history with jiefen.disputes.services.event_append, and notifies. Any refusal raises a
jiefen.disputes.lifecycle.DisputeError — Invalid, Forbidden, NotFound, Conflict or
IllegalMove, with a message for people and `fields` for forms — and writes nothing.

The meetings app records its decisions through ownership_assign and order_issue, inside its
own transaction, so a decision and its effect commit together.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.audit.services import audit_bulk
from jiefen.calendars.services import calendar_current, range_error_message
from jiefen.disputes.access import dispute_for, disputes_for
from jiefen.disputes.models import OPEN_STATUSES, Dispute, LevelStay, Status
from jiefen.disputes.services import deadline_params, event_append
from jiefen.lib.errors import Conflict, Forbidden, IllegalMove, Invalid, NotFound
from jiefen.lib.workdays import CalendarRangeError
from jiefen.org.models import Body, BodyKind, Membership, Role
from jiefen.org.scope import scope_of
from jiefen.regions.models import Region, code_span
from jiefen.supervision import access, events
from jiefen.supervision.models import (
    Campaign,
    CampaignItem,
    Extension,
    ExtensionStatus,
    Kind,
    LeaderOwnership,
    OwnershipStatus,
    ProgressNote,
    SupervisionOrder,
)
from jiefen.supervision.notifications import excerpt, notify, notify_bulk

ORDER_DAYS_MAX = 60
TEXT_MAX = 2000
URGE_MAX = 200
TARGET_DAYS_MAX = 366
RESOLVED_STATUSES = (Status.RESOLVED, Status.VISITED, Status.CLOSED)


# ---------------------------------------------------------------------------------------------
# Shared helpers


def _text(value: Any, *, field: str, limit: int, empty: str, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise Invalid(empty, fields={field: [empty]})
    if len(text) > limit:
        message = _("不能超过 %(limit)d 个字") % {"limit": limit}
        raise Invalid(message, fields={field: [message]})
    return text


def _append(
    dispute: Dispute,
    *,
    action: str,
    actor: Any,
    at: datetime,
    body_id: int,
    reason: str = "",
    params: dict[str, Any] | None = None,
) -> Any:
    return event_append(
        dispute=dispute,
        action=action,
        actor=actor,
        at=at,
        from_status=dispute.status,
        to_status=dispute.status,
        body_id=body_id,
        reason=reason,
        params=deadline_params(dispute) | (params or {}),
        public=False,
    )


def _locked(actor: Any, dispute_id: Any) -> Dispute:
    """The dispute, if the actor may see it, its row locked for this transaction."""
    dispute = dispute_for(actor, dispute_id, for_update=True)
    dispute.holder = Body.objects.select_related("region").get(pk=dispute.holder_id)
    return dispute


def _is_super(actor: Any) -> bool:
    return bool(getattr(actor, "is_superuser", False) and actor.is_active)


def _user(value: Any) -> Any:
    from jiefen.accounts.models import User

    if value is None or value == "":
        return None
    if isinstance(value, User):
        return value
    try:
        return User.objects.get(pk=int(value))
    except (User.DoesNotExist, TypeError, ValueError):
        return None


def _name(user: Any) -> str:
    return str(user) if user is not None else ""


def _body_name(body_id: int | None) -> str:
    if body_id is None:
        return ""
    return Body.objects.filter(pk=body_id).values_list("name", flat=True).first() or ""


def _check_open(dispute: Dispute, message: str) -> None:
    if dispute.status not in OPEN_STATUSES:
        raise IllegalMove(message % {"status": dispute.get_status_display()})


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
        _append(
            dispute,
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
        _append(
            dispute,
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
        event = _append(
            dispute,
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


# ---------------------------------------------------------------------------------------------
# Leader ownership (领导包案)


def _target(value: Any, today: date, field: str = "target_date") -> date:
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, date):
        message = _("请填写目标日期")
        raise Invalid(message, fields={field: [message]})
    if value < today:
        message = _("目标日期不能早于今天")
        raise Invalid(message, fields={field: [message]})
    if value > today + timedelta(days=TARGET_DAYS_MAX):
        message = _("目标日期不能晚于一年以后")
        raise Invalid(message, fields={field: [message]})
    return value


def ownership_assign(
    *,
    actor: Any,
    dispute_id: int,
    leader: Any,
    plan: str,
    target_date: Any,
    at: datetime | None = None,
) -> LeaderOwnership:
    """Put a dispute under a named leader with a plan and a target date. The actor is a head
    (or supervisor) of a body at the holder's level or above — the joint meeting's chair for
    a meeting decision; the leader must hold the leader role over the dispute's place. A
    different leader replaces the current one."""
    now = at or timezone.now()
    today = timezone.localdate(now)
    plan = _text(plan, field="plan", limit=TEXT_MAX, empty=_("请填写化解方案"))
    target = _target(target_date, today)
    person = _user(leader)
    if person is None:
        message = _("请选择包案领导")
        raise Invalid(message, fields={"leader": [message]})
    with transaction.atomic():
        dispute = _locked(actor, dispute_id)
        _check_open(dispute, _("纠纷当前状态为“%(status)s”，不能明确包案领导"))
        seat = access.assigning_seat(actor, dispute, access.level_of(dispute.holder))
        if seat is None and not _is_super(actor):
            raise Forbidden(_("只有承办主体或其上级的负责人可以明确包案领导"))
        leader_seat = access.leader_seat(person, dispute)
        if leader_seat is None:
            message = _("%(name)s 不是该纠纷所在辖区的包案领导") % {"name": _name(person)}
            raise Invalid(message, fields={"leader": [message]})
        current = (
            LeaderOwnership.objects.select_for_update()
            .filter(dispute=dispute, status=OwnershipStatus.ACTIVE)
            .first()
        )
        if current is not None:
            if current.leader_id == person.pk:
                raise Conflict(_("该纠纷已由 %(name)s 包案") % {"name": _name(person)})
            current.status = OwnershipStatus.REPLACED
            current.ended_at = now
            current.save(update_fields=["status", "ended_at"])
        ownership = LeaderOwnership.objects.create(
            dispute=dispute,
            leader=person,
            leader_body_id=leader_seat.body_id,
            plan=plan,
            target_date=target,
            assigned_by=actor,
            assigned_at=now,
        )
        _append(
            dispute,
            action=events.LEADER_ASSIGN,
            actor=actor,
            at=now,
            body_id=seat.body_id if seat else dispute.holder_id,
            reason=plan,
            params={
                "ownership": ownership.pk,
                "leader": person.pk,
                "target": target.isoformat(),
                "replaced": current.pk if current else None,
            },
        )
        notify(
            recipients=[person],
            kind=Kind.LEADER_ASSIGNED,
            dispute=dispute,
            key=str(ownership.pk),
            params={"ownership": ownership.pk, "target": target.isoformat()},
            at=now,
        )
    return ownership


def _ownership_locked(actor: Any, ownership_id: Any) -> tuple[Dispute, LeaderOwnership]:
    """The ownership and its dispute (row locked), if the actor may see the dispute."""
    try:
        dispute_id = LeaderOwnership.objects.values_list("dispute_id", flat=True).get(
            pk=int(ownership_id)
        )
        dispute = _locked(actor, dispute_id)
    except (LeaderOwnership.DoesNotExist, NotFound, TypeError, ValueError):
        raise NotFound(_("包案记录不存在或不在您的管辖范围内")) from None
    ownership = (
        LeaderOwnership.objects.select_for_update()
        .select_related("leader_body__region")
        .get(pk=int(ownership_id))
    )
    ownership.dispute = dispute
    return dispute, ownership


def _check_active(ownership: LeaderOwnership) -> None:
    if ownership.status != OwnershipStatus.ACTIVE:
        raise IllegalMove(_("该包案已%(status)s") % {"status": ownership.get_status_display()})


def ownership_extend_request(
    *,
    actor: Any,
    ownership_id: int,
    new_date: Any,
    reason: str,
    at: datetime | None = None,
) -> Extension:
    """The leader or the dispute's owner asks for a later target date, with a reason."""
    now = at or timezone.now()
    today = timezone.localdate(now)
    reason = _text(reason, field="reason", limit=TEXT_MAX, empty=_("请填写延期理由"))
    wanted = _target(new_date, today, field="new_date")
    with transaction.atomic():
        dispute, ownership = _ownership_locked(actor, ownership_id)
        _check_active(ownership)
        if actor.pk not in (ownership.leader_id, dispute.owner_id) and not _is_super(actor):
            raise Forbidden(_("只有包案领导或承办人可以申请延期"))
        if wanted <= ownership.target_date:
            message = _("延期后的日期应晚于现在的目标日期 %(date)s") % {
                "date": ownership.target_date.isoformat()
            }
            raise Invalid(message, fields={"new_date": [message]})
        if ownership.extensions.filter(status=ExtensionStatus.PENDING).exists():
            raise Conflict(_("已有一项延期申请待审批"))
        extension = Extension.objects.create(
            ownership=ownership,
            requested_by=actor,
            requested_at=now,
            reason=reason,
            old_date=ownership.target_date,
            new_date=wanted,
        )
        _append(
            dispute,
            action=events.LEADER_EXTEND_ASK,
            actor=actor,
            at=now,
            body_id=ownership.leader_body_id,
            reason=reason,
            params={
                "ownership": ownership.pk,
                "extension": extension.pk,
                "date": wanted.isoformat(),
            },
        )
        notify(
            recipients=_approvers(ownership),
            kind=Kind.EXTENSION_REQUESTED,
            dispute=dispute,
            key=str(extension.pk),
            params={"extension": extension.pk, "actor": _name(actor), "date": wanted.isoformat()},
            at=now,
        )
    return extension


def _approvers(ownership: LeaderOwnership) -> list[int]:
    """Leaders and heads of the tier bodies above the leader's, over the dispute's place."""
    level = access.level_of(ownership.leader_body)
    bodies = [
        b.pk
        for b in access.bodies_covering(ownership.dispute)
        if access.level_of(b) < level and b.kind != BodyKind.DEPARTMENT
    ]
    return list(
        Membership.objects.filter(
            body_id__in=bodies, role__in=[Role.LEADER, Role.HEAD], user__is_active=True
        )
        .values_list("user_id", flat=True)
        .distinct()
    )


def ownership_extend_approve(
    *,
    actor: Any,
    extension_id: int,
    approve: bool = True,
    note: str = "",
    at: datetime | None = None,
) -> Extension:
    """A leader (or head) above the owning leader's body approves or refuses a request for
    more time; approval moves the target date."""
    now = at or timezone.now()
    note = _text(note, field="note", limit=TEXT_MAX, empty="", required=False)
    try:
        ownership_id = Extension.objects.values_list("ownership_id", flat=True).get(
            pk=int(extension_id)
        )
    except (Extension.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("延期申请不存在或不在您的管辖范围内")) from None
    with transaction.atomic():
        dispute, ownership = _ownership_locked(actor, ownership_id)
        extension = Extension.objects.select_for_update().get(pk=int(extension_id))
        if extension.status != ExtensionStatus.PENDING:
            raise Conflict(_("该延期申请已审批"))
        if not access.may_approve_extension(actor, ownership):
            raise Forbidden(_("只有包案领导的上级领导可以审批延期"))
        if extension.requested_by_id == actor.pk:
            raise Forbidden(_("不能审批自己提出的延期申请"))
        extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
        extension.decided_by = actor
        extension.decided_at = now
        extension.decision_note = note
        extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve:
            ownership.target_date = extension.new_date
            ownership.save(update_fields=["target_date"])
        _append(
            dispute,
            action=events.LEADER_EXTEND_DECIDE,
            actor=actor,
            at=now,
            body_id=ownership.leader_body_id,
            reason=note,
            params={
                "ownership": ownership.pk,
                "extension": extension.pk,
                "approved": bool(approve),
                "date": extension.new_date.isoformat(),
            },
        )
        notify(
            recipients=[extension.requested_by_id, ownership.leader_id],
            kind=Kind.EXTENSION_DECIDED,
            dispute=dispute,
            key=str(extension.pk),
            params={"approved": bool(approve), "date": extension.new_date.isoformat()},
            at=now,
        )
    return extension


def ownership_note(
    *, actor: Any, ownership_id: int, text: str, at: datetime | None = None
) -> ProgressNote:
    """A periodic progress note, by the leader or the staff of the holding body."""
    now = at or timezone.now()
    text = _text(text, field="text", limit=TEXT_MAX, empty=_("请填写进展情况"))
    with transaction.atomic():
        dispute, ownership = _ownership_locked(actor, ownership_id)
        _check_active(ownership)
        if not access.may_note(actor, ownership):
            raise Forbidden(_("只有包案领导或承办单位工作人员可以填写进展"))
        note = ProgressNote.objects.create(ownership=ownership, author=actor, at=now, text=text)
        _append(
            dispute,
            action=events.LEADER_NOTE,
            actor=actor,
            at=now,
            body_id=ownership.leader_body_id,
            reason=text,
            params={"ownership": ownership.pk, "note": note.pk},
        )
    return note


def ownership_sign_off(
    *, actor: Any, ownership_id: int, note: str = "", at: datetime | None = None
) -> LeaderOwnership:
    """The leader signs the ownership off (销号), only once the dispute is resolved."""
    now = at or timezone.now()
    note = _text(note, field="note", limit=TEXT_MAX, empty="", required=False)
    with transaction.atomic():
        dispute, ownership = _ownership_locked(actor, ownership_id)
        _check_active(ownership)
        if actor.pk != ownership.leader_id and not _is_super(actor):
            raise Forbidden(_("只有包案领导本人可以销号"))
        if dispute.status not in RESOLVED_STATUSES:
            raise IllegalMove(
                _("纠纷办结后方可销号（当前状态：%(status)s）")
                % {"status": dispute.get_status_display()}
            )
        ownership.status = OwnershipStatus.SIGNED_OFF
        ownership.signed_off_at = now
        ownership.ended_at = now
        ownership.sign_off_note = note
        ownership.save(update_fields=["status", "signed_off_at", "ended_at", "sign_off_note"])
        _append(
            dispute,
            action=events.LEADER_SIGN_OFF,
            actor=actor,
            at=now,
            body_id=ownership.leader_body_id,
            reason=note,
            params={"ownership": ownership.pk},
        )
    return ownership


# ---------------------------------------------------------------------------------------------
# Clean-up campaigns (集中清理)

OPEN_DAYS_MAX = 3650
TRANSFERS_MAX = 10


def _region(value: Any) -> Region | None:
    if isinstance(value, Region):
        return value
    try:
        return Region.objects.get(pk=int(value))
    except (Region.DoesNotExist, TypeError, ValueError):
        return None


def _campaign_seat(actor: Any, code: int) -> bool:
    return _is_super(actor) or any(
        s.role in access.ISSUERS and s.kind != BodyKind.DEPARTMENT and s.covers(code)
        for s in access.seats(actor)
    )


def campaign_create(
    *,
    actor: Any,
    name: str,
    year: Any,
    quarter: Any,
    region: Any,
    open_days: Any = None,
    min_transfers: Any = None,
    reopened: bool = False,
    at: datetime | None = None,
) -> Campaign:
    """Start a quarter's clean-up in `region`: every open dispute there that has been open
    more than `open_days` days, or was transferred at least `min_transfers` times, or was
    reopened (any criterion set), becomes an item with an owner and a leader."""
    now = at or timezone.now()
    today = timezone.localdate(now)
    name = _text(name, field="name", limit=100, empty=_("请填写名称"))
    fields: dict[str, list[str]] = {}
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not today.year - 1 <= year <= today.year + 1:
        fields["year"] = [_("年度应为 %(year)d 年前后一年内") % {"year": today.year}]
    try:
        quarter = int(quarter)
    except (TypeError, ValueError):
        quarter = 0
    if not 1 <= quarter <= 4:
        fields["quarter"] = [_("季度应为 1 至 4")]
    days = _optional_int(open_days)
    if days is not None and not 1 <= days <= OPEN_DAYS_MAX:
        fields["open_days"] = [_("在办天数应为 1 至 %(max)d") % {"max": OPEN_DAYS_MAX}]
    transfers = _optional_int(min_transfers)
    if transfers is not None and not 1 <= transfers <= TRANSFERS_MAX:
        fields["min_transfers"] = [_("移送次数应为 1 至 %(max)d") % {"max": TRANSFERS_MAX}]
    if days is None and transfers is None and not reopened:
        fields["open_days"] = [_("请至少设定一项清理规则")]
    place = _region(region)
    if place is None:
        fields["region"] = [_("请选择清理范围")]
    if fields:
        raise Invalid(_("填写有误，请按提示修改"), fields=fields)
    assert place is not None
    if not scope_of(actor).contains(place.code) or not _campaign_seat(actor, place.code):
        message = _("%(region)s 不在您的管辖范围内，不能在此开展集中清理") % {"region": place.name}
        raise Forbidden(message, fields={"region": [message]})

    low, high = place.span
    transfer_count = (
        LevelStay.objects.filter(dispute=OuterRef("pk"), arrived_how="transferred")
        .values("dispute")
        .annotate(n=Count("id"))
        .values("n")
    )
    candidates = (
        disputes_for(actor)
        .filter(region_code__range=(low, high), status__in=OPEN_STATUSES)
        .annotate(
            transfers=Subquery(transfer_count),
            was_reopened=Exists(
                LevelStay.objects.filter(dispute=OuterRef("pk"), arrived_how="reopened")
            ),
        )
    )
    rule = Q(pk__in=[])
    if days is not None:
        rule |= Q(registered_at__lt=now - timedelta(days=days))
    if transfers is not None:
        rule |= Q(transfers__gte=transfers)
    if reopened:
        rule |= Q(was_reopened=True)
    rows = list(
        candidates.filter(rule)
        .order_by("region_code", "id")
        .values_list(
            "pk",
            "region_code",
            "status",
            "owner_id",
            "holder_id",
            "registered_at",
            "transfers",
            "was_reopened",
            "number",
        )
    )
    if not rows:
        raise Invalid(_("按此规则，该范围内没有需要清理的纠纷"))

    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            year=year,
            quarter=quarter,
            region=place,
            open_days=days,
            min_transfers=transfers,
            reopened=bool(reopened),
            created_by=actor,
            created_at=now,
        )
        heads = access.heads_of({row[4] for row in rows})
        leaders = _default_leaders([row[0] for row in rows], [row[1] for row in rows])
        items = []
        numbers = {}
        for (
            pk,
            code,
            status,
            owner_id,
            holder_id,
            registered_at,
            n_transfers,
            again,
            number,
        ) in rows:
            numbers[pk] = number
            matched = []
            if days is not None and registered_at < now - timedelta(days=days):
                matched.append("open_days")
            if transfers is not None and (n_transfers or 0) >= transfers:
                matched.append("transfers")
            if reopened and again:
                matched.append("reopened")
            items.append(
                CampaignItem(
                    campaign=campaign,
                    dispute_id=pk,
                    region_code=code,
                    matched=matched,
                    status_at_start=status,
                    owner_id=owner_id or next(iter(heads.get(holder_id, [])), None),
                    leader_id=leaders.get(pk),
                )
            )
        CampaignItem.objects.bulk_create(items, batch_size=1000)
        audit_bulk(
            model=CampaignItem, action="create", pks=[item.pk for item in items],
            fields=["campaign", "dispute", "matched", "status_at_start", "owner", "leader"],
            region_code=getattr(campaign, "region_code", None),
        )  # fmt: skip
        notify_bulk(
            kind=Kind.CAMPAIGN,
            rows=[
                (
                    [item.owner_id, item.leader_id],
                    item.dispute_id,
                    str(campaign.pk),
                    {"campaign": campaign.name, "number": numbers[item.dispute_id]},
                )
                for item in items
            ],
            at=now,
        )
    return campaign


def _optional_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _default_leaders(dispute_ids: list[int], codes: list[int]) -> dict[int, int]:
    """Each dispute's leader for a campaign: its active owner, or else a leader of the nearest
    tier body over its place (town before county before city)."""
    owned = dict(
        LeaderOwnership.objects.filter(
            dispute_id__in=dispute_ids, status=OwnershipStatus.ACTIVE
        ).values_list("dispute_id", "leader_id")
    )
    seats = sorted(
        (
            (-level, code, user_id)
            for user_id, code, level in Membership.objects.filter(
                role=Role.LEADER, body__active=True, user__is_active=True
            )
            .exclude(body__kind=BodyKind.DEPARTMENT)
            .values_list("user_id", "body__region_code", "body__region__level")
        ),
    )
    found: dict[int, int] = {}
    for pk, code in zip(dispute_ids, codes, strict=True):
        if pk in owned:
            found[pk] = owned[pk]
            continue
        for negative_level, body_code, user_id in seats:
            low, high = code_span(body_code, -negative_level)
            if low <= code <= high:
                found[pk] = user_id
                break
    return found


def campaign_item_assign(
    *, actor: Any, item_id: int, owner: Any = None, leader: Any = None
) -> CampaignItem:
    """Change a campaign item's owner (staff of a body over the dispute's place) or leader
    (a leader over it)."""
    try:
        item = CampaignItem.objects.select_related("campaign").get(pk=int(item_id))
    except (CampaignItem.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("清理对象不存在或不在您的管辖范围内")) from None
    if not scope_of(actor).contains(item.region_code):
        raise NotFound(_("清理对象不存在或不在您的管辖范围内"))
    if not _campaign_seat(actor, item.campaign.region_id):
        raise Forbidden(_("只有清理范围内的负责人或督查员可以调整责任人"))
    if item.campaign.closed_at is not None:
        raise IllegalMove(_("该集中清理已结束"))
    dispute = Dispute.objects.select_related("region").get(pk=item.dispute_id)
    fields: dict[str, list[str]] = {}
    owner_user = _user(owner)
    leader_user = _user(leader)
    if owner_user is not None and not any(
        s.role in access.STAFF and s.covers(dispute.region_code) for s in access.seats(owner_user)
    ):
        fields["owner"] = [_("%(name)s 不是该纠纷所在辖区的工作人员") % {"name": owner_user}]
    if leader_user is not None and access.leader_seat(leader_user, dispute) is None:
        fields["leader"] = [_("%(name)s 不是该纠纷所在辖区的包案领导") % {"name": leader_user}]
    if fields:
        raise Invalid(_("填写有误，请按提示修改"), fields=fields)
    changed = []
    if owner_user is not None:
        item.owner = owner_user
        changed.append("owner")
    if leader_user is not None:
        item.leader = leader_user
        changed.append("leader")
    if changed:
        item.save(update_fields=changed)
    return item


def campaign_close(*, actor: Any, campaign_id: int, at: datetime | None = None) -> Campaign:
    """End a campaign, keeping its result as it stands."""
    from jiefen.supervision.selectors import campaign_result

    now = at or timezone.now()
    with transaction.atomic():
        try:
            campaign = Campaign.objects.select_for_update().get(pk=int(campaign_id))
        except (Campaign.DoesNotExist, TypeError, ValueError):
            raise NotFound(_("集中清理不存在或不在您的管辖范围内")) from None
        if not scope_of(actor).contains(campaign.region_id):
            raise NotFound(_("集中清理不存在或不在您的管辖范围内"))
        if not _campaign_seat(actor, campaign.region_id):
            raise Forbidden(_("只有清理范围内的负责人或督查员可以结束集中清理"))
        if campaign.closed_at is not None:
            raise Conflict(_("该集中清理已结束"))
        campaign.result = campaign_result(campaign)
        campaign.closed_at = now
        campaign.save(update_fields=["result", "closed_at"])
    return campaign
