"""The evaluation pages. Thin: the region or town comes through selectors.region_for /
town_for (404 outside the actor's jurisdiction), writes go through services.py."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiefen.evaluation import access, selectors, services
from jiefen.evaluation.forms import AssessmentForm, BudgetForm, ReportForm
from jiefen.evaluation.models import CriterionKind, ManualIndicator, Rating
from jiefen.evaluation.targets import describe, targets_for
from jiefen.metrics.indicators import INDICATORS
from jiefen.org.scope import body_for
from jiefen.regions.models import Level, Region


def _context(request: HttpRequest) -> tuple[Region, int, date]:
    today = timezone.localdate()
    region = selectors.region_for(request.user, request.GET.get("region"))
    if not request.GET.get("year"):
        return region, selectors.latest_scheme_year(region, today), today
    return region, selectors.year_from(request.GET.get("year"), today), today


def _attach(form: Any, error: ValidationError) -> None:
    """A service's error on the form: on its field where the form has one, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _q(region: Region, year: int) -> str:
    return "?" + urlencode({"region": region.code, "year": year})


def _trail(request: HttpRequest, region: Region, year: int, name: str) -> list[tuple[Region, str]]:
    scope = selectors.view_scope(request.user)
    return [(r, reverse(name) + _q(r, year)) for r in region.ancestors() if scope.covers(r.span)]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    region, year, today = _context(request)
    targets = targets_for(region.level, year)
    rows = [
        {"indicator": i, "target": describe(targets[i.key], i.unit == "rate")}
        for i in INDICATORS
        if targets.get(i.key) is not None
    ]
    context = {
        "region": region,
        "year": year,
        "q": _q(region, year),
        "years": range(today.year - 3, today.year + 1),
        "targets": rows,
        "scheme": selectors.scheme_for(region, year) if region.level >= Level.CITY else None,
        "trail": _trail(request, region, year, "evaluation:index"),
    }
    return render(request, "evaluation/index.html", context)


@login_required
def ratings(request: HttpRequest) -> HttpResponse:
    region, year, today = _context(request)
    rated = selectors.rate_towns(region, year, today)
    towns = selectors.towns_in(region)
    rows = [(town, rated.get(town.code)) for town in towns]
    context = {
        "region": region,
        "year": year,
        "q": _q(region, year),
        "rows": rows,
        "progress": selectors.progress(region, rated, year) if region.level < Level.TOWN else None,
        "trail": _trail(request, region, year, "evaluation:ratings"),
    }
    return render(request, "evaluation/ratings.html", context)


