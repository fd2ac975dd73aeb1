"""Receptions (下访/约访): leaders publish reception days with a place, a time and slots;
staff, or the parties themselves on the public page, book a slot for a dispute or a new
matter; the record of the meeting is linked to the dispute — as an event in its history — or
registers a new one through the dispute services. The reads are in selectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.audit.services import audit_bulk
from jiefen.disputes.access import dispute_for, roles_by_body
from jiefen.disputes.models import Dispute
from jiefen.disputes.services import (
    DisputeInput,
    dispute_note,
    dispute_register,
)
from jiefen.lib.errors import Forbidden, IllegalMove, Invalid, NotFound
from jiefen.lib.personal import valid_phone
from jiefen.lib.text import text_check
from jiefen.org.models import Body, BodyKind, Membership
from jiefen.org.scope import scope_of
from jiefen.receptions.access import bookings_for, day_for
from jiefen.receptions.models import (
    BookingStatus,
    ReceptionBooking,
    ReceptionDay,
    ReceptionKind,
    ReceptionSlot,
)
from jiefen.receptions.selectors import PUBLISHING_ROLES, RECEIVING_ROLES, may_receive
from jiefen.regions.models import code_span

RECEPTION = "reception"  # the event action of a recorded reception
MAX_SLOTS = 40


@dataclass
class DayInput:
    leader: Any
    kind: str
    date: date | None
    starts_at: time | None
    ends_at: time | None
    place: str
    slot_minutes: int | None = 30
    note: str = ""


def reception_publish(
    *, actor: Any, body: Body, data: DayInput, at: datetime | None = None
) -> ReceptionDay:
    """Publish a leader's reception day with its slots (equal lengths from start to end)."""
    now = at or timezone.now()
    today = timezone.localdate(now)
    if body.kind == BodyKind.DEPARTMENT or body.kind == BodyKind.VILLAGE_GROUP:
        raise Invalid(_("接访日由乡镇（街道）、县级或市级单位发布"))
    if not (actor.is_superuser or roles_by_body(actor).get(body.pk, set()) & PUBLISHING_ROLES):
        raise Forbidden(_("您不是%(body)s的领导或工作人员，不能发布接访日") % {"body": body.name})
    fields: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        fields.setdefault(name, []).append(message)

    if data.leader is None:
        add("leader", _("请选择接访领导"))
    elif not Membership.objects.filter(
        user=data.leader, body=body, role__in=list(RECEIVING_ROLES)
    ).exists():
        add("leader", _("接访领导应为本单位的领导或负责人"))
    if data.kind not in ReceptionKind.values:
        add("kind", _("请选择接访方式"))
    if data.date is None:
        add("date", _("请填写日期"))
    elif data.date < today:
        add("date", _("日期不能早于今天"))
    if data.starts_at is None or data.ends_at is None:
        add("ends_at", _("请填写开始和结束时间"))
    elif data.ends_at <= data.starts_at:
        add("ends_at", _("结束时间应晚于开始时间"))
    place = (data.place or "").strip()
    if not place:
        add("place", _("请填写地点"))
    minutes = data.slot_minutes or 0
    if not 10 <= minutes <= 240:
        add("slot_minutes", _("每个时段应为 10 至 240 分钟"))
    slots: list[tuple[time, time]] = []
    if not fields:
        assert data.date and data.starts_at and data.ends_at
        start = datetime.combine(data.date, data.starts_at)
        end = datetime.combine(data.date, data.ends_at)
        while start + timedelta(minutes=minutes) <= end:
            slots.append((start.time(), (start + timedelta(minutes=minutes)).time()))
            start += timedelta(minutes=minutes)
        if not slots:
            add("slot_minutes", _("时间段内放不下一个时段"))
        elif len(slots) > MAX_SLOTS:
            add("slot_minutes", _("时段过多（最多 %(n)d 个）") % {"n": MAX_SLOTS})
    if fields:
        raise Invalid(next(iter(fields.values()))[0], fields=fields)
    assert data.date and data.starts_at and data.ends_at
    with transaction.atomic():
        day = ReceptionDay.objects.create(
            body=body,
            region_code=body.region_code,
            leader=data.leader,
            kind=data.kind,
            date=data.date,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            place=place[:100],
            note=(data.note or "").strip()[:300],
            published_by=actor,
            published_at=now,
        )
        made = ReceptionSlot.objects.bulk_create(
            ReceptionSlot(day=day, starts_at=s, ends_at=e) for s, e in slots
        )
        audit_bulk(
            model=ReceptionSlot, action="create", pks=[slot.pk for slot in made],
            fields=["day", "starts_at", "ends_at"], region_code=body.region_code,
        )  # fmt: skip
    return day


@dataclass
class MatterInput:
    """A new matter, not registered yet."""

    title: str
    description: str
    contact_name: str
    contact_phone: str


def _check_matter(matter: MatterInput) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for name, limit, required, empty in (
        ("title", 100, True, _("请填写事由")),
        ("description", 2000, False, None),
        ("contact_name", 50, True, _("请填写联系人")),
    ):
        _value, problem = text_check(
            getattr(matter, name), limit=limit, required=required, empty=empty
        )
        if problem:
            fields[name] = [problem]
    if not valid_phone(matter.contact_phone.strip()):
        fields["contact_phone"] = [_("请填写正确的联系电话")]
    return fields


def _lock_free_slot(slot_id: int) -> ReceptionSlot:
    slot = (
        ReceptionSlot.objects.select_for_update()
        .select_related("day", "day__body")
        .filter(pk=slot_id)
        .first()
    )
    if slot is None:
        raise NotFound(_("所选时段不存在"))
    return slot


