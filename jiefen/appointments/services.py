"""Writes of the proposed session times: propose, reply, confirm, cancel, join, and the
reminders the sweep sends. Every proposal, reply, agreement, confirmation and cancellation is
an event in the dispute's history (disputes.services.dispute_note, under the dispute's lock);
the events carry machine keys only (slot ids, times) — a party's free text stays in its Reply
row, which the subject-access export carries.

Reminders go by calendar days and hours, not working days: a session agreed for a Monday is
reminded on the Sunday, and two hours before it starts.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.appointments.models import SETTLED, Appointment, Join, Reply, Slot, Status
from jiefen.disputes.access import roles_by_body
from jiefen.disputes.models import Dispute, Event, Party
from jiefen.disputes.services import dispute_lock, dispute_note
from jiefen.lib.errors import CORRECT_THE_FORM, Errors, Forbidden, Invalid, NotFound
from jiefen.org.models import Membership, Role

STAFF_ROLES = frozenset({Role.CLERK, Role.MEDIATOR, Role.HEAD})
PROPOSE = "appointment_propose"
REPLY = "appointment_reply"
AGREE = "appointment_agree"
CONFIRM = "appointment_confirm"
CANCEL = "appointment_cancel"
REPLY_KIND = "appointment_reply"
MAX_SLOTS = 5
DAY_BEFORE = "day-before"
TWO_HOURS = "two-hours"
REMINDER_KINDS = {DAY_BEFORE: "appointment_day_before", TWO_HOURS: "appointment_two_hours"}
TWO_HOURS_BEFORE = timedelta(hours=2)


def may_arrange(actor: Any, dispute: Dispute) -> bool:
    """Staff of the body holding the dispute arrange its sessions."""
    if not getattr(actor, "is_active", False):
        return False
    if actor.is_superuser:
        return True
    return bool(roles_by_body(actor).get(dispute.holder_id, set()) & STAFF_ROLES)


def answering(parties: Iterable[Party]) -> list[Party]:
    """The parties with a way to answer in the portal: a phone on file to prove who they are."""
    return [p for p in parties if p.phone_digest and p.anonymised_at is None]


def room_url(appointment: Appointment) -> str:
    """The remote room's address, or "" where no video server is configured. For the session's
    participants only: never logged, never in a text to anyone else."""
    base = (getattr(settings, "JIEFEN_JITSI_URL", "") or "").rstrip("/")
    if not base or not appointment.room_secret:
        return ""
    prefix = getattr(settings, "JIEFEN_JITSI_ROOM_PREFIX", "") or "jiefen"
    return f"{base}/{prefix}-{appointment.room_secret}"


def _event(dispute: Dispute, action: str, actor: Any, now: datetime, params: dict) -> Event:
    return dispute_note(
        dispute=dispute,
        action=action,
        actor=actor,
        at=now,
        body_id=dispute.holder_id,
        params=params,
        public=True,
    )


def _open_dispute(dispute: Dispute) -> None:
    if not dispute.is_open:
        raise Invalid(_("纠纷已办结，不能再安排调解时间"))


# ---------------------------------------------------------------------------------------------
# The mediator


@dataclass
class SlotInput:
    starts_at: datetime | None
    place: str = ""
    remote: bool = False


def appointment_propose(
    *, actor: Any, dispute_id: Any, slots: list[SlotInput], at: datetime | None = None
) -> Appointment:
    """Propose one or more times for a session; an open round of the dispute is replaced."""
    now = at or timezone.now()
    errors = Errors(CORRECT_THE_FORM)
    given = [s for s in slots if s.starts_at is not None or s.place.strip() or s.remote]
    if not given:
        errors.add("slots", _("请至少填写一个调解时间"))
    if len(given) > MAX_SLOTS:
        errors.add("slots", _("一次最多提出 %(n)s 个时间") % {"n": MAX_SLOTS})
    seen = set()
    for index, slot in enumerate(given):
        field = f"slot{index}"
        if slot.starts_at is None:
            errors.add(field, _("请填写日期和时间"))
        elif slot.starts_at <= now:
            errors.add(field, _("调解时间须晚于现在"))
        elif slot.starts_at in seen:
            errors.add(field, _("这个时间已经填过"))
        else:
            seen.add(slot.starts_at)
        if not slot.remote and not slot.place.strip():
            errors.add(field, _("请填写地点，或选择远程调解"))
        if len(slot.place.strip()) > 100:
            errors.add(field, _("地点不能超过 100 字"))
    errors.raise_if_any()
    with transaction.atomic():
        dispute = dispute_lock(dispute_id, actor=actor)
        if not may_arrange(actor, dispute):
            raise Forbidden(_("只有承办主体的工作人员可以安排调解时间"))
        _open_dispute(dispute)
        for earlier in Appointment.objects.select_for_update().filter(
            dispute=dispute, status=Status.OPEN
        ):
            earlier.status, earlier.closed_at, earlier.closed_by = Status.REPLACED, now, actor
            earlier.save()
        appointment = Appointment.objects.create(
            dispute=dispute,
            proposed_by=actor,
            proposed_at=now,
            room_secret=secrets.token_urlsafe(16) if any(s.remote for s in given) else "",
        )
        rows = [  # every time was checked above
            Slot.objects.create(
                appointment=appointment,
                starts_at=slot.starts_at,  # type: ignore[misc]
                place="" if slot.remote else slot.place.strip(),
                remote=slot.remote,
            )
            for slot in sorted(given, key=lambda s: s.starts_at)  # type: ignore[arg-type,return-value]
        ]
        _event(
            dispute,
            PROPOSE,
            actor,
            now,
            {
                "appointment": appointment.pk,
                "times": [timezone.localtime(s.starts_at).isoformat() for s in rows],
                "remote": [s.remote for s in rows],
            },
        )
    return appointment


def _staff_appointment(actor: Any, appointment_id: Any) -> tuple[Appointment, Dispute]:
    """The appointment, its dispute locked, for staff who may arrange it; a foreign one is
    answered as a missing one."""
    dispute_pk = (
        Appointment.objects.filter(pk=appointment_id).values_list("dispute_id", flat=True).first()
        if str(appointment_id).isdigit()
        else None
    )
    if dispute_pk is None:
        raise NotFound(_("约谈安排不存在"))
    dispute = dispute_lock(dispute_pk, actor=actor)
    if not may_arrange(actor, dispute):
        raise Forbidden(_("只有承办主体的工作人员可以安排调解时间"))
    appointment = Appointment.objects.select_for_update().get(pk=appointment_id)
    return appointment, dispute


def appointment_confirm(
    *, actor: Any, appointment_id: Any, slot_id: Any, at: datetime | None = None
) -> Appointment:
    """The mediator settles the time: the one every party accepted, or one agreed another way
    (by phone, in person)."""
    now = at or timezone.now()
    with transaction.atomic():
        appointment, dispute = _staff_appointment(actor, appointment_id)
        _open_dispute(dispute)
        if appointment.status not in (Status.OPEN, Status.AGREED):
            raise Invalid(_("这次安排已结束，不能再确认"))
        slot = appointment.slots.filter(pk=slot_id).first() if str(slot_id).isdigit() else None
        if slot is None:
            raise Invalid(_("请选择要确认的时间"), fields={"slot": [_("请选择要确认的时间")]})
        if slot.starts_at <= now:
            raise Invalid(_("这个时间已经过去，请重新提出时间"))
        appointment.status, appointment.chosen, appointment.starts_at = (
            Status.CONFIRMED,
            slot,
            slot.starts_at,
        )
        appointment.closed_at, appointment.closed_by = now, actor
        appointment.save()
        _event(
            dispute,
            CONFIRM,
            actor,
            now,
            {"appointment": appointment.pk, "slot": slot.pk, "time": _iso(slot.starts_at)},
        )
    return appointment


def appointment_cancel(
    *, actor: Any, appointment_id: Any, at: datetime | None = None
) -> Appointment:
    now = at or timezone.now()
    with transaction.atomic():
        appointment, dispute = _staff_appointment(actor, appointment_id)
        if appointment.status not in (Status.OPEN, *SETTLED):
            raise Invalid(_("这次安排已结束"))
        appointment.status, appointment.closed_at, appointment.closed_by = (
            Status.CANCELLED,
            now,
            actor,
        )
        appointment.save()
        _event(dispute, CANCEL, actor, now, {"appointment": appointment.pk})
    return appointment


def _iso(when: datetime) -> str:
    return timezone.localtime(when).isoformat()


# ---------------------------------------------------------------------------------------------
# The parties


def appointment_reply(
    *,
    dispute: Dispute,
    party: Party | None,
    appointment_id: Any,
    slot_id: Any,
    note: str = "",
    at: datetime | None = None,
) -> Reply:
    """A party accepts one of the proposed times (`slot_id`) or asks for another (`slot_id`
    None, with `note`: why, or a time that suits). When every party who can answer has
    accepted the same time, the session is agreed."""
    now = at or timezone.now()
    note = " ".join((note or "").split())
    if party is None or party.dispute_id != dispute.pk:
        raise Forbidden(_("请先验证您的手机号码，确认您是本纠纷的当事人，再答复调解时间"))
    errors = Errors(CORRECT_THE_FORM)
    if slot_id in (None, "") and not note:
        errors.add("note", _("请写明原因或您希望的时间"))
    if len(note) > 300:
        errors.add("note", _("不能超过 300 字"))
    errors.raise_if_any()
    with transaction.atomic():
        locked = dispute_lock(dispute.pk)
        appointment = (
            Appointment.objects.select_for_update()
            .filter(pk=appointment_id, dispute=locked)
            .first()
            if str(appointment_id).isdigit()
            else None
        )
        if appointment is None:
            raise NotFound(_("约谈安排不存在"))
        if not locked.is_open:
            raise Invalid(_("纠纷已办结，不能再答复调解时间"))
        if appointment.status == Status.CANCELLED:
            raise Invalid(_("调解员已取消这次安排，不需要再答复"))
        if appointment.status == Status.REPLACED:
            raise Invalid(_("调解员已重新提出时间，请答复新的时间"))
        if appointment.status != Status.OPEN:
            raise Invalid(_("调解时间已经确定，如需改期请联系调解员"))
        slots = list(appointment.slots.all())
        if all(s.starts_at <= now for s in slots):
            raise Invalid(_("这些时间都已过去，请等待调解员重新提出时间"))
        slot = None
        if slot_id not in (None, ""):
            slot = next((s for s in slots if str(s.pk) == str(slot_id)), None)
            if slot is None:
                raise Invalid(_("请选择一个时间"), fields={"slot": [_("请选择一个时间")]})
            if slot.starts_at <= now:
                message = _("这个时间已经过去，请选择其他时间")
                raise Invalid(message, fields={"slot": [message]})
        reply = Reply.objects.create(
            appointment=appointment, party=party, slot=slot, note=note, at=now
        )
        _event(
            locked,
            REPLY,
            None,
            now,
            {
                "appointment": appointment.pk,
                "party": party.pk,
                "slot": slot.pk if slot else None,
                "accepted": slot is not None,
            },
        )
        agreed = _agreed_slot(appointment, slots, answering(locked.parties.all()))
        if agreed is not None:
            appointment.status, appointment.chosen, appointment.starts_at = (
                Status.AGREED,
                agreed,
                agreed.starts_at,
            )
            appointment.save()
            _event(
                locked,
                AGREE,
                None,
                now,
                {
                    "appointment": appointment.pk,
                    "slot": agreed.pk,
                    "time": _iso(agreed.starts_at),
                },
            )
        _notify_staff(locked, appointment, reply, agreed is not None, now)
    return reply


def latest_replies(appointment: Appointment) -> dict[int, Reply]:
    """Each party's answer: its latest reply."""
    answers: dict[int, Reply] = {}
    for reply in sorted(appointment.replies.all(), key=lambda r: (r.at, r.pk)):
        answers[reply.party_id] = reply
    return answers


