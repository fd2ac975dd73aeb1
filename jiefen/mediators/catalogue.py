"""The routing catalogue (归口目录): checking an entry, and the entry a dispute matches.

An entry maps a category at a level in a region — optionally narrowed by a keyword in the
dispute's title or account, an amount range and a people-involved range — to the responsible
department and the competent specialised committee. Two entries of the same region, level,
category and keyword, equally specific, that could both match one dispute are refused (they
overlap); an entry bounding more is a refinement of one bounding less.
When several entries match, the most specific wins: the narrowest region, then an entry with a
keyword, then the one bounding more of amount and people; the reason says which and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jiefen.disputes.models import Dispute
from jiefen.lib.errors import CORRECT_THE_FORM, Errors
from jiefen.mediators.models import RouteEntry
from jiefen.org.models import Body, BodyKind
from jiefen.regions.models import LEVEL_DIGITS, Level, Region, code_span

MEDIATION_KINDS = (BodyKind.COMMITTEE, BodyKind.INVITED_ORG, BodyKind.LAWYER_STUDIO)


def _overlap(low_a: Any, high_a: Any, low_b: Any, high_b: Any) -> bool:
    """Do [low_a, high_a) and [low_b, high_b) meet? None is unbounded."""
    if high_a is not None and low_b is not None and high_a <= low_b:
        return False
    return not (high_b is not None and low_a is not None and high_b <= low_a)


def _in_range(value: Any, low: Any, high: Any) -> bool:
    if low is not None and (value is None or value < low):
        return False
    return not (high is not None and (value is None or value >= high))


def _inside(body: Body, region: Region) -> bool:
    """Is the body of the region's county (of the city, for a city's entry)? A town's entry may
    route to its county's departments, never to another county's."""
    low, high = code_span(region.code, min(int(region.level), int(Level.COUNTY)))
    return low <= body.region_code <= high


def entry_problems(entry: RouteEntry) -> Errors:
    errors = Errors(CORRECT_THE_FORM)
    region = entry.region if entry.region_id else None
    if region is None:
        errors.add("region", _("请选择适用区划"))
    elif region.level > entry.level:
        errors.add("level", _("办理层级不能高于适用区划的层级"))
    entry.keyword = errors.text("keyword", entry.keyword, 30)
    entry.source = errors.text("source", entry.source, 200)
    if not entry.source:
        errors.add("source", _("请写明职责依据（权责清单事项）"))
    for low, high, field in (
        (entry.amount_min, entry.amount_max, "amount_max"),
        (entry.people_min, entry.people_max, "people_max"),
    ):
        if low is not None and high is not None and high <= low:
            errors.add(field, _("上限必须大于下限"))
    if entry.amount_min is not None and entry.amount_min < Decimal(0):
        errors.add("amount_min", _("金额不能为负"))
    if entry.department_id is None and entry.committee_id is None:
        errors.add("department", _("请至少选择责任部门或专业调解组织之一"))
    dept = entry.department if entry.department_id is not None else None
    if dept is not None:
        if dept.kind != BodyKind.DEPARTMENT:
            errors.add("department", _("责任部门必须是职能部门"))
        elif region is not None and not _inside(dept, region):
            errors.add(
                "department",
                _("责任部门不属于适用区划所在的县（市、区）（%(region)s）") % {"region": region},
            )
    committee = entry.committee if entry.committee_id is not None else None
    if committee is not None:
        if committee.kind not in {k.value for k in MEDIATION_KINDS}:
            errors.add("committee", _("请选择专业性人民调解委员会、特邀调解组织或律师调解工作室"))
        elif region is not None and not _inside(committee, region):
            errors.add(
                "committee",
                _("调解组织不属于适用区划所在的县（市、区）（%(region)s）") % {"region": region},
            )
    if region is not None and entry.category_id is not None and not errors.fields:
        rivals = RouteEntry.objects.filter(
            region=region,
            level=entry.level,
            category_id=entry.category_id,
            keyword=entry.keyword,
            active=True,
        ).exclude(pk=entry.pk)
        for rival in rivals:
            # An entry bounding more than another is its refinement: the more specific one wins
            # (route_for). Entries equally specific that could match one dispute are ambiguous.
            if (
                _bounded(rival) == _bounded(entry)
                and _overlap(entry.amount_min, entry.amount_max, rival.amount_min, rival.amount_max)
                and _overlap(entry.people_min, entry.people_max, rival.people_min, rival.people_max)
            ):
                errors.add(
                    "category",
                    _(
                        "与已有条目 #%(pk)d 重叠（同一区划、层级、类别和关键词，"
                        "限定同样多的条件且范围相交）"
                    )
                    % {"pk": rival.pk},
                )
                break
    return errors


def route_entry_save(*, entry: RouteEntry) -> RouteEntry:
    """Check and save one catalogue entry; refused with every problem at once, nothing saved."""
    with transaction.atomic():
        # Entries of one region and category are checked one writer at a time.
        if entry.region_id:
            list(Region.objects.select_for_update().filter(pk=entry.region_id).values("pk"))
        if entry.active:
            entry_problems(entry).raise_if_any()
        entry.save()
    return entry


@dataclass(frozen=True)
class Route:
    entry: RouteEntry
    reason: str  # why this entry: what it matched, and the duty's source
    others: int  # how many less specific entries also matched


def _bounded(entry: RouteEntry) -> int:
    """How many of amount and people the entry bounds."""
    return int(entry.amount_min is not None or entry.amount_max is not None) + int(
        entry.people_min is not None or entry.people_max is not None
    )


def _specificity(entry: RouteEntry) -> tuple[int, int, int, int]:
    # Equal entries cannot coexist (entry_problems) but two keywords may both appear in one
    # account: then the older entry wins.
    return (
        LEVEL_DIGITS[Level(entry.region.level)],
        bool(entry.keyword),
        _bounded(entry),
        -entry.pk,
    )


def ancestors(code: int, level: int) -> list[int]:
    """The codes of a region and the regions above it, from its own code alone."""
    return [
        code_span(code, lv)[0]
        for lv in (Level.CITY, Level.COUNTY, Level.TOWN, Level.VILLAGE)
        if lv <= level
    ]


def route_for(dispute: Dispute, *, level: int) -> Route | None:
    """The catalogue entry for the dispute handled at `level`, or None when none matches.
    One indexed query over the entries of the dispute's category at that level in the regions
    above it: a handful of rows whatever the number of disputes."""
    candidates = (
        RouteEntry.objects.filter(
            category_id=dispute.category_id,
            level=level,
            active=True,
            region_id__in=ancestors(dispute.region_code, Level.VILLAGE),
        )
        .select_related("region", "department", "committee", "category")
        .order_by("pk")
    )
    text = f"{dispute.title}\n{dispute.description}"
    matched = [
        e
        for e in candidates
        if (not e.keyword or e.keyword in text)
        and _in_range(dispute.amount, e.amount_min, e.amount_max)
        and _in_range(dispute.people_involved, e.people_min, e.people_max)
    ]
    if not matched:
        return None
    best = max(matched, key=_specificity)
    return Route(entry=best, reason=route_reason(best), others=len(matched) - 1)


def route_reason(entry: RouteEntry) -> str:
    parts = [_("类别“%(category)s”") % {"category": entry.category}]
    if entry.keyword:
        parts.append(_("含关键词“%(keyword)s”") % {"keyword": entry.keyword})
    if entry.amount_min is not None or entry.amount_max is not None:
        parts.append(
            _("金额 %(low)s 至 %(high)s")
            % {
                "low": entry.amount_min if entry.amount_min is not None else "—",
                "high": entry.amount_max if entry.amount_max is not None else "—",
            }
        )
    if entry.people_min is not None or entry.people_max is not None:
        parts.append(
            _("人数 %(low)s 至 %(high)s")
            % {
                "low": entry.people_min if entry.people_min is not None else "—",
                "high": entry.people_max if entry.people_max is not None else "—",
            }
        )
    return _("%(matched)s，按%(region)s归口目录；依据：%(source)s") % {
        "matched": "、".join(parts),
        "region": entry.region.name,
        "source": entry.source,
    }