def _town_page(
    request: HttpRequest,
    town: Region,
    year: int,
    forms: dict[int, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    rating = selectors.rate_towns(town, year, today).get(town.code)
    may_score = selectors.may_score(request.user, town)
    forms = forms or {}
    lines = []
    if rating is not None:
        for line in rating.lines:
            form = None
            if may_score and line.criterion.kind in (
                CriterionKind.SCORED,
                CriterionKind.VETO_RECORDED,
            ):
                a = line.assessment
                initial = (
                    {
                        "score": a.score,
                        "vetoed": a.vetoed,
                        "evidence": a.evidence,
                        "reference": a.reference,
                        "comment": a.comment,
                    }
                    if a
                    else {}
                )
                form = forms.get(line.criterion.pk) or AssessmentForm(
                    initial=initial, prefix=f"c{line.criterion.pk}"
                )
            lines.append({"line": line, "form": form})
    context = {
        "town": town,
        "year": year,
        "rating": rating,
        "lines": lines,
        "may_score": may_score,
        "ratings": Rating,
        "back": reverse("evaluation:ratings") + _q(town, year),
        "county": reverse("evaluation:ratings") + _q(town.parent, year) if town.parent else None,
    }
    return render(request, "evaluation/town.html", context, status=status)


@login_required
def town(request: HttpRequest, code: int, year: int) -> HttpResponse:
    region = selectors.town_for(request.user, code)
    return _town_page(request, region, selectors.year_from(year, timezone.localdate()))


@login_required
@require_POST
def assess(request: HttpRequest, code: int, year: int, criterion: int) -> HttpResponse:
    region, item = access.criterion_for(request.user, code, year, criterion)
    form = AssessmentForm(request.POST, prefix=f"c{item.pk}")
    if form.is_valid():
        try:
            services.assessment_record(
                actor=request.user, criterion=item, town=region, **form.cleaned_data
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("已保存“%(name)s”的评定。") % {"name": item.name})
            return redirect("evaluation:town", code=region.code, year=year)
    return _town_page(request, region, year, {item.pk: form}, status=400)


@login_required
def progress(request: HttpRequest) -> HttpResponse:
    region, year, today = _context(request)
    whole, parts = selectors.progress_table(region, year, today)
    context = {
        "region": region,
        "year": year,
        "q": _q(region, year),
        "whole": whole,
        "parts": parts,
        "trail": _trail(request, region, year, "evaluation:progress"),
    }
    return render(request, "evaluation/progress.html", context)


def _budget_regions(request: HttpRequest, region: Region) -> list[Region]:
    units = Region.objects.filter(
        level__in=(Level.CITY, Level.COUNTY), code__range=region.span
    ).order_by("code")
    if region.level == Level.COUNTY:
        units = Region.objects.filter(code=region.code)
    return [u for u in units if selectors.may_enter_budget(request.user, u)]


@login_required
def organisation(request: HttpRequest) -> HttpResponse:
    region, year, _today = _context(request)
    return _organisation(request, region, year)


def _organisation(
    request: HttpRequest, region: Region, year: int, form: Any = None, status: int = 200
) -> HttpResponse:
    editable = _budget_regions(request, region)
    if form is None and editable:
        form = BudgetForm(regions=editable, initial={"year": year})
    context = {
        "region": region,
        "year": year,
        "q": _q(region, year),
        "staffing": selectors.staffing_rows(region),
        "budget": selectors.budget_rows(region, year),
        "form": form if editable else None,
        "trail": _trail(request, region, year, "evaluation:organisation"),
    }
    return render(request, "evaluation/organisation.html", context, status=status)


@login_required
@require_POST
def budget(request: HttpRequest) -> HttpResponse:
    region, year, _today = _context(request)
    editable = _budget_regions(request, region)
    if not editable:
        raise Http404
    form = BudgetForm(request.POST, regions=editable)
    if form.is_valid():
        data = form.cleaned_data
        unit = next(u for u in editable if u.code == data["region"])
        try:
            services.budget_enter(
                actor=request.user,
                region=unit,
                year=data["year"],
                budget=data["budget"],
                population=data["population"],
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("已保存%(name)s的经费数据。") % {"name": unit.name})
            return redirect(reverse("evaluation:organisation") + _q(region, data["year"]))
    return _organisation(request, region, year, form, status=400)


@login_required
def manual_list(request: HttpRequest) -> HttpResponse:
    region, year, today = _context(request)
    statuses = [
        selectors.manual_status(m, region, today)
        for m in ManualIndicator.objects.filter(active=True).order_by("name")
    ]
    context = {
        "region": region,
        "year": year,
        "q": _q(region, year),
        "statuses": statuses,
        "trail": _trail(request, region, year, "evaluation:manual_list"),
    }
    return render(request, "evaluation/manual_list.html", context)


@login_required
def manual_detail(request: HttpRequest, key: str) -> HttpResponse:
    region, year, today = _context(request)
    try:
        indicator = ManualIndicator.objects.get(key=key, active=True)
    except ManualIndicator.DoesNotExist:
        raise Http404 from None
    context = {
        "region": region,
        "year": year,
        "q": _q(region, year),
        "status": selectors.manual_status(indicator, region, today),
        "trail": _trail(request, region, year, "evaluation:manual_list"),
    }
    return render(request, "evaluation/manual_detail.html", context)


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The form for a body's staff: every active manual indicator their bodies report."""
    today = timezone.localdate()
    bodies = selectors.reporting_bodies(request.user)
    kinds = {b.kind for b in bodies}
    indicators = list(ManualIndicator.objects.filter(active=True, body_kind__in=kinds))
    items = _report_items(bodies, indicators, today)
    return render(request, "evaluation/report.html", {"items": items})


def _report_items(
    bodies: list[Any], indicators: list[ManualIndicator], today: date, bound: Any = None
) -> list[dict[str, Any]]:
    from jiefen.evaluation.models import ManualReport

    items = []
    for body in bodies:
        for indicator in indicators:
            if indicator.body_kind != body.kind:
                continue
            periods = services.report_periods(indicator, today)
            current = (
                ManualReport.objects.filter(
                    indicator=indicator, body=body, period_start__in=[p.start for p in periods]
                )
                .select_related("by")
                .order_by("-period_start")
            )
            form = None
            if bound and bound[0] == (body.pk, indicator.pk):
                form = bound[1]
            items.append(
                {
                    "body": body,
                    "indicator": indicator,
                    "reports": list(current),
                    "form": form
                    or ReportForm(
                        periods=periods,
                        prefix=f"r{body.pk}-{indicator.pk}",
                        initial={"period": periods[0].start.isoformat()},
                    ),
                }
            )
    return items


@login_required
@require_POST
def report_save(request: HttpRequest, body: int, key: str) -> HttpResponse:
    today = timezone.localdate()
    mine = {b.pk: b for b in selectors.reporting_bodies(request.user)}
    if body not in mine:
        body_for(request.user, body)  # 404 for a body outside the actor's jurisdiction
        raise Http404
    unit = mine[body]
    try:
        indicator = ManualIndicator.objects.get(key=key, active=True, body_kind=unit.kind)
    except ManualIndicator.DoesNotExist:
        raise Http404 from None
    periods = services.report_periods(indicator, today)
    form = ReportForm(request.POST, periods=periods, prefix=f"r{unit.pk}-{indicator.pk}")
    if form.is_valid():
        try:
            services.manual_report(
                actor=request.user,
                indicator=indicator,
                body=unit,
                period_start=date.fromisoformat(form.cleaned_data["period"]),
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("已报送“%(name)s”。") % {"name": indicator.name})
            return redirect("evaluation:report")
    kinds = {b.kind for b in mine.values()}
    indicators = list(ManualIndicator.objects.filter(active=True, body_kind__in=kinds))
    items = _report_items(list(mine.values()), indicators, today, ((unit.pk, indicator.pk), form))
    return render(request, "evaluation/report.html", {"items": items}, status=400)
