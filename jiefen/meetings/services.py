"""Every write to meetings: schedules, generated meetings and their agendas, the record of a
held meeting, and decisions — each recorded in one transaction with its effect on a dispute,
so that a decision never exists without its effect (a refused effect leaves nothing behind).

Refusals raise the disputes' errors (jiefen.disputes.lifecycle: Invalid, Forbidden, NotFound,
IllegalMove), with messages for people and field names for forms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.audit.services import audit_bulk
from jiefen.calendars.services import calendar_current
from jiefen.disputes import services as dispute_services
from jiefen.disputes.access import dispute_for, roles_by_body
from jiefen.disputes.reads import dispute_latest_event
from jiefen.lib.errors import Errors, Forbidden, IllegalMove, Invalid
from jiefen.meetings import integration
from jiefen.meetings.access import meeting_for
from jiefen.meetings.agenda import agenda_build
from jiefen.meetings.models import (
    Attendance,
    AttendanceKind,
    Cadence,
    DayRule,
    Decision,
    DecisionKind,
    Meeting,
    MeetingSeries,
    MeetingStatus,
)
from jiefen.meetings.schedule import next_meeting_date, series_dates
from jiefen.meetings.screening import screening_reminders
from jiefen.ops.batches import write_batch
from jiefen.org.models import Body, BodyKind, Membership, Role
from jiefen.regions.models import code_span

__all__ = [
    "decision_record",
    "meeting_record",
    "meetings_generate",
    "meetings_sweep",
    "next_meeting_date",
    "screening_reminders",
    "series_defaults",
    "series_save",
]

# The sweep rebuilds an agenda not held yet once it is older than this.
AGENDA_REFRESH = timedelta(hours=1)
MEETING_KINDS = (BodyKind.TOWN_CENTRE, BodyKind.COUNTY_MEETING)
DEFAULT_CADENCE = {BodyKind.TOWN_CENTRE: Cadence.HALF, BodyKind.COUNTY_MEETING: Cadence.MONTH}
MANAGING_ROLES = frozenset({Role.HEAD, Role.CLERK})
HORIZON_DAYS = 31
TEXT_MAX = 2000


def may_manage(actor: Any, body: Body) -> bool:
    """Heads and clerks (the office) of a body run its meetings and circulars."""
    if not getattr(actor, "is_active", False):
        return False
    if actor.is_superuser:
        return True
    return bool(roles_by_body(actor).get(body.pk, set()) & MANAGING_ROLES)


def _require_manager(actor: Any, body: Body) -> None:
    if not may_manage(actor, body):
        raise Forbidden(_("只有%(body)s的负责人或工作人员可以操作") % {"body": body.name})


# --- schedules --------------------------------------------------------------------------------


@dataclass
class SeriesInput:
    cadence: str
    rule: str = DayRule.LAST_WORKING_DAY
    day: int = 1
    weekday: int | None = None
    starts_at: time | None = time(9, 0)
    place: str = ""
    active: bool = True


def series_save(
    *, actor: Any, body: Body, data: SeriesInput, at: datetime | None = None
) -> MeetingSeries:
    """Create or change `body`'s meeting schedule, then generate its coming meetings. Meetings
    already generated keep their dates; later periods follow the new rule."""
    now = at or timezone.now()
    if body.kind not in MEETING_KINDS:
        raise Invalid(
            _("只有乡镇（街道）矛调中心和县级联席会议有例会"),
            fields={"body": [_("只有乡镇（街道）矛调中心和县级联席会议有例会")]},
        )
    _require_manager(actor, body)
    errors = Errors()
    if data.cadence not in Cadence.values:
        errors.add("cadence", _("请选择会议周期"))
    if data.rule not in DayRule.values:
        errors.add("rule", _("请选择日期规则"))
    elif data.rule == DayRule.DAY and not 1 <= int(data.day or 0) <= 31:
        errors.add("day", _("期内第几天应为 1 至 31"))
    elif data.rule == DayRule.WEEKDAY:
        if data.weekday is None or not 0 <= int(data.weekday) <= 4:
            errors.add("weekday", _("请选择星期一至星期五"))
        if int(data.day or 0) not in (1, 2, 3, 4, -1):
            errors.add("day", _("第几个应为 1 至 4，或 -1（最后一个）"))
    if data.starts_at is None:
        errors.add("starts_at", _("请填写开始时间"))
    place = errors.text("place", data.place, 100, required=True, empty=_("请填写会议地点"))
    errors.raise_if_any()
    with transaction.atomic():
        series, _created = MeetingSeries.objects.update_or_create(
            body=body,
            defaults={
                "cadence": data.cadence,
                "rule": data.rule,
                "day": int(data.day or 1),
                "weekday": data.weekday if data.rule == DayRule.WEEKDAY else None,
                "starts_at": data.starts_at,
                "place": place,
                "active": data.active,
            },
            create_defaults={
                "cadence": data.cadence,
                "rule": data.rule,
                "day": int(data.day or 1),
                "weekday": data.weekday if data.rule == DayRule.WEEKDAY else None,
                "starts_at": data.starts_at,
                "place": place,
                "active": data.active,
                "created_by": actor,
                "created_at": now,
            },
        )
    if series.active:
        meetings_generate(today=timezone.localdate(now), series=[series], at=now)
    return series


def series_defaults(*, at: datetime | None = None) -> int:
    """Give every active town centre and county joint meeting without a schedule the default
    one (half-monthly for towns, monthly for counties, on the last working day of the period,
    09:00 in the body's meeting room) and generate their coming meetings. For the demo and new
    installations; idempotent. Returns how many schedules were created."""
    now = at or timezone.now()
    bodies = Body.objects.filter(kind__in=MEETING_KINDS, active=True, meeting_series__isnull=True)
    created = []
    for body in bodies.select_related("region"):
        try:
            with transaction.atomic():
                created.append(
                    MeetingSeries.objects.create(
                        body=body,
                        cadence=DEFAULT_CADENCE[BodyKind(body.kind)],
                        rule=DayRule.LAST_WORKING_DAY,
                        starts_at=time(9, 0),
                        place=_("%(body)s会议室") % {"body": body.name},
                        created_at=now,
                    )
                )
        except IntegrityError:
            continue
    meetings_generate(today=timezone.localdate(now), series=created, at=now)
    return len(created)


def meetings_generate(
    *,
    today: date,
    horizon_days: int = HORIZON_DAYS,
    series: Iterable[MeetingSeries] | None = None,
    at: datetime | None = None,
) -> list[Meeting]:
    """Create the meetings of active series falling from `today` to `today + horizon_days`
    that do not exist yet, each with its agenda built from the data now. Idempotent: a
    meeting that exists (generated by another worker meanwhile) is left alone."""
    now = at or timezone.now()
    calendar = calendar_current()
    if series is None:
        series = MeetingSeries.objects.filter(active=True).select_related("body", "body__region")
    created: list[Meeting] = []
    last = today + timedelta(days=horizon_days)
    for one in series:
        existing = set(
            Meeting.objects.filter(series=one, period_end__gte=today).values_list(
                "period_start", flat=True
            )
        )
        for period, day in series_dates(one, today, last, calendar):
            if period.start in existing or day < today or day > last:
                continue
            meeting = Meeting(
                series=one,
                body=one.body,
                period_kind=period.kind,
                period_start=period.start,
                period_end=period.end,
                date=day,
                starts_at=one.starts_at,
                place=one.place,
                created_at=now,
            )
            # Built before the write: the reads take no lock, the insert a few milliseconds.
            meeting.agenda = agenda_build(meeting, now)
            meeting.agenda_built_at = now
            try:
                with write_batch():
                    meeting.save()
            except IntegrityError:
                continue  # generated by someone else in the meantime
            created.append(meeting)
    return created


def agenda_refresh(*, actor: Any, meeting_id: int, at: datetime | None = None) -> Meeting:
    """Rebuild the agenda of a meeting not held yet from the data now."""
    now = at or timezone.now()
    with transaction.atomic():
        meeting = meeting_for(actor, meeting_id, for_update=True)
        _require_manager(actor, meeting.body)
        if meeting.status != MeetingStatus.SCHEDULED:
            raise IllegalMove(_("会议已召开或已取消，议程不再更新"))
        meeting.agenda = agenda_build(meeting, now)
        meeting.agenda_built_at = now
        meeting.save(update_fields=["agenda", "agenda_built_at"])
    return meeting


def meetings_sweep(*, today: date, at: datetime | None = None) -> int:
    """For the periodic sweep: generate the coming meetings, and rebuild the agendas of
    meetings not held yet whose period has begun and whose agenda is older than
    AGENDA_REFRESH, so that an agenda is at most that old. Each agenda is built outside any
    transaction and written in a short one of its own. Idempotent. Returns how many meetings
    were generated or had their agenda rebuilt."""
    now = at or timezone.now()
    created = meetings_generate(today=today, at=now)
    refreshed = 0
    due = (
        Meeting.objects.filter(
            status=MeetingStatus.SCHEDULED, date__gte=today, period_start__lte=today
        )
        .exclude(agenda_built_at__gt=now - AGENDA_REFRESH)
        .select_related("body", "body__region")
        .order_by("pk")
    )
    for meeting in list(due):
        agenda = agenda_build(meeting, now)
        with write_batch():
            # Not if it was held or cancelled while its agenda was being built.
            updated = Meeting.objects.filter(pk=meeting.pk, status=MeetingStatus.SCHEDULED).update(
                agenda=agenda, agenda_built_at=now
            )  # audit-exempt: recorded below
            if updated:
                audit_bulk(
                    model=Meeting, action="update", pks=[meeting.pk],
                    fields=["agenda", "agenda_built_at"], region_code=meeting.body.region_code,
                )  # fmt: skip
                refreshed += 1
    return len(created) + refreshed


def meeting_reschedule(
    *,
    actor: Any,
    meeting_id: int,
    day: date | None,
    starts_at: time | None,
    place: str,
    at: datetime | None = None,
) -> Meeting:
    """Move a meeting not held yet (a holiday announced late, the leader away)."""
    errors = Errors()
    today = timezone.localdate(at or timezone.now())
    if day is None:
        errors.add("date", _("请填写会议日期"))
    elif day < today:
        errors.add("date", _("会议日期不能早于今天"))
    elif not calendar_current().is_working_day(day):
        errors.add("date", _("%(date)s 不是工作日") % {"date": day.isoformat()})
    if starts_at is None:
        errors.add("starts_at", _("请填写开始时间"))
    if not (place or "").strip():
        errors.add("place", _("请填写会议地点"))
    errors.raise_if_any()
    with transaction.atomic():
        meeting = meeting_for(actor, meeting_id, for_update=True)
        _require_manager(actor, meeting.body)
        if meeting.status != MeetingStatus.SCHEDULED:
            raise IllegalMove(_("只能调整尚未召开的会议"))
        meeting.date = day  # type: ignore[assignment]
        meeting.starts_at = starts_at  # type: ignore[assignment]
        meeting.place = place.strip()
        meeting.save(update_fields=["date", "starts_at", "place"])
    return meeting


def meeting_cancel(*, actor: Any, meeting_id: int) -> Meeting:
    with transaction.atomic():
        meeting = meeting_for(actor, meeting_id, for_update=True)
        _require_manager(actor, meeting.body)
        if meeting.status != MeetingStatus.SCHEDULED:
            raise IllegalMove(_("只能取消尚未召开的会议"))
        meeting.status = MeetingStatus.CANCELLED
        meeting.save(update_fields=["status"])
    return meeting


# --- the record of a held meeting ------------------------------------------------------------


@dataclass
class Person:
    name: str
    unit: str = ""


@dataclass
class MeetingRecord:
    held_on: date | None
    chair: Any  # a User, or None
    minutes: str
    present: Sequence[Any] = ()  # Users
    present_others: Sequence[Person] = ()
    observers: Sequence[Person] = ()
    absent: Sequence[Person] = ()
    place: str = ""


def _people_errors(errors: Errors, name: str, people: Sequence[Person]) -> None:
    for person in people:
        if not person.name.strip() or len(person.name) > 50 or len(person.unit) > 100:
            errors.add(name, _("每行填写一人：姓名（不超过 50 字）和单位或职务"))
            return


def meeting_record(
    *, actor: Any, meeting_id: int, record: MeetingRecord, at: datetime | None = None
) -> Meeting:
    """Record a meeting as held — chair, attendance, minutes — or amend that record. The first
    record gives the meeting its number for the year (第 N 期)."""
    now = at or timezone.now()
    today = timezone.localdate(now)
    errors = Errors()
    if record.chair is None:
        errors.add("chair", _("请选择会议主持人"))
    if record.held_on is None:
        errors.add("held_on", _("请填写召开日期"))
    elif record.held_on > today:
        errors.add("held_on", _("召开日期不能晚于今天"))
    minutes = errors.text(
        "minutes", record.minutes, 20000, required=True, empty=_("请填写会议纪要")
    )
    errors.text("place", record.place, 100)
    _people_errors(errors, "present_others", record.present_others)
    _people_errors(errors, "observers", record.observers)
    _people_errors(errors, "absent", record.absent)
    errors.raise_if_any()
    with transaction.atomic():
        meeting = meeting_for(actor, meeting_id, for_update=True)
        _require_manager(actor, meeting.body)
        if meeting.status == MeetingStatus.CANCELLED:
            raise IllegalMove(_("会议已取消，不能记录"))
        assert record.held_on is not None
        if record.held_on < meeting.period_start - timedelta(days=31):
            raise Invalid(
                _("召开日期与会议所属期间不符"),
                fields={"held_on": [_("召开日期与会议所属期间不符")]},
            )
        members = set(
            Membership.objects.filter(body=meeting.body).values_list("user_id", flat=True)
        )
        if record.chair.pk not in members and not record.chair.is_superuser:
            raise Invalid(
                _("主持人应为%(body)s的成员") % {"body": meeting.body.name},
                fields={"chair": [_("主持人应为%(body)s的成员") % {"body": meeting.body.name}]},
            )
        if meeting.seq is None or meeting.year != record.held_on.year:
            # Numbers run per body and year; the body row is locked so two records queue.
            Body.objects.select_for_update().filter(pk=meeting.body_id).exists()
            top = Meeting.objects.filter(body=meeting.body, year=record.held_on.year).aggregate(
                top=Max("seq")
            )["top"]
            meeting.year = record.held_on.year
            meeting.seq = (top or 0) + 1
        meeting.status = MeetingStatus.HELD
        meeting.held_on = record.held_on
        meeting.chair = record.chair
        meeting.minutes = minutes
        if record.place.strip():
            meeting.place = record.place.strip()
        meeting.recorded_by = actor
        meeting.recorded_at = now
        meeting.save()
        Attendance.objects.filter(meeting=meeting).delete()
        rows = [
            Attendance(
                meeting=meeting,
                kind=AttendanceKind.PRESENT,
                user=user,
                name=(user.full_name or user.username)[:50],
            )
            for user in record.present
        ]
        for kind, people in (
            (AttendanceKind.PRESENT, record.present_others),
            (AttendanceKind.OBSERVER, record.observers),
            (AttendanceKind.ABSENT, record.absent),
        ):
            rows += [
                Attendance(meeting=meeting, kind=kind, name=p.name.strip(), unit=p.unit.strip())
                for p in people
            ]
        Attendance.objects.bulk_create(rows)
        audit_bulk(
            model=Attendance, action="create", pks=[row.pk for row in rows],
            fields=["meeting", "kind", "user", "name", "unit"],
            region_code=meeting.body.region_code,
        )  # fmt: skip
    return meeting


# --- decisions ------------------------------------------------------------------------------


@dataclass
class DecisionInput:
    kind: str
    dispute_id: int | None
    text: str
    # department
    department: Body | None = None
    days: int | None = None
    # leader
    leader: Any = None
    plan: str = ""
    target_date: date | None = None
    # order
    requirement: str = ""
    to_body: Body | None = None


def _decision_errors(data: DecisionInput) -> Errors:
    errors = Errors()
    if data.kind not in DecisionKind.values:
        errors.add("kind", _("请选择决定类型"))
    if data.dispute_id is None:
        errors.add("dispute", _("请选择决定事项针对的纠纷"))
    errors.text("text", data.text, TEXT_MAX, required=True, empty=_("请填写决定内容"))
    if data.kind == DecisionKind.DEPARTMENT:
        if data.department is None:
            errors.add("department", _("请选择牵头部门"))
        if data.days is None:
            errors.add("days", _("请填写办理期限（工作日）"))
    elif data.kind == DecisionKind.LEADER:
        if data.leader is None:
            errors.add("leader", _("请选择包案领导"))
        if not (data.plan or "").strip():
            errors.add("plan", _("请填写化解方案"))
        if data.target_date is None:
            errors.add("target_date", _("请填写化解目标日期"))
    elif data.kind == DecisionKind.ORDER:
        if not (data.requirement or "").strip():
            errors.add("requirement", _("请填写督办要求"))
        if data.days is None:
            errors.add("days", _("请填写办理期限（工作日）"))
    return errors


def decision_record(
    *, actor: Any, meeting_id: int, data: DecisionInput, at: datetime | None = None
) -> Decision:
    """Record a decision of a held meeting together with its effect, in one transaction:
    assign a lead department (disputes.services.dispute_assign), assign a leader
    (supervision.services.ownership_assign) or issue a supervision order
    (supervision.services.order_issue). If the effect is refused, its error is raised and
    nothing is recorded."""
    now = at or timezone.now()
    errors = _decision_errors(data)
    errors.raise_if_any()
    assert data.dispute_id is not None
    supervision = None
    if data.kind in (DecisionKind.LEADER, DecisionKind.ORDER):
        supervision = integration.supervision_services()
        if supervision is None:
            raise Invalid(_("督办和包案功能尚未启用，暂不能作此决定"))
    text = data.text.strip()
    with transaction.atomic():
        meeting = meeting_for(actor, meeting_id, for_update=True)
        _require_manager(actor, meeting.body)
        if meeting.status != MeetingStatus.HELD:
            raise IllegalMove(_("请先记录会议召开情况（主持人、出席人员、纪要），再记录决定"))
        dispute = dispute_for(actor, data.dispute_id)
        low, high = code_span(meeting.body.region_code, meeting.body.region.level)
        if not low <= dispute.region_code <= high:
            raise Invalid(
                _("纠纷 %(number)s 不在%(body)s的辖区内")
                % {"number": dispute.number, "body": meeting.body.name},
                fields={"dispute": [_("该纠纷不在本会议的辖区内")]},
            )
        params: dict[str, Any]
        effect: dict[str, Any]
        refused = integration.refusals()
        try:
            if data.kind == DecisionKind.DEPARTMENT:
                assert data.department is not None and data.days is not None
                dispute_services.dispute_assign(
                    actor=actor,
                    dispute_id=dispute.pk,
                    version=None,
                    department=data.department,
                    days=data.days,
                    reason=text,
                    at=now,
                )
                params = {"department": data.department.pk, "days": int(data.days)}
                event = dispute_latest_event(dispute)
                effect = {"event": event.pk if event else None}
            elif data.kind == DecisionKind.LEADER:
                assert supervision is not None and data.target_date is not None
                ownership = supervision.ownership_assign(
                    actor=actor,
                    dispute_id=dispute.pk,
                    leader=data.leader,
                    plan=data.plan.strip(),
                    target_date=data.target_date,
                    at=now,
                )
                params = {
                    "leader": data.leader.pk,
                    "target_date": data.target_date.isoformat(),
                    "plan": data.plan.strip(),
                }
                effect = {"ownership": getattr(ownership, "pk", None)}
            else:
                assert supervision is not None and data.days is not None
                order = supervision.order_issue(
                    actor=actor,
                    dispute_id=dispute.pk,
                    requirement=data.requirement.strip(),
                    days=int(data.days),
                    to_body=data.to_body,
                    at=now,
                )
                params = {
                    "requirement": data.requirement.strip(),
                    "days": int(data.days),
                    "to_body": data.to_body.pk if data.to_body else None,
                }
                effect = {"order": getattr(order, "pk", None)}
        except refused as error:
            raise Invalid(
                _("决定未能执行，未作记录：%(reason)s")
                % {"reason": integration.refusal_message(error)},
                fields=integration.refusal_fields(error),
            ) from error
        decision = Decision.objects.create(
            meeting=meeting,
            kind=data.kind,
            dispute=dispute,
            text=text,
            params=params,
            effect=effect,
            decided_by=actor,
            decided_at=now,
        )
    return decision