def _agreed_slot(appointment: Appointment, slots: list[Slot], parties: list[Party]) -> Slot | None:
    if not parties:
        return None
    answers = latest_replies(appointment)
    chosen = {answers[p.pk].slot_id if p.pk in answers else None for p in parties}
    if len(chosen) != 1 or None in chosen:
        return None
    return next(s for s in slots if s.pk in chosen)


def _notify_staff(
    dispute: Dispute, appointment: Appointment, reply: Reply, agreed: bool, now: datetime
) -> None:
    from jiefen.supervision.notifications import notify

    staff = list(
        Membership.objects.filter(
            body_id=dispute.holder_id, role__in=STAFF_ROLES, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    notify(
        recipients=[*staff, dispute.owner_id, appointment.proposed_by_id],
        kind=REPLY_KIND,
        dispute=dispute,
        key=f"{appointment.pk}:{reply.pk}",
        params={
            "time": _local(reply.slot.starts_at) if reply.slot else "",
            "agreed": agreed,
        },
        at=now,
    )


def _local(when: datetime) -> str:
    return f"{timezone.localtime(when):%Y-%m-%d %H:%M}"


def reply_text(params: Any) -> str:
    if params.get("agreed"):
        return _("纠纷 %(number)s 的各方当事人已同意调解时间 %(time)s") % {
            "number": params["number"],
            "time": params["time"],
        }
    if params.get("time"):
        return _("纠纷 %(number)s 有当事人同意了调解时间 %(time)s") % {
            "number": params["number"],
            "time": params["time"],
        }
    return _("纠纷 %(number)s 有当事人希望另定调解时间") % {"number": params["number"]}


def appointment_join(
    *, appointment: Appointment, party: Party | None = None, user: Any = None, at=None
) -> str:
    """Record that a participant entered the remote room; the room's address to send them to.
    Refused when the session is not a settled remote one or no video server is configured."""
    now = at or timezone.now()
    chosen = appointment.chosen
    if appointment.status not in SETTLED or chosen is None or not chosen.remote:
        raise Invalid(_("这次调解不是远程调解"))
    url = room_url(appointment)
    if not url:
        raise Invalid(_("本系统未配置视频调解服务，请按页面提示以电话方式参加"))
    Join.objects.create(appointment=appointment, party=party, user=user, at=now)
    return url


# ---------------------------------------------------------------------------------------------
# What follows by itself


def session_link(event: Event, dispute: Dispute) -> None:
    """When a session is recorded (the record-session move) on the day of a settled
    appointment, link the two: the session's page then shows who joined remotely."""
    if event.action != "session":
        return
    held_on = (event.params or {}).get("held_on")
    session_id = (event.params or {}).get("session")
    if not held_on or not session_id:
        return
    day = date.fromisoformat(held_on)
    for appointment in Appointment.objects.filter(
        dispute=dispute, status__in=SETTLED, session__isnull=True, starts_at__isnull=False
    ):
        if timezone.localdate(appointment.starts_at) == day:
            appointment.session_id = session_id
            appointment.save()


def reminder_text(appointment: Appointment, dispute: Dispute) -> tuple[str, dict[str, str]]:
    """The words of a reminder and its parameters (for a templated gateway): the dispute's
    number, the date, the time and the place — no ID number, no phone, no room link."""
    slot = appointment.chosen
    assert slot is not None and appointment.starts_at is not None
    local = timezone.localtime(appointment.starts_at)
    if slot.remote:
        place = _("远程视频（请打开纠纷查询页面进入）") if room_url(appointment) else _("电话")
    else:
        place = slot.place
    params = {
        "number": dispute.number,
        "date": f"{local:%Y-%m-%d}",
        "time": f"{local:%H:%M}",
        "place": place,
    }
    text = (
        _(
            "您好，纠纷 %(number)s 的调解定于 %(date)s %(time)s 进行，方式/地点：%(place)s。"
            "请准时参加，如需改期请联系调解员。"
        )
        % params
    )
    return text, params


def reminder_stage(starts_at: datetime, now: datetime) -> str | None:
    """Which reminder is due now for a session at `starts_at`: two hours before it, or on
    the calendar day before (until two hours before); None before that or once it began."""
    if now >= starts_at:
        return None
    if now >= starts_at - TWO_HOURS_BEFORE:
        return TWO_HOURS
    if timezone.localdate(now) >= timezone.localdate(starts_at) - timedelta(days=1):
        return DAY_BEFORE
    return None


def appointment_reminders(*, today: date, at: datetime | None = None) -> int:
    """Text each party the day before and two hours before an agreed or confirmed session,
    once each (the SMS once-key), not for a cancelled or replaced round or a closed dispute.
    Called by the supervision sweep; returns how many texts were queued."""
    from jiefen.supervision.models import SmsMessage
    from jiefen.supervision.sms_delivery import sms_queue_to_party

    now = at or timezone.now()
    due = (
        Appointment.objects.filter(
            status__in=SETTLED,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(days=2),
            chosen__isnull=False,
        )
        .select_related("dispute", "chosen")
        .order_by("starts_at", "pk")
    )
    sent = 0
    for appointment in due:
        dispute = appointment.dispute
        assert appointment.starts_at is not None
        stage = reminder_stage(appointment.starts_at, now)
        if stage is None or not dispute.is_open:
            continue
        parties = answering(dispute.parties.all())
        keys = {p.pk: f"appointment:{appointment.pk}:{stage}:{p.pk}" for p in parties}
        done = set(
            SmsMessage.objects.filter(once_key__in=keys.values()).values_list("once_key", flat=True)
        )
        text, params = reminder_text(appointment, dispute)
        for party in parties:
            if keys[party.pk] in done:
                continue
            if sms_queue_to_party(
                party=party,
                kind=REMINDER_KINDS[stage],
                text=text,
                params=params,
                once_key=keys[party.pk],
            ):
                sent += 1
    return sent


def reply_notes_erase(*, party_ids: Any) -> int:
    """Anonymisation: a party's free text in its replies is emptied."""
    count = 0
    for reply in Reply.objects.filter(party_id__in=list(party_ids)).exclude(note=""):
        reply.note = ""
        reply.save()
        count += 1
    return count
