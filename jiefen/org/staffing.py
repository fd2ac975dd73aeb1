"""The town centre staffing check: each centre's staff against its town class's standard
(class 1: 8–12, class 2: 6–10, class 3: 4–6 centre staff)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from jiefen.org.models import Body, BodyKind
from jiefen.org.scope import Scope
from jiefen.regions.models import Region, TownClass

STANDARDS: dict[int, tuple[int, int]] = {
    TownClass.CLASS_1: (8, 12),
    TownClass.CLASS_2: (6, 10),
    TownClass.CLASS_3: (4, 6),
}


class StaffingStatus(models.TextChoices):
    BELOW = "below", _("低于标准")
    WITHIN = "within", _("符合标准")
    ABOVE = "above", _("高于标准")
    CLASS_NOT_SET = "class_not_set", _("未定乡镇类别")


@dataclass(frozen=True)
class StaffingRow:
    centre: Body
    town: Region
    town_class: int | None
    standard: tuple[int, int] | None
    staff: int
    status: StaffingStatus

    @property
    def out_of_standard(self) -> bool:
        return self.status in (StaffingStatus.BELOW, StaffingStatus.ABOVE)


def staffing_status(town_class: int | None, staff: int) -> StaffingStatus:
    standard = STANDARDS.get(town_class) if town_class is not None else None
    if standard is None:
        return StaffingStatus.CLASS_NOT_SET
    low, high = standard
    if staff < low:
        return StaffingStatus.BELOW
    if staff > high:
        return StaffingStatus.ABOVE
    return StaffingStatus.WITHIN


def centre_staffing(*, scope: Scope) -> list[StaffingRow]:
    """Every active town centre in `scope` with its counted staff: distinct active users with a
    membership there that counts as centre staff. One query."""
    counted = Q(
        memberships__counts_as_centre_staff=True,
        memberships__user__is_active=True,
    )
    centres = (
        scope.filter(Body.objects.filter(kind=BodyKind.TOWN_CENTRE, active=True))
        .select_related("region")
        .annotate(staff=Count("memberships__user", filter=counted, distinct=True))
        .order_by("region_code")
    )
    rows = []
    for centre in centres:
        town_class = centre.region.town_class
        rows.append(
            StaffingRow(
                centre=centre,
                town=centre.region,
                town_class=town_class,
                standard=STANDARDS.get(town_class) if town_class is not None else None,
                staff=centre.staff,
                status=staffing_status(town_class, centre.staff),
            )
        )
    return rows
