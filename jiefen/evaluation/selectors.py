"""Reads for the evaluation pages: whose region, town ratings with their explanation, the
city's progress against the share targets, the organisation checks and the manual indicators.

Every page first fetches its region through `region_for`/`town_for` (404 outside the actor's
jurisdiction); the figures below are then computed for that region only.

Scoring formula of an indicator criterion (0–100 points), with v the town's value for the
year and t its target at town level for that year:
- "at least" t: 100 if v ≥ t, else 100 × v ÷ t;
- "at most" t: 100 if v ≤ t, else 100 × (1 − (v − t) ÷ t), not below 0 (0 if t = 0);
- "fall": 100 if v is below last year's (or zero), else 0.
A criterion without a value (nothing to divide by, no report) is left out and the weights of
the others carry the total; an office criterion not yet scored counts 0 and is flagged.
The weighted score is Σ(weight × points) ÷ Σ(weight) of the criteria counted. The rating is the
highest level whose threshold the score reaches; each veto that applies caps it at the veto's
level. A manual indicator's town value is the mean of the reports made in the year by bodies
in the town.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from jiefen.disputes.models import OPEN_STATUSES, Status
from jiefen.disputes.reads import disputes_in
from jiefen.evaluation.models import (
    HUNDRED,
    Assessment,
    BudgetFigure,
    Criterion,
    CriterionKind,
    ManualIndicator,
    ManualReport,
    Rating,
    Scheme,
    ShareTarget,
)
from jiefen.evaluation.targets import (
    MANUAL_PREFIX,
    describe,
    information_only_problem,
    manual_target,
    met,
    targets_for,
)
from jiefen.metrics import selectors as metrics
from jiefen.metrics.indicators import BY_KEY, Sums, display, evaluate
from jiefen.metrics.periods import Period
from jiefen.org import scope as org_scope
from jiefen.org.models import KIND_LEVEL, Body, Role
from jiefen.org.scope import Scope, can, scope_of
from jiefen.org.staffing import StaffingRow, centre_staffing
from jiefen.regions.models import LEVEL_DIGITS, Level, Region, code_span

SHANGHAI = ZoneInfo("Asia/Shanghai")
VIEW_ROLES = (Role.EVALUATOR, Role.HEAD, Role.ADMIN)
SCORE_ROLES = (Role.EVALUATOR, Role.ADMIN)
ADMIN_ROLES = (Role.ADMIN,)
TOWN_WIDTH = 10 ** (12 - LEVEL_DIGITS[Level.TOWN])


# --- whose region ---------------------------------------------------------------------------


def view_scope(actor: Any) -> Scope:
    return scope_of(actor, VIEW_ROLES)


def home_region(actor: Any) -> Region:
    """The widest region the actor evaluates or heads; 404 for anyone else."""
    return org_scope.home_region(actor, VIEW_ROLES, widest=Level.CITY)


def region_for(actor: Any, code: Any) -> Region:
    """Region `code` if its subtree lies in the actor's evaluation jurisdiction; 404 otherwise,
    the same answer as for a code that does not exist."""
    return org_scope.region_for(actor, code, VIEW_ROLES, widest=Level.CITY)


def town_for(actor: Any, code: Any) -> Region:
    region = region_for(actor, code)
    if region.level != Level.TOWN:
        raise Http404
    return region


def may_score(actor: Any, town: Region) -> bool:
    return can(actor, town.code, SCORE_ROLES)


def may_enter_budget(actor: Any, region: Region) -> bool:
    return can(actor, region.code, ADMIN_ROLES)


def year_from(value: Any, today: date) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def latest_scheme_year(region: Region, today: date) -> int:
    """The latest year up to this year that has a rating scheme for `region`; this year when
    none has, so that a page opens on towns rated rather than on an empty year."""
    codes = [
        code_span(region.code, level)[0]
        for level in (Level.PROVINCE, Level.CITY, Level.COUNTY)
        if level <= region.level
    ]
    year = (
        Scheme.objects.filter(region_id__in=codes, year__lte=today.year)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return year or today.year


# --- ratings --------------------------------------------------------------------------------


def scheme_for(region: Region, year: int) -> Scheme | None:
    """The scheme of `year` set by the nearest province, city or county above or at `region`."""
    codes = [
        code_span(region.code, level)[0]
        for level in (Level.PROVINCE, Level.CITY, Level.COUNTY)
        if level <= region.level
    ]
    return Scheme.objects.filter(year=year, region_id__in=codes).order_by("-region_code").first()


def indicator_points(
    target: Any, value: Fraction | None, last_year: Fraction | None = None
) -> Decimal | None:
    """Points (0–100) of an indicator value against its target; None without a value or a
    target. See the module docstring."""
    if value is None or target is None:
        return None
    if target.direction == "fall":
        return HUNDRED if met(target, value, last_year) else Decimal(0)
    t = Fraction(target.value)
    if met(target, value):
        return HUNDRED
    if target.direction == "at_most":
        if t == 0:
            return Decimal(0)
        points = 100 * (1 - (Fraction(value) - t) / t)
    else:
        points = 100 * Fraction(value) / t
    return _decimal(max(Fraction(0), min(Fraction(100), points)))


def _decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"))


def rating_of(total: Decimal | None, scheme: Scheme) -> Rating:
    if total is None:
        return Rating.NOT_MET
    if total >= scheme.level1_min:
        return Rating.LEVEL_1
    if total >= scheme.level2_min:
        return Rating.LEVEL_2
    if total >= scheme.basic_min:
        return Rating.BASIC
    return Rating.NOT_MET


@dataclass
class Line:
    criterion: Criterion
    points: Decimal | None = None  # 0–100; None: not counted
    value: str = ""
    target: str = ""
    vetoed: bool = False
    unscored: bool = False
    assessment: Assessment | None = None
    detail: str = ""


@dataclass
class TownRating:
    town: Region
    scheme: Scheme
    year: int
    lines: list[Line]
    total: Decimal | None
    by_score: Rating
    rating: Rating
    vetoes: list[Line] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        return self.rating < self.by_score

    @property
    def unscored(self) -> int:
        return sum(1 for line in self.lines if line.unscored)


def year_end(year: int) -> datetime:
    """The end of `year` (exclusive), or now for a year not over yet."""
    return min(datetime(year + 1, 1, 1, tzinfo=SHANGHAI), timezone.now())


def unresolved_mass(within: Region, year: int) -> dict[int, int]:
    """Mass disputes (10+ people) located in `within` and not resolved at the end of `year`,
    counted by town code. A declined one counts too, unless the level above reviewed the
    decline and upheld it before the end of the year: declining must not lift the veto."""
    from jiefen.portal.models import ReviewOutcome, ReviewRequest

    end = year_end(year)
    upheld = ReviewRequest.objects.filter(
        dispute=OuterRef("pk"), outcome=ReviewOutcome.UPHELD, answered_at__lt=end
    )
    codes = (
        disputes_in(within.span, mass=True, registered_at__lt=end)
        .filter(
            Q(status__in=OPEN_STATUSES)
            | Q(resolved_at__gte=end)
            | (Q(status=Status.DECLINED) & ~Exists(upheld))
        )
        .values_list("region_code", flat=True)
    )
    result: dict[int, int] = defaultdict(int)
    for code in codes:
        result[code - code % TOWN_WIDTH] += 1
    return result


def _town_sums(within: Region, towns: list[Region], period: Period, today: date) -> dict[int, Sums]:
    if within.level == Level.TOWN:
        return {within.code: metrics.sums(within, period, today)}
    counties = {t.parent_id for t in towns}
    result: dict[int, Sums] = {}
    for county in Region.objects.filter(code__in=counties):
        result.update(
            {code: s.complete() for code, s in metrics.sums_below(county, period, today).items()}
        )
    return result


def _manual_values(within: Region, keys: set[str], year: int) -> dict[tuple[str, int], Fraction]:
    if not keys:
        return {}
    sums: dict[tuple[str, int], list[Decimal]] = defaultdict(list)
    rows = ManualReport.objects.filter(
        indicator__key__in=keys,
        period_start__year=year,
        region_code__range=within.span,
    ).values_list("indicator__key", "region_code", "value")
    for key, code, value in rows:
        if code % 10**6 == 0:  # a county or city body: no town to count it for
            continue
        sums[(key, code - code % TOWN_WIDTH)].append(value)
    return {k: Fraction(sum(v)) / len(v) for k, v in sums.items()}


def towns_in(region: Region) -> list[Region]:
    if region.level == Level.TOWN:
        return [region]
    return list(Region.objects.filter(level=Level.TOWN, code__range=region.span).order_by("code"))


def rate_towns(within: Region, year: int, today: date) -> dict[int, TownRating]:
    """The rating of every town in `within` that falls under a scheme of `year`. A fixed number
    of queries for the whole region (one rollup read per county)."""
    towns = towns_in(within)
    schemes: dict[int | None, Scheme | None] = {}
    for town in towns:
        if town.parent_id not in schemes:
            schemes[town.parent_id] = scheme_for(town, year)
    used = {s.pk: s for s in schemes.values() if s is not None}
    if not used:
        return {}
    criteria: dict[int, list[Criterion]] = defaultdict(list)
    for criterion in Criterion.objects.filter(scheme__in=list(used)).order_by("sort", "id"):
        criteria[criterion.scheme_id].append(criterion)
    period = Period.containing("year", date(year, 1, 1))
    sums = _town_sums(within, towns, period, today)
    targets = targets_for(Level.TOWN, year)
    manual_keys = {
        c.indicator[len(MANUAL_PREFIX) :]
        for cs in criteria.values()
        for c in cs
        if c.indicator.startswith(MANUAL_PREFIX)
    }
    manuals = {m.key: m for m in ManualIndicator.objects.filter(key__in=manual_keys)}
    manual_values = _manual_values(within, manual_keys, year)
    mass = unresolved_mass(within, year)
    town_codes = [t.code for t in towns]
    assessments = {
        (a.criterion_id, a.town_id): a
        for a in Assessment.objects.filter(
            criterion__scheme__in=list(used), town_id__in=town_codes
        ).select_related("by")
    }
    result = {}
    for town in towns:
        scheme = schemes[town.parent_id]
        if scheme is None:
            continue
        figures = evaluate(sums.get(town.code, Sums()).complete(), None, targets)
        lines = []
        for criterion in criteria[scheme.pk]:
            line = Line(criterion, assessment=assessments.get((criterion.pk, town.code)))
            if criterion.kind == CriterionKind.INDICATOR:
                _indicator_line(line, figures, manuals, manual_values, town, year)
            elif criterion.kind == CriterionKind.SCORED:
                if line.assessment is None or line.assessment.score is None:
                    line.points, line.unscored = Decimal(0), True
                else:
                    line.points = line.assessment.score
            elif criterion.kind == CriterionKind.VETO_MASS:
                count = mass.get(town.code, 0)
                line.vetoed = count > 0
                line.value = str(count)
            else:
                line.vetoed = bool(line.assessment and line.assessment.vetoed)
            lines.append(line)
        counted = [ln for ln in lines if ln.points is not None and not ln.criterion.is_veto]
        weight = sum((ln.criterion.weight for ln in counted), Decimal(0))
        total = (
            # counted holds only lines with points; `or` tells the type checker so.
            (
                sum((ln.criterion.weight * (ln.points or Decimal(0)) for ln in counted), Decimal(0))
                / weight
            ).quantize(Decimal("0.01"))
            if weight
            else None
        )
        by_score = rating_of(total, scheme)
        vetoes = [ln for ln in lines if ln.vetoed]
        rating = min([by_score, *(Rating(v.criterion.cap) for v in vetoes)])
        result[town.code] = TownRating(
            town, scheme, year, lines, total, by_score, Rating(rating), vetoes
        )
    return result


def _indicator_line(
    line: Line,
    figures: dict[str, Any],
    manuals: dict[str, ManualIndicator],
    manual_values: dict[tuple[str, int], Fraction],
    town: Region,
    year: int,
) -> None:
    key = line.criterion.indicator
    refused = information_only_problem(key)
    if refused:
        # A criterion saved before its indicator was made information only: never counted.
        line.value = figures[key].display
        line.detail = refused
        return
    if key in BY_KEY:
        figure = figures[key]
        line.value = figure.display
        line.target = describe(figure.target, BY_KEY[key].unit == "rate")
        value = None if figure.value is None else Fraction(figure.value)
        last = Fraction(figure.last_year) if figure.last_year is not None else None
        line.points = indicator_points(figure.target, value, last)
        return
    manual = manuals.get(key[len(MANUAL_PREFIX) :])
    if manual is None:
        return
    target = manual_target(manual, Level.TOWN, year)
    value = manual_values.get((manual.key, town.code))
    line.value = manual_display(value, manual)
    line.target = describe(target, manual.percent)
    if value is not None and manual.percent:
        value = value / 100
    line.points = indicator_points(target, value)


def manual_display(value: Fraction | Decimal | None, manual: ManualIndicator) -> str:
    if value is None:
        return "—"
    number = (
        Decimal(value.numerator) / Decimal(value.denominator)
        if isinstance(value, Fraction)
        else value
    )
    shown = f"{number.quantize(Decimal('0.01')).normalize():f}"
    return shown + "%" if manual.percent else shown


# --- progress against the share targets -----------------------------------------------------


@dataclass
class ShareRow:
    rating: Rating
    count: int  # towns at this rating or above
    share: Fraction | None
    target: Decimal | None
    met: bool | None

    @property
    def display(self) -> str:
        return display(self.share)


@dataclass
class Progress:
    region: Region
    towns: int
    rated: int
    counts: dict[int, int]  # towns exactly at each rating
    rows: list[ShareRow]


def share_targets(region: Region, year: int) -> dict[int, Decimal]:
    """Share targets by rating for `region`: its own, else its city's; the latest year up to
    `year`."""
    codes = [region.code] + [r.code for r in region.ancestors() if r.level >= Level.CITY]
    result: dict[int, Decimal] = {}
    rows = ShareTarget.objects.filter(region_id__in=codes, year__lte=year).order_by(
        "-region_id", "-year"
    )
    for row in rows:
        result.setdefault(row.rating, row.share)
    return result


def progress(region: Region, ratings: dict[int, TownRating], year: int) -> Progress:
    towns = [code for code in _town_codes(region)]
    counts: dict[int, int] = defaultdict(int)
    rated = 0
    for code in towns:
        if code in ratings:
            counts[ratings[code].rating] += 1
            rated += 1
    targets = share_targets(region, year)
    rows = []
    for rating in (Rating.BASIC, Rating.LEVEL_2, Rating.LEVEL_1):
        at_or_above = sum(n for r, n in counts.items() if r >= rating)
        share = Fraction(at_or_above, len(towns)) if towns else None
        target = targets.get(rating)
        rows.append(
            ShareRow(
                rating,
                at_or_above,
                share,
                target,
                None if target is None or share is None else share * 100 >= Fraction(target),
            )
        )
    return Progress(region, len(towns), rated, dict(counts), rows)


def _town_codes(region: Region) -> list[int]:
    if region.level == Level.TOWN:
        return [region.code]
    return list(
        Region.objects.filter(level=Level.TOWN, code__range=region.span).values_list(
            "code", flat=True
        )
    )


def progress_table(region: Region, year: int, today: date) -> tuple[Progress, list[Progress]]:
    """The region's progress and, for a city (or province), each county's."""
    ratings = rate_towns(region, year, today)
    whole = progress(region, ratings, year)
    parts = []
    if region.level < Level.COUNTY:
        for county in Region.objects.filter(level=Level.COUNTY, code__range=region.span):
            parts.append(progress(county, ratings, year))
    return whole, parts


# --- organisation checks --------------------------------------------------------------------

# The plan's budget per resident per year, in yuan: (lowest, highest), ends included.
BUDGET_STANDARDS: dict[int, tuple[Decimal, Decimal | None]] = {
    Level.CITY: (Decimal("1.00"), None),
    Level.COUNTY: (Decimal("0.50"), Decimal("1.00")),
}


def budget_status(level: int, per_resident: Decimal) -> str:
    """ "below", "within" or "above" the plan's range for `level` (both ends within)."""
    low, high = BUDGET_STANDARDS[level]
    if per_resident < low:
        return "below"
    if high is not None and per_resident > high:
        return "above"
    return "within"


