"""Leader ownership (领导包案): a leader assigned to a major case with a target date, extensions
asked and approved, progress notes and the sign-off."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.disputes.models import Dispute
from jiefen.disputes.services import dispute_note
from jiefen.lib.errors import Conflict, Forbidden, IllegalMove, Invalid, NotFound
from jiefen.org.models import BodyKind, Membership, Role
from jiefen.supervision import access, events
from jiefen.supervision.models import (
    Extension,
    ExtensionStatus,
    Kind,
    LeaderOwnership,
    OwnershipStatus,
    ProgressNote,
)
from jiefen.supervision.notifications import notify
from jiefen.supervision.writing import (
    RESOLVED_STATUSES,
    TARGET_DAYS_MAX,
    TEXT_MAX,
    _check_open,
    _is_super,
    _locked,
    _name,
    _text,
    _user,
)

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
        dispute_note(
            dispute=dispute,
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
        dispute_note(
            dispute=dispute,
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
        dispute_note(
            dispute=dispute,
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
        dispute_note(
            dispute=dispute,
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
        dispute_note(
            dispute=dispute,
            action=events.LEADER_SIGN_OFF,
            actor=actor,
            at=now,
            body_id=ownership.leader_body_id,
            reason=note,
            params={"ownership": ownership.pk},
        )
    return ownership
