"""Which target is in force for an indicator, a region level and a year.

Lookup order: the Target row of that level for that year; else the latest earlier year's row
of that level; else the plan's default (metrics.indicators.TARGETS — the one place defaults
are written; for a manual indicator, the target on its definition). One query per level and
year, whatever the number of indicators.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

from jiefen.metrics.indicators import BY_KEY, INDICATORS
from jiefen.metrics.indicators import Target as Goal

MANUAL_PREFIX = "manual:"


def indicator_choices(*, with_target_only: bool = False) -> list[tuple[str, str]]:
    """Indicator keys a target (or a scheme criterion) may name: the computed indicators that
    may be scored (metrics.indicators: never one that improves when fewer disputes are filed
    or fewer go up), and the manual indicators. `with_target_only` is kept for callers; an
    information-only indicator is never offered either way."""
    from jiefen.evaluation.models import ManualIndicator

    del with_target_only
    choices = [(i.key, str(i.name)) for i in INDICATORS if i.scored]
    choices += [
        (MANUAL_PREFIX + key, name)
        for key, name in ManualIndicator.objects.values_list("key", "name")
    ]
    return choices


def information_only_problem(key: str) -> str | None:
    """The message refusing `key` as a target or a scheme criterion, or None if it may be."""
    indicator = BY_KEY.get(key)
    if indicator is None or indicator.scored:
        return None
    return _("“%(name)s”只作参考，不能设目标或作为考核项目：%(why)s") % {
        "name": indicator.name,
        "why": indicator.information_why or "",
    }


def is_percent(key: str) -> bool:
    if key in BY_KEY:
        return BY_KEY[key].unit == "rate"
    if key.startswith(MANUAL_PREFIX):
        from jiefen.evaluation.models import ManualIndicator, Unit

        unit = (
            ManualIndicator.objects.filter(key=key[len(MANUAL_PREFIX) :])
            .values_list("unit", flat=True)
            .first()
        )
        return unit == Unit.PERCENT
    return False


def goal(value: Decimal | None, direction: str, percent: bool) -> Goal:
    """A stored target (a rate as a percentage) as the Target the indicators judge with
    (a rate as a share)."""
    if value is None:
        return Goal(None, direction)
    number = Fraction(value)
    return Goal(number / 100 if percent else number, direction)


def targets_for(level: int, year: int) -> dict[str, Goal | None]:
    """The targets in force for the computed indicators at `level` in `year`, by key."""
    from jiefen.evaluation.models import Target

    result: dict[str, Goal | None] = {key: BY_KEY[key].target for key in BY_KEY}
    seen: set[str] = set()
    rows = (
        Target.objects.filter(level=level, year__lte=year, indicator__in=list(BY_KEY))
        .order_by("indicator", "-year")
        .values_list("indicator", "value", "direction")
    )
    for key, value, direction in rows:
        if not BY_KEY[key].scored:
            continue  # a target stored before the indicator was made information only
        if key not in seen:
            seen.add(key)
            result[key] = goal(value, direction, BY_KEY[key].unit == "rate")
    return result


def manual_target(indicator, level: int, year: int) -> Goal | None:  # type: ignore[no-untyped-def]
    """The target of a manual indicator at `level` in `year` (same fallback), its value a
    share for a percentage indicator."""
    from jiefen.evaluation.models import Target

    row = (
        Target.objects.filter(indicator=indicator.indicator_key, level=level, year__lte=year)
        .order_by("-year")
        .values_list("value", "direction")
        .first()
    )
    if row is not None:
        return goal(row[0], row[1], indicator.percent)
    if not indicator.direction:
        return None
    return goal(indicator.target_value, indicator.direction, indicator.percent)


def met(
    target: Goal | None, value: Fraction | None, last_year: Fraction | None = None
) -> bool | None:
    """Whether `value` meets `target`; None without a target or a value. "fall" compares with
    `last_year` (none at all also meets it)."""
    if target is None or value is None:
        return None
    if target.direction == "fall":
        return value == 0 or (last_year is not None and value < last_year)
    assert target.value is not None
    if target.direction == "at_most":
        return value <= target.value
    return value >= target.value


def describe(target: Goal | None, percent: bool) -> str:
    if target is None:
        return ""
    if target.direction == "fall":
        return target.describe()
    if target.value is None:  # an indicator reported without a target
        return ""
    if percent:
        return target.describe()
    shown = f"{float(target.value):g}"
    return ("≤ " if target.direction == "at_most" else "≥ ") + shown