@dataclass
class BudgetRow:
    region: Region
    figure: BudgetFigure | None
    standard: tuple[Decimal, Decimal | None]

    @property
    def per_resident(self) -> Decimal | None:
        if self.figure is None:
            return None
        return self.figure.budget / self.figure.population

    @property
    def shown(self) -> str:
        value = self.per_resident
        return "—" if value is None else str(value.quantize(Decimal("0.01"), ROUND_DOWN))

    @property
    def status(self) -> str:
        value = self.per_resident
        return "missing" if value is None else budget_status(self.region.level, value)


def budget_rows(region: Region, year: int) -> list[BudgetRow]:
    """The region (if a city or county) and the counties in it, with the year's figures."""
    units = [region] if region.level in BUDGET_STANDARDS else []
    if region.level < Level.COUNTY:
        units += list(
            Region.objects.filter(level=Level.COUNTY, code__range=region.span).order_by("code")
        )
    figures = {
        f.region_id: f
        for f in BudgetFigure.objects.filter(
            year=year, region_id__in=[u.code for u in units]
        ).select_related("entered_by")
    }
    return [BudgetRow(u, figures.get(u.code), BUDGET_STANDARDS[u.level]) for u in units]


def staffing_rows(region: Region) -> list[StaffingRow]:
    return centre_staffing(scope=Scope(spans=(region.span,)))


