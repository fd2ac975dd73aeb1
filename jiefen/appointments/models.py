"""Proposed session times (约谈安排): the mediator offers one or more times, each party accepts
one or asks for another, and the time every party accepted is the session the reminders and
the remote room are for.

- Appointment: one round of proposed times for a dispute, and what became of it (open,
  agreed by every party, confirmed by the mediator, cancelled, or replaced by a newer round).
  `starts_at` is the agreed time, the indexed column the reminder sweep reads.
- Slot: one proposed time, with its place or "remote".
- Reply: a party's answer, append-only; a party's latest reply is its answer.
- Join: who pressed "进入视频调解" and when (a party proved in the portal, or staff).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Dispute, Party, Session


class Status(models.TextChoices):
    OPEN = "open", _("待当事人答复")
    AGREED = "agreed", _("各方已同意")
    CONFIRMED = "confirmed", _("调解员已确认")
    CANCELLED = "cancelled", _("已取消")
    REPLACED = "replaced", _("已重新安排")


# Rounds whose time is settled: the reminders and the remote room are for these.
SETTLED = (Status.AGREED, Status.CONFIRMED)


class Appointment(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="appointments")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("提出时间"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    chosen = models.ForeignKey(
        "Slot", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The chosen slot's time, where the reminder sweep finds it.
    starts_at = models.DateTimeField(_("调解时间"), null=True, blank=True, db_index=True)
    # The remote room's name is made from this; shown only to the session's participants.
    room_secret = models.CharField(max_length=64, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The session recorded on the agreed day (the record-session move), once it is.
    session = models.ForeignKey(
        Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("约谈安排")
        verbose_name_plural = _("约谈安排")
        ordering = ["dispute", "-proposed_at", "-id"]
        indexes = [models.Index(fields=["dispute", "status"])]

    def __str__(self) -> str:
        return f"{self.dispute_id}#{self.pk}"


class Slot(models.Model):
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    remote = models.BooleanField(_("远程"), default=False)

    class Meta:
        verbose_name = _("拟定时间")
        verbose_name_plural = _("拟定时间")
        ordering = ["appointment", "starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.appointment_id}@{self.starts_at:%Y-%m-%d %H:%M}"


class Reply(models.Model):
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="replies")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    # The time accepted; empty when the party asks for another.
    slot = models.ForeignKey(
        Slot, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("理由或希望的时间"), max_length=300, blank=True)
    at = models.DateTimeField(_("答复时间"))

    class Meta:
        verbose_name = _("当事人答复")
        verbose_name_plural = _("当事人答复")
        ordering = ["appointment", "at", "id"]

    def __str__(self) -> str:
        return f"{self.appointment_id}:{self.party_id}"


class Join(models.Model):
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="joins")
    party = models.ForeignKey(
        Party, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("进入时间"))

    class Meta:
        verbose_name = _("远程参加记录")
        verbose_name_plural = _("远程参加记录")
        ordering = ["appointment", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(party__isnull=False, user__isnull=True)
                | models.Q(party__isnull=True, user__isnull=False),
                name="appointments_join_one_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.appointment_id}:{self.party_id or self.user_id}"
