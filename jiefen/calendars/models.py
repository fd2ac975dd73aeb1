"""Administrators' corrections to the working-day calendar and the confirmation of each year.

The calendar itself is the pure object in jiefen.lib.workdays; these tables only feed it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    """One date marked working or non-working, against the official schedule's default."""

    date = models.DateField(_("日期"), unique=True)
    working = models.BooleanField(_("是否工作日"))
    notice = models.CharField(_("依据文件"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("录入人"),
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("日历调整")
        verbose_name_plural = _("日历调整")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(notice=""), name="override_has_notice"),
        ]

    def __str__(self) -> str:
        return f"{self.date}"


class CalendarYear(models.Model):
    """A year whose official holiday schedule (国务院办公厅通知) has been confirmed."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    confirmed = models.BooleanField(_("已确认"), default=True)
    notice = models.CharField(_("依据文件"), max_length=200)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("确认人"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度节假日安排")
        verbose_name_plural = _("年度节假日安排")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