# --- manual indicators ----------------------------------------------------------------------


@dataclass
class ManualStatus:
    indicator: ManualIndicator
    period: Period
    target: str
    expected: int
    reported: list[Any]  # (report, met)
    missing: list[Body]
    missing_count: int
    mean: str


MISSING_SHOWN = 200


def manual_status(indicator: ManualIndicator, region: Region, today: date) -> ManualStatus:
    """The current period's reports of `indicator` from bodies in `region`, against the target
    of the reporting level, and the bodies that have not reported (the first 200)."""
    period = Period.containing(indicator.frequency, today)
    level = KIND_LEVEL.get(indicator.body_kind, Level.TOWN)
    target = manual_target(indicator, level, period.start.year)
    bodies = Body.objects.filter(
        kind=indicator.body_kind, active=True, region_code__range=region.span
    )
    reports = list(
        ManualReport.objects.filter(
            indicator=indicator, period_start=period.start, region_code__range=region.span
        )
        .select_related("body", "by")
        .order_by("region_code")
    )
    reported_ids = [r.body_id for r in reports]
    missing_qs = bodies.exclude(id__in=reported_ids).order_by("region_code", "name")
    reported = []
    for report in reports:
        value = Fraction(report.value) / (100 if indicator.percent else 1)
        reported.append((report, met(target, value)))
    mean = (
        manual_display(Fraction(sum(r.value for r in reports)) / len(reports), indicator)
        if reports
        else "—"
    )
    return ManualStatus(
        indicator=indicator,
        period=period,
        target=describe(target, indicator.percent),
        expected=bodies.count(),
        reported=reported,
        missing=list(missing_qs[:MISSING_SHOWN]),
        missing_count=missing_qs.count(),
        mean=mean,
    )


def reporting_bodies(actor: Any) -> list[Body]:
    """The active bodies the actor holds a role in: the ones they may report for."""
    if not getattr(actor, "is_authenticated", False):
        return []
    return list(
        Body.objects.filter(memberships__user=actor, active=True)
        .distinct()
        .select_related("region")
        .order_by("region_code")
    )
