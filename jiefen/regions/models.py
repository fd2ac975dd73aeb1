"""The official division tree: province → city → county → town → village.

A region's `code` is the 12-digit official code as an integer. Every unit's descendants have
codes in one contiguous range (a town 330681109 owns 330681109000..330681109999), so a subtree
is a range scan on an indexed integer column — on regions and on every table that stores a
region code — and never a recursive query.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("县")
    TOWN = 4, _("乡镇")
    VILLAGE = 5, _("村社区")


# Significant digits of the code at each level.
LEVEL_DIGITS = {Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6, Level.TOWN: 9, Level.VILLAGE: 12}


def code_span(code: int, level: int) -> tuple[int, int]:
    """The inclusive range of 12-digit codes in the subtree of `code` at `level`."""
    width = 10 ** (12 - LEVEL_DIGITS[Level(level)])
    low = code - code % width
    return low, low + width - 1


def short_code(code: int, level: int) -> str:
    """The code without its trailing zeros, as printed in dispute numbers: 330681109."""
    return str(code)[: LEVEL_DIGITS[Level(level)]]


class TownClass(models.IntegerChoices):
    CLASS_1 = 1, _("一类")
    CLASS_2 = 2, _("二类")
    CLASS_3 = 3, _("三类")


class Region(models.Model):
    code = models.BigIntegerField(_("区划代码"), primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )
    # Town-level units only: class (一/二/三类) sets the centre's staffing standard.
    town_class = models.PositiveSmallIntegerField(
        _("乡镇类别"), choices=TownClass.choices, null=True, blank=True
    )
    population = models.PositiveIntegerField(_("常住人口"), null=True, blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def span(self) -> tuple[int, int]:
        return code_span(self.code, self.level)

    @property
    def short_code(self) -> str:
        return short_code(self.code, self.level)

    def contains(self, code: int) -> bool:
        low, high = self.span
        return low <= code <= high

    def ancestors(self) -> "models.QuerySet[Region]":
        """This unit's ancestors, top first: one indexed lookup, no recursion."""
        codes = [code_span(self.code, level)[0] for level in Level.values if level < self.level]
        return Region.objects.filter(code__in=codes).order_by("level")

    def subtree(self) -> "models.QuerySet[Region]":
        low, high = self.span
        return Region.objects.filter(code__range=(low, high))
