"""The KPI dashboard and its .xlsx export. Thin: the region comes through the jurisdiction
check (404 outside it), the figures from dashboard.py."""

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from jiefen.metrics import early_warning, warning_reports
from jiefen.metrics.dashboard import dashboard, region_for
from jiefen.metrics.export import workbook
from jiefen.metrics.indicators import BY_KEY, COLUMNS, RANKED
from jiefen.metrics.periods import KINDS, Period, period_from


def _query(region_code: int, period: Period, sort: str = "", **more: Any) -> str:
    params: dict[str, Any] = {"region": region_code, **period.query()}
    if sort:
        params["sort"] = sort
    params.update(more)
    return urlencode(params)


def _board(request: HttpRequest) -> Any:
    today = timezone.localdate()
    region = region_for(request.user, request.GET.get("region"))
    period = period_from(request.GET, today)
    return dashboard(request.user, region, period, today, request.GET.get("sort", ""))


@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    board = _board(request)
    region, period, sort = board.region, board.period, board.sort
    columns = []
    for key in ("name", *COLUMNS):
        descending = f"-{key}"
        active = sort.lstrip("-") == key
        # A click sorts best first (highest first; for names, by code), a second click flips.
        next_sort = (
            (key if sort == descending else descending)
            if key != "name"
            else ("-name" if sort == "name" else "name")
        )
        columns.append(
            {
                "key": key,
                "indicator": BY_KEY.get(key),
                # Information-only indicators are shown, never ranked: no sorting by them.
                "url": "?" + _query(region.code, period, next_sort)
                if key == "name" or key in RANKED
                else None,
                "active": active,
                "descending": sort.startswith("-"),
            }
        )
    context = {
        "board": board,
        "kinds": KINDS.items(),
        "columns": columns,
        "previous": "?" + _query(region.code, period.previous(), sort),
        "next": "?" + _query(region.code, period.next(), sort),
        "export": "?" + _query(region.code, period, sort),
        "rows": [
            {
                "name": row.name,
                "code": row.code,
                "drill": "?" + _query(row.region.code, period, sort) if row.region else None,
                "cells": [
                    {
                        "figure": row.figures[key],
                        "url": {"received": row.received_url, "overdue_open": row.overdue_url}.get(
                            key
                        ),
                    }
                    for key in COLUMNS
                ],
            }
            for row in board.rows
        ],
        "up": [(r, "?" + _query(r.code, period, sort)) for r in board.trail],
        # The region has passed the jurisdiction check (region_for): its warnings are the
        # reader's to see. Read from the stored report: a bounded number, the rest on the list.
        "early": warning_reports.report_read(
            region=region, start=period.start, end=period.end, today=board.today
        ),
        "early_all": reverse("metrics:warnings") + "?" + _query(region.code, period),
        "early_method": early_warning.method(),
    }
    return render(request, "metrics/dashboard.html", context)


@login_required
def warnings_view(request: HttpRequest) -> HttpResponse:
    """Every early warning of a region and period, a page at a time, from the stored report."""
    today = timezone.localdate()
    region = region_for(request.user, request.GET.get("region"))
    period = period_from(request.GET, today)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    size = warning_reports.PAGE
    early = warning_reports.report_read(
        region=region,
        start=period.start,
        end=period.end,
        today=today,
        offset=(page - 1) * size,
        limit=size,
    )
    pages = max(1, -(-early.total // size))
    base = "?" + _query(region.code, period)
    context = {
        "region": region,
        "period": period,
        "early": early,
        "first": (page - 1) * size + 1,
        "page": page,
        "pages": pages,
        "previous": f"{base}&page={page - 1}" if page > 1 else None,
        "next": f"{base}&page={page + 1}" if page < pages else None,
        "dashboard": reverse("metrics:dashboard") + base,
        "early_method": early_warning.method(),
    }
    return render(request, "metrics/warnings.html", context)


@login_required
def export_view(request: HttpRequest) -> HttpResponse:
    board = _board(request)
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"jiefen-kpi-{board.region.code}-{board.period.start}-{board.period.end}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    workbook(board).save(response)
    return response
