"""Staff pages for screening returns (矛盾纠纷排查): the monthly return of a body and who has
not sent theirs. Thin: fetch through the access helpers, write through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.lib.errors import DisputeError, NotFound
from jiefen.lib.errors import errors_to_form as _attach
from jiefen.meetings import access
from jiefen.meetings import screening as screening_services
from jiefen.meetings.screening_forms import (
    FindingFormSet,
    ReturnForm,
)
from jiefen.org.models import BodyKind, Membership
from jiefen.org.scope import scope_of
from jiefen.regions.models import Level, Region

# --- screening returns ---------------------------------------------------------------------

FINDING_FIELDS = {"title", "description", "applicant", "phone", "respondent", "category"}


def _typed_findings(post: Any) -> list[dict[str, str]]:
    total = (
        int(post.get("findings-TOTAL_FORMS") or 0)
        if str(post.get("findings-TOTAL_FORMS") or "").isdigit()
        else 0
    )
    return [
        {
            key.split("-", 2)[2]: value
            for key, value in post.items()
            if key.startswith(f"findings-{i}-")
        }
        for i in range(min(total, 19))
    ]


@login_required
def screening(request: HttpRequest) -> HttpResponse:
    bodies = list(screening_services.reporting_bodies(request.user))
    if not bodies:
        return redirect("meetings:screening_status")
    chosen = request.POST.get("body") or request.GET.get("body")
    body = next((b for b in bodies if str(b.pk) == str(chosen)), bodies[0])
    today = timezone.localdate()
    periods = screening_services.open_periods(body, today)
    status = 200
    if request.method == "POST" and "add_finding" in request.POST:
        form = ReturnForm(periods=periods, initial=request.POST.dict())
        findings = FindingFormSet(
            prefix="findings", initial=[*_typed_findings(request.POST), {"people_involved": 2}]
        )
    else:
        form = ReturnForm(
            request.POST or None,
            periods=periods,
            initial={"period": periods[0].start.isoformat() if periods else ""},
        )
        findings = FindingFormSet(request.POST or None, prefix="findings")
    if request.method == "POST" and "add_finding" not in request.POST:
        status = 400
        if form.is_valid() and findings.is_valid():
            data = form.cleaned_data
            inputs = []
            for one in findings.forms:
                if one.is_blank():
                    continue
                d = one.cleaned_data
                inputs.append(
                    screening_services.FindingInput(
                        category=d.get("category"),
                        title=d.get("title") or "",
                        description=d.get("description") or "",
                        applicant=d.get("applicant") or "",
                        respondent=d.get("respondent") or "",
                        phone=d.get("phone") or "",
                        people_involved=d.get("people_involved"),
                        risk=d.get("risk") or "ordinary",
                    )
                )
            try:
                returned = screening_services.screening_return_submit(
                    actor=request.user,
                    body=body,
                    data=screening_services.ReturnInput(
                        period_start=data["period"],
                        nil=data["nil"],
                        findings=inputs,
                        note=data["note"],
                    ),
                )
            except DisputeError as error:
                _attach(error, form, formsets={"findings": findings})
            else:
                if returned.nil:
                    messages.success(request, _("已报送零报告"))
                else:
                    messages.success(
                        request,
                        _("已报送，排查发现的 %(n)d 件纠纷已登记")
                        % {"n": returned.findings.count()},
                    )
                return redirect(f"{request.path}?body={body.pk}")
    return render(
        request,
        "meetings/screening.html",
        {
            "bodies": bodies,
            "body": body,
            "form": form,
            "findings": findings,
            "periods": periods,
            "returns": screening_services.returns_of(body),
            "reminders": screening_services.reminders_for(body),
        },
        status=status,
    )


def _watched_regions(user: Any) -> list[Region]:
    """The towns and counties whose villages the user oversees, in code order."""
    scope = scope_of(user)
    if scope.everything:
        return list(Region.objects.filter(level=Level.COUNTY).order_by("code")[:50])
    codes = Membership.objects.filter(
        user=user,
        body__active=True,
        body__kind__in=[BodyKind.TOWN_CENTRE, BodyKind.COUNTY_MEETING, BodyKind.CITY_OFFICE],
    ).values_list("body__region_id", flat=True)
    return list(Region.objects.filter(code__in=codes).order_by("code"))


@login_required
def screening_status(request: HttpRequest) -> HttpResponse:
    regions = _watched_regions(request.user)
    code = request.GET.get("region")
    region = None
    if code and code.isdigit():
        try:
            region = access.screening_region_for(request.user, code)
        except NotFound:
            raise Http404 from None
    if region is None:
        if not regions:
            return render(request, "meetings/screening_status.html", {"regions": []})
        region = regions[0]
    today = timezone.localdate()
    current = screening_services.period_of(today)
    periods = [current]
    for _i in range(5):
        periods.append(periods[-1].previous())
    chosen = request.GET.get("period")
    period = next((p for p in periods if p.start.isoformat() == chosen), None)
    if period is None:
        # By default the last period that has ended: the one villages should all have returned.
        period = periods[1]
    rows: list[Any] = list(screening_services.village_status(region, period))
    missing = [r for r in rows if r.returned_at is None]
    return render(
        request,
        "meetings/screening_status.html",
        {
            "regions": regions if region in regions else [region, *regions],
            "region": region,
            "periods": periods,
            "period": period,
            "rows": rows,
            "missing": missing,
            "nil_count": sum(1 for r in rows if r.returned_at and r.nil),
            "found_count": sum(r.found or 0 for r in rows),
            "ended": period.end < today,
        },
    )
