"""Leaders' reception days (领导接访): a ReceptionDay is a leader's published reception (place,
time, slots); a ReceptionBooking books a slot for a dispute or a new matter and keeps the record
of the meeting.

The tables keep the names they had when receptions were part of the meetings app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Dispute
from jiefen.lib.sealed import SealedCharField
from jiefen.org.models import Body


class ReceptionKind(models.TextChoices):
    VISIT = "visit", _("下访")
    APPOINTMENT = "appointment", _("约访")


class ReceptionDay(models.Model):
    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="reception_days", verbose_name=_("单位")
    )
    region_code = models.BigIntegerField(_("区划代码"), editable=False)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reception_days",
        verbose_name=_("接访领导"),
    )
    kind = models.CharField(_("方式"), max_length=12, choices=ReceptionKind.choices)
    date = models.DateField(_("日期"))
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=100)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    cancelled = models.BooleanField(_("已取消"), default=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        verbose_name = _("接访日")
        verbose_name_plural = _("接访日")
        ordering = ["date", "starts_at", "id"]
        indexes = [models.Index(fields=["date", "region_code"], name="reception_date_region")]
        db_table = "meetings_receptionday"

    def __str__(self) -> str:
        return f"{self.leader} {self.date}"


class ReceptionSlot(models.Model):
    day = models.ForeignKey(ReceptionDay, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))

    class Meta:
        verbose_name = _("接访时段")
        verbose_name_plural = _("接访时段")
        ordering = ["day", "starts_at"]
        db_table = "meetings_receptionslot"

    def __str__(self) -> str:
        return f"{self.day_id} {self.starts_at:%H:%M}"


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    HELD = "held", _("已接待")
    CANCELLED = "cancelled", _("已取消")
    ABSENT = "absent", _("未到")


class ReceptionBooking(models.Model):
    slot = models.ForeignKey(ReceptionSlot, on_delete=models.PROTECT, related_name="bookings")
    dispute = models.ForeignKey(
        Dispute,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("纠纷"),
    )
    # A new matter, not yet a dispute: what it is about and whom to call.
    title = models.CharField(_("事由"), max_length=100, blank=True)
    description = models.TextField(_("情况简述"), max_length=2000, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = SealedCharField(_("联系电话"), max_length=30, blank=True, null=True)
    public = models.BooleanField(_("当事人自行预约"), default=False)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    booked_at = models.DateTimeField(_("预约时间"))
    status = models.CharField(
        _("状态"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    record = models.TextField(_("接访记录"), max_length=5000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接访预约")
        verbose_name_plural = _("接访预约")
        ordering = ["slot", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=~models.Q(status="cancelled"),
                name="one_live_booking_per_slot",
            )
        ]
        db_table = "meetings_receptionbooking"

    def __str__(self) -> str:
        return f"{self.slot_id}:{self.dispute_id or self.title}"