def reception_book(
    *,
    actor: Any,
    slot_id: int,
    dispute: Dispute | None = None,
    matter: MatterInput | None = None,
    at: datetime | None = None,
) -> ReceptionBooking:
    """Book a slot for `dispute` (which the caller has already found: through dispute_for for
    staff, dispute_by_query for a party) or for a new `matter`. `actor` is None for a party
    booking on the public page."""
    now = at or timezone.now()
    if (dispute is None) == (matter is None):
        raise Invalid(
            _("请选择一件纠纷，或填写新的事项"),
            fields={"dispute": [_("请选择一件纠纷，或填写新的事项")]},
        )
    if matter is not None:
        fields = _check_matter(matter)
        if fields:
            raise Invalid(next(iter(fields.values()))[0], fields=fields)
    try:
        with transaction.atomic():
            slot = _lock_free_slot(slot_id)
            day = slot.day
            if actor is not None and not scope_of(actor).contains(day.region_code):
                raise NotFound(_("所选时段不存在"))
            if day.cancelled:
                raise IllegalMove(_("该接访日已取消"))
            if day.date < timezone.localdate(now):
                raise IllegalMove(_("该接访日已过，不能预约"))
            low, high = code_span(day.body.region_code, day.body.region.level)
            if dispute is not None and not low <= dispute.region_code <= high:
                raise Invalid(
                    _("该纠纷不在%(body)s的辖区内，请预约当地的接访") % {"body": day.body.name},
                    fields={"dispute": [_("该纠纷不在本次接访单位的辖区内")]},
                )
            if slot.bookings.exclude(status=BookingStatus.CANCELLED).exists():
                raise IllegalMove(_("该时段已被预约，请选择其他时段"))
            booking = ReceptionBooking.objects.create(
                slot=slot,
                dispute=dispute,
                title=(matter.title.strip() if matter else ""),
                description=(matter.description.strip() if matter else ""),
                contact_name=(matter.contact_name.strip() if matter else ""),
                contact_phone=(matter.contact_phone.strip() if matter else ""),
                public=actor is None,
                booked_by=actor,
                booked_at=now,
            )
    except IntegrityError:
        raise IllegalMove(_("该时段已被预约，请选择其他时段")) from None
    return booking


def booking_cancel(*, actor: Any, booking_id: int) -> ReceptionBooking:
    with transaction.atomic():
        booking = _booking_for(actor, booking_id)
        if booking.status != BookingStatus.BOOKED:
            raise IllegalMove(_("只能取消尚未接待的预约"))
        booking.status = BookingStatus.CANCELLED
        booking.save(update_fields=["status"])
    return booking


def _booking_for(actor: Any, booking_id: int) -> ReceptionBooking:
    # Scoped in the query: a booking of another jurisdiction is never read, let alone locked.
    booking = (
        bookings_for(actor)
        .select_for_update()
        .filter(pk=booking_id)
        .select_related("slot", "slot__day", "slot__day__body", "slot__day__body__region")
        .first()
    )
    if booking is None:
        raise NotFound(_("预约不存在或不在您的管辖范围内"))
    return booking


def reception_record(
    *,
    actor: Any,
    booking_id: int,
    record: str,
    absent: bool = False,
    register: DisputeInput | None = None,
    at: datetime | None = None,
) -> ReceptionBooking:
    """Record what happened at a booked reception. For a dispute, the record becomes an event
    in its history ("reception"); for a new matter, `register` (if given) registers it as a
    dispute through the dispute services and links it. `absent`: the party did not come."""
    now = at or timezone.now()
    record = (record or "").strip()
    if not absent and not record:
        raise Invalid(_("请填写接访记录"), fields={"record": [_("请填写接访记录")]})
    if len(record) > 5000:
        raise Invalid(_("接访记录过长"), fields={"record": [_("不能超过 5000 个字")]})
    with transaction.atomic():
        booking = _booking_for(actor, booking_id)
        day = booking.slot.day
        if not may_receive(actor, day):
            raise Forbidden(_("只有接访领导或本单位工作人员可以记录"))
        if booking.status != BookingStatus.BOOKED:
            raise IllegalMove(_("该预约已记录或已取消"))
        if day.date > timezone.localdate(now):
            raise IllegalMove(_("接访日尚未到，不能记录"))
        booking.status = BookingStatus.ABSENT if absent else BookingStatus.HELD
        booking.record = record
        booking.recorded_by = actor
        booking.recorded_at = now
        if not absent and booking.dispute_id is None and register is not None:
            booking.dispute = dispute_register(actor=actor, data=register, at=now)
        booking.save()
        if not absent and booking.dispute_id is not None:
            dispute = dispute_for(actor, booking.dispute_id, for_update=True)
            params: dict[str, Any] = {
                "booking": booking.pk,
                "kind": day.kind,
                "leader": day.leader_id,
                "reception_date": day.date.isoformat(),
            }
            dispute_note(
                dispute=dispute,
                action=RECEPTION,
                actor=actor,
                at=now,
                body_id=day.body_id,
                reason=record,
                params=params,
            )
    return booking


def day_cancel(*, actor: Any, day_id: int) -> ReceptionDay:
    with transaction.atomic():
        day = day_for(actor, day_id)
        if not may_receive(actor, day):
            raise Forbidden(_("只有接访领导或本单位工作人员可以取消"))
        day.cancelled = True
        day.save(update_fields=["cancelled"])
    return day
