"""Staff pages for meetings, screening returns, circulars and receptions, and the public
reception booking page. Thin: fetch through the access helpers, write through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jiefen.accounts.models import User
from jiefen.disputes.access import dispute_by_number, disputes_for
from jiefen.disputes.models import Dispute, Side
from jiefen.disputes.public import dispute_by_query
from jiefen.disputes.services import DisputeInput, PartyInput
from jiefen.lib.errors import DisputeError, NotFound
from jiefen.lib.errors import errors_to_form as _attach
from jiefen.meetings import circulars as circular_services
from jiefen.meetings import receptions as reception_services
from jiefen.meetings import screening as screening_services
from jiefen.meetings import services
from jiefen.meetings.agenda import SECTION_LABELS, SECTIONS, agenda_dispute_ids, meeting_title
from jiefen.meetings.exports import (
    UNIT_KEYS,
    agenda_docx,
    circular_comparison,
    circular_rows,
    circular_summary,
    circular_title,
    decision_effect,
    decision_names,
    minutes_docx,
    stats_sentence,
    trend_lines,
)
from jiefen.meetings.forms import (
    BookForm,
    CircularForm,
    DayForm,
    DepartmentDecisionForm,
    FindingFormSet,
    LeaderDecisionForm,
    OrderDecisionForm,
    PublicBookForm,
    ReceptionRecordForm,
    RecordForm,
    RescheduleForm,
    ReturnForm,
    SeriesForm,
    people_from,
)
from jiefen.meetings.models import (
    Circular,
    DayRule,
    DecisionKind,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    ReceptionBooking,
    ReceptionDay,
)
from jiefen.org.models import Body, BodyKind, Membership, Role
from jiefen.org.scope import bodies_for, body_for, scope_of
from jiefen.regions.models import Level, Region

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


def _managed_bodies(user: Any, kinds: tuple[str, ...]) -> QuerySet[Body]:
    qs = Body.objects.filter(kind__in=kinds, active=True).select_related("region")
    if user.is_superuser:
        return qs.order_by("region_code")[:50]  # type: ignore[return-value]
    return (
        qs.filter(memberships__user=user, memberships__role__in=list(services.MANAGING_ROLES))
        .distinct()
        .order_by("region_code")
    )


# --- meetings -------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    meetings = list(
        services.meetings_for(request.user)
        .filter(date__gte=today - timedelta(days=92))
        .order_by("date", "id")[:100]
    )
    upcoming = [m for m in meetings if m.status == MeetingStatus.SCHEDULED and m.date >= today]
    past = [m for m in reversed(meetings) if m not in upcoming]
    managed = list(_managed_bodies(request.user, services.MEETING_KINDS))
    series = {s.body_id: s for s in MeetingSeries.objects.filter(body__in=[b.pk for b in managed])}
    return render(
        request,
        "meetings/index.html",
        {
            "upcoming": [(m, meeting_title(m)) for m in upcoming],
            "past": [(m, meeting_title(m)) for m in past],
            "managed": [(b, series.get(b.pk)) for b in managed],
            "today": today,
        },
    )


@login_required
def series_edit(request: HttpRequest, body: int) -> HttpResponse:
    found = body_for(request.user, body)
    if not services.may_manage(request.user, found) or found.kind not in services.MEETING_KINDS:
        raise PermissionDenied
    existing = MeetingSeries.objects.filter(body=found).first()
    initial = {
        "cadence": services.DEFAULT_CADENCE[BodyKind(found.kind)],
        "rule": DayRule.LAST_WORKING_DAY,
        "day": 1,
        "starts_at": "09:00",
        "place": _("%(body)s会议室") % {"body": found.name},
        "active": True,
    }
    if existing is not None:
        initial.update(
            cadence=existing.cadence,
            rule=existing.rule,
            day=existing.day,
            weekday=existing.weekday,
            starts_at=existing.starts_at,
            place=existing.place,
            active=existing.active,
        )
    form = SeriesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.series_save(
                actor=request.user,
                body=found,
                data=services.SeriesInput(
                    cadence=data["cadence"],
                    rule=data["rule"],
                    day=data["day"],
                    weekday=data["weekday"],
                    starts_at=data["starts_at"],
                    place=data["place"],
                    active=data["active"],
                ),
            )
        except DisputeError as error:
            _attach(error, form)
        else:
            messages.success(request, _("已保存例会安排，并生成了近期的会议"))
            return redirect("meetings:index")
    return render(
        request,
        "meetings/series.html",
        {"body": found, "form": form, "existing": existing},
        status=400 if form.is_bound and form.errors else 200,
    )


def _get_meeting(request: HttpRequest, pk: int) -> Meeting:
    try:
        return services.meeting_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _members(meeting: Meeting) -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, memberships__body=meeting.body)
        .distinct()
        .order_by("full_name", "username")
    )


def _decision_choices(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    ids = agenda_dispute_ids(meeting.agenda or {})
    found = {
        d.pk: d for d in disputes_for(request.user).filter(pk__in=ids).select_related("holder")
    }
    low, high = meeting.body.region.span
    in_area = bodies_for(request.user).filter(active=True, region_code__range=(low, high))
    leaders = (
        User.objects.filter(
            is_active=True,
            memberships__role=Role.LEADER,
            memberships__body__region_code__range=(low, high),
        )
        .distinct()
        .order_by("full_name")
    )
    order_bodies = in_area.exclude(pk=meeting.body_id)
    if meeting.body.kind == BodyKind.COUNTY_MEETING:
        order_bodies = order_bodies.exclude(kind=BodyKind.VILLAGE_GROUP)
    return {
        "disputes": [found[i] for i in ids if i in found],
        "departments": in_area.filter(kind=BodyKind.DEPARTMENT).order_by("region_code", "name"),
        "leaders": leaders,
        "bodies": order_bodies.order_by("region_code", "kind", "name"),
    }


DECISION_FORMS = {
    DecisionKind.DEPARTMENT: (DepartmentDecisionForm, "departments"),
    DecisionKind.LEADER: (LeaderDecisionForm, "leaders"),
    DecisionKind.ORDER: (OrderDecisionForm, "bodies"),
}


def _decision_form(kind: str, choices: dict[str, Any], data: Any = None) -> Any:
    cls, extra = DECISION_FORMS[DecisionKind(kind)]
    return cls(data, disputes=choices["disputes"], **{extra: choices[extra]}, prefix=kind)


def _render_detail(
    request: HttpRequest, meeting: Meeting, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    manager = services.may_manage(request.user, meeting.body)
    agenda = meeting.agenda or {}
    sections = [
        (key, SECTION_LABELS[key], (agenda.get("sections") or {}).get(key)) for key in SECTIONS
    ]
    context: dict[str, Any] = {
        "meeting": meeting,
        "title": meeting_title(meeting),
        "manager": manager,
        "agenda": agenda,
        "sections": sections,
        "stats_sentence": stats_sentence(agenda.get("stats", {}), agenda.get("stats_previous", {}))
        if agenda
        else "",
        "trends": trend_lines(agenda.get("trends", [])),
        "attendance": list(meeting.attendance.all()),
        "supervision_ready": services.integration.supervision_services() is not None,
    }
    decisions = list(meeting.decisions.select_related("dispute", "decided_by").order_by("id"))
    names = decision_names(decisions)
    context["decisions"] = [(d, decision_effect(d, names)) for d in decisions]
    if manager and meeting.status != MeetingStatus.CANCELLED:
        members = _members(meeting)
        initial: dict[str, Any] = {
            "held_on": meeting.held_on or min(meeting.date, timezone.localdate())
        }
        if meeting.status == MeetingStatus.HELD:
            initial.update(
                chair=meeting.chair_id,
                present=[
                    a.user_id for a in context["attendance"] if a.user_id and a.kind == "present"
                ],
                minutes=meeting.minutes,
                place=meeting.place,
            )
        else:
            initial["place"] = meeting.place
        context["record_form"] = bound.get("record") or RecordForm(members=members, initial=initial)
    if manager and meeting.status == MeetingStatus.SCHEDULED:
        context["reschedule_form"] = bound.get("reschedule") or RescheduleForm(
            initial={"date": meeting.date, "starts_at": meeting.starts_at, "place": meeting.place}
        )
    if manager and meeting.status == MeetingStatus.HELD:
        choices = _decision_choices(request, meeting)
        context["decision_forms"] = [
            (kind, DecisionKind(kind).label, bound.get(kind) or _decision_form(kind, choices))
            for kind in DecisionKind.values
        ]
    return render(request, "meetings/detail.html", context, status=status)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _get_meeting(request, pk))


@login_required
@require_POST
def refresh(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting(request, pk)
    try:
        services.agenda_refresh(actor=request.user, meeting_id=meeting.pk)
    except DisputeError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已按最新数据更新议程"))
    return redirect("meetings:detail", pk=pk)


@login_required
@require_POST
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting(request, pk)
    form = RescheduleForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_reschedule(
                actor=request.user,
                meeting_id=meeting.pk,
                day=form.cleaned_data["date"],
                starts_at=form.cleaned_data["starts_at"],
                place=form.cleaned_data["place"],
            )
        except DisputeError as error:
            _attach(error, form, {"date": "date"})
        else:
            messages.success(request, _("已调整会议时间地点"))
            return redirect("meetings:detail", pk=pk)
    return _render_detail(request, meeting, {"reschedule": form}, status=400)


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting(request, pk)
    try:
        services.meeting_cancel(actor=request.user, meeting_id=meeting.pk)
    except DisputeError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已取消会议"))
    return redirect("meetings:detail", pk=pk)


@login_required
@require_POST
def record(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting(request, pk)
    form = RecordForm(request.POST, members=_members(meeting))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_record(
                actor=request.user,
                meeting_id=meeting.pk,
                record=services.MeetingRecord(
                    held_on=data["held_on"],
                    chair=data["chair"],
                    minutes=data["minutes"],
                    present=list(data["present"]),
                    present_others=people_from(data["present_others"]),
                    observers=people_from(data["observers"]),
                    absent=people_from(data["absent"]),
                    place=data["place"],
                ),
            )
        except DisputeError as error:
            _attach(error, form)
        else:
            messages.success(request, _("已记录会议召开情况，可以记录会议决定"))
            return redirect("meetings:detail", pk=pk)
    meeting = _get_meeting(request, pk)
    return _render_detail(request, meeting, {"record": form}, status=400)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    meeting = _get_meeting(request, pk)
    if kind not in DecisionKind.values or not services.may_manage(request.user, meeting.body):
        raise Http404
    choices = _decision_choices(request, meeting)
    form = _decision_form(kind, choices, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        dispute_id = data["dispute"]
        try:
            if dispute_id is None and data["number"].strip():
                dispute_id = dispute_by_number(request.user, data["number"].strip()).pk
            decision = services.decision_record(
                actor=request.user,
                meeting_id=meeting.pk,
                data=services.DecisionInput(
                    kind=kind,
                    dispute_id=dispute_id,
                    text=data["text"],
                    department=data.get("department"),
                    days=data.get("days"),
                    leader=data.get("leader"),
                    plan=data.get("plan", ""),
                    target_date=data.get("target_date"),
                    requirement=data.get("requirement", ""),
                    to_body=data.get("to_body"),
                ),
            )
        except DisputeError as error:
            _attach(error, form, {"version": "dispute", "reason": "text"})
        else:
            messages.success(
                request,
                _("已记录决定并执行：%(number)s %(kind)s")
                % {"number": decision.dispute.number, "kind": decision.get_kind_display()},
            )
            return redirect("meetings:detail", pk=pk)
    return _render_detail(request, meeting, {kind: form}, status=400)


@login_required
def agenda_file(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting(request, pk)
    with translation.override("zh-hans"):
        content = agenda_docx(meeting)
        name = meeting_title(meeting) + "议程.docx"
    return _download(content, name, DOCX)


@login_required
def minutes_file(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting(request, pk)
    if meeting.status != MeetingStatus.HELD:
        raise Http404
    with translation.override("zh-hans"):
        content = minutes_docx(meeting)
        name = meeting_title(meeting) + "纪要.docx"
    return _download(content, name, DOCX)


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
    scope = scope_of(request.user)
    code = request.GET.get("region")
    region = None
    if code and code.isdigit():
        region = Region.objects.filter(code=int(code), level__lte=Level.TOWN).first()
        if region is None or not scope.contains(region.code):
            raise Http404
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


# --- circulars ------------------------------------------------------------------------------


@login_required
def circular_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    managed = list(_managed_bodies(request.user, tuple(circular_services.KIND_OF_BODY)))
    generate = [
        (body, [p for p, done in circular_services.periods_to_generate(body, today) if not done])
        for body in managed[:10]
    ]
    return render(
        request,
        "meetings/circulars.html",
        {
            "circulars": list(circular_services.circulars_for(request.user)[:60]),
            "generate": generate,
        },
    )


@login_required
@require_POST
def circular_generate(request: HttpRequest) -> HttpResponse:
    body = body_for(request.user, request.POST.get("body"))
    form = CircularForm(request.POST, bodies=Body.objects.filter(pk=body.pk))
    if not form.is_valid():
        messages.error(request, _("请选择通报单位和通报期"))
        return redirect("meetings:circulars")
    try:
        circular = circular_services.circular_generate(
            actor=request.user, body=body, period_start=form.cleaned_data["period"]
        )
    except DisputeError as error:
        messages.error(request, str(error.message))
        return redirect("meetings:circulars")
    messages.success(request, _("已生成通报（用时 %(s).1f 秒）") % {"s": circular.seconds})
    return redirect("meetings:circular", pk=circular.pk)


def _get_circular(request: HttpRequest, pk: int) -> Circular:
    try:
        return circular_services.circular_for(request.user, pk)
    except NotFound:
        raise Http404 from None


@login_required
def circular_detail(request: HttpRequest, pk: int) -> HttpResponse:
    circular = _get_circular(request, pk)
    figures = circular.figures
    totals = figures["totals"]
    return render(
        request,
        "meetings/circular.html",
        {
            "circular": circular,
            "title": circular_title(figures),
            "summary": circular_summary(figures),
            "comparison": circular_comparison(figures),
            "rows": [
                (label, totals["current"][k], totals["previous"][k], totals["last_year"][k])
                for k, label in circular_rows()
            ],
            "categories": figures["categories"],
            "units": [
                (
                    _("%(name)s（本级）") % {"name": u["name"]} if u.get("own") else u["name"],
                    [u[k] for k in UNIT_KEYS],
                )
                for u in figures["units"]
            ],
            "longest": figures["longest_open"],
        },
    )


@login_required
def circular_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    circular = _get_circular(request, pk)
    with translation.override("zh-hans"):
        name = f"{circular.body.name}{circular_title(circular.figures)}"
    if fmt == "docx":
        return _download(circular.docx, name + ".docx", DOCX)
    if fmt == "xlsx":
        return _download(circular.xlsx, name + ".xlsx", XLSX)
    raise Http404


# --- receptions -----------------------------------------------------------------------------


def _publishing_bodies(user: Any) -> QuerySet[Body]:
    kinds = [BodyKind.TOWN_CENTRE, BodyKind.COUNTY_MEETING, BodyKind.CITY_OFFICE]
    qs = Body.objects.filter(kind__in=kinds, active=True).select_related("region")
    if user.is_superuser:
        return scope_of(user).filter(qs).order_by("region_code")
    return (
        qs.filter(
            memberships__user=user,
            memberships__role__in=list(reception_services.PUBLISHING_ROLES),
        )
        .distinct()
        .order_by("region_code")
    )


def _day_form(user: Any, data: Any = None) -> DayForm | None:
    bodies = _publishing_bodies(user)
    if not bodies.exists():
        return None
    leaders = (
        User.objects.filter(
            is_active=True,
            memberships__body__in=bodies,
            memberships__role__in=list(reception_services.RECEIVING_ROLES),
        )
        .distinct()
        .order_by("full_name")
    )
    return DayForm(
        data,
        bodies=bodies,
        leaders=leaders,
        initial={
            "body": bodies.first(),
            "leader": user if leaders.filter(pk=user.pk).exists() else None,
            "starts_at": "09:00",
            "ends_at": "11:30",
        },
    )


@login_required
def reception_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = _day_form(request.user, request.POST or None)
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                day = reception_services.reception_publish(
                    actor=request.user,
                    body=data["body"],
                    data=reception_services.DayInput(
                        leader=data["leader"],
                        kind=data["kind"],
                        date=data["date"],
                        starts_at=data["starts_at"],
                        ends_at=data["ends_at"],
                        place=data["place"],
                        slot_minutes=data["slot_minutes"],
                        note=data["note"],
                    ),
                )
            except DisputeError as error:
                _attach(error, form)
            else:
                messages.success(request, _("已发布接访日"))
                return redirect("meetings:reception", pk=day.pk)
    days = list(
        reception_services.days_for(request.user)
        .filter(date__gte=today - timedelta(days=14))
        .order_by("date", "starts_at")[:100]
    )
    return render(
        request,
        "meetings/receptions.html",
        {"days": days, "form": form, "today": today},
        status=status,
    )


def _get_day(request: HttpRequest, pk: int) -> ReceptionDay:
    try:
        return reception_services.day_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _record_regions(day: ReceptionDay) -> list[Region]:
    region = day.body.region
    return [region, *Region.objects.filter(parent=region).order_by("code")]


def _render_day(
    request: HttpRequest, day: ReceptionDay, bound: dict[Any, Any] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    bookings = list(
        ReceptionBooking.objects.filter(slot__day=day)
        .select_related("slot", "dispute", "booked_by")
        .order_by("slot__starts_at", "id")
    )
    receiver = reception_services._may_receive(request.user, day)
    regions = _record_regions(day)
    rows = [
        (
            b,
            bound.get(b.pk) or ReceptionRecordForm(regions=regions, prefix=f"b{b.pk}")
            if receiver and b.status == "booked"
            else None,
        )
        for b in bookings
    ]
    free = reception_services.free_slots(day)
    return render(
        request,
        "meetings/reception_day.html",
        {
            "day": day,
            "rows": rows,
            "free": free,
            "book_form": bound.get("book") or (BookForm(slots=free) if free else None),
            "receiver": receiver,
        },
        status=status,
    )


@login_required
def reception_day(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_day(request, _get_day(request, pk))


@login_required
@require_POST
def reception_book(request: HttpRequest, pk: int) -> HttpResponse:
    day = _get_day(request, pk)
    form = BookForm(request.POST, slots=reception_services.free_slots(day))
    if form.is_valid():
        data = form.cleaned_data
        try:
            dispute = None
            matter = None
            if data["number"].strip():
                dispute = dispute_by_number(request.user, data["number"].strip())
            elif data["title"].strip() or data["contact_name"].strip():
                matter = reception_services.MatterInput(
                    title=data["title"],
                    description=data["description"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                )
            reception_services.reception_book(
                actor=request.user, slot_id=data["slot"], dispute=dispute, matter=matter
            )
        except DisputeError as error:
            _attach(error, form, {"dispute": "number"})
        else:
            messages.success(request, _("已预约"))
            return redirect("meetings:reception", pk=pk)
    return _render_day(request, day, {"book": form}, status=400)


@login_required
@require_POST
def booking_record(request: HttpRequest, pk: int) -> HttpResponse:
    booking = (
        ReceptionBooking.objects.select_related("slot__day__body__region").filter(pk=pk).first()
    )
    if booking is None:
        raise Http404
    day = _get_day(request, booking.slot.day_id)
    form = ReceptionRecordForm(request.POST, regions=_record_regions(day), prefix=f"b{pk}")
    if form.is_valid():
        data = form.cleaned_data
        register = None
        if data["register"] and booking.dispute_id is None:
            region = Region.objects.filter(code=data["region"]).first() if data["region"] else None
            register = DisputeInput(
                body=day.body,
                category=data["category"],
                channel="walk_in",
                region=region,
                title=booking.title,
                description=booking.description or data["record"],
                parties=[
                    PartyInput(
                        side=Side.APPLICANT,
                        name=booking.contact_name,
                        phone=booking.contact_phone or "",
                    )
                ],
            )
        try:
            saved = reception_services.reception_record(
                actor=request.user,
                booking_id=booking.pk,
                record=data["record"],
                absent=data["absent"],
                register=register,
            )
        except DisputeError as error:
            _attach(error, form, {"parties.0.name": "record", "parties.0.phone": "record"})
        else:
            if register is not None and saved.dispute_id:
                messages.success(
                    request,
                    _("已记录，并登记为纠纷 %(number)s")
                    % {"number": saved.dispute.number if saved.dispute else ""},
                )
            else:
                messages.success(request, _("已记录接访情况"))
            return redirect("meetings:reception", pk=day.pk)
    return _render_day(request, day, {booking.pk: form}, status=400)


@login_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = ReceptionBooking.objects.select_related("slot").filter(pk=pk).first()
    if booking is None:
        raise Http404
    try:
        reception_services.booking_cancel(actor=request.user, booking_id=pk)
    except NotFound as error:
        # Not yours answers as does not exist.
        raise Http404 from error
    except DisputeError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已取消预约"))
    return redirect("meetings:reception", pk=booking.slot.day_id)


# --- public booking -------------------------------------------------------------------------

BOOK_RATE = "10/h"


def _public_day(pk: int) -> ReceptionDay:
    day = reception_services.public_days(timezone.localdate()).filter(pk=pk).first()
    if day is None:
        raise Http404
    return day


@never_cache
def public_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    days = list(reception_services.public_days(today)[:200])
    return render(request, "meetings/public_receptions.html", {"days": days})


def _render_public_book(
    request: HttpRequest, day: ReceptionDay, form: PublicBookForm, status: int = 200
) -> HttpResponse:
    from jiefen.portal import guard

    # A new question every time: the template writes its token, not the one posted.
    return render(
        request,
        "meetings/public_book.html",
        {"day": day, "form": form, "challenge": guard.challenge_new()},
        status=status,
    )


@never_cache
def public_book(request: HttpRequest, pk: int) -> HttpResponse:
    from django_ratelimit.core import get_usage

    from jiefen.portal import guard

    day = _public_day(pk)
    free = reception_services.free_slots(day)
    if request.method != "POST":
        return _render_public_book(request, day, PublicBookForm(slots=free))
    form = PublicBookForm(request.POST, slots=free)
    usage = get_usage(request, group="meetings.book", key="ip", rate=BOOK_RATE, increment=False)
    if usage is not None and (usage["limit"] == 0 or usage["count"] >= usage["limit"]):
        form.is_valid()
        form.add_error(None, _("预约次数过多，请一小时后再试"))
        return _render_public_book(request, day, form, status=429)
    if not form.is_valid():
        return _render_public_book(request, day, form, status=400)
    data = form.cleaned_data
    try:
        guard.challenge_check(data["challenge"], data["answer"])
    except guard.ChallengeFailed as failed:
        form.add_error(
            "answer",
            _("验证题已过期，请回答新的题目")
            if failed.expired
            else _("验证题答案不正确，请回答新的题目"),
        )
        return _render_public_book(request, day, form, status=400)
    number = data["number"].strip()
    dispute: Dispute | None = None
    matter = None
    if number:
        if guard.follow_used_up(request, number):
            form.add_error(None, _("查询失败次数过多，请 10 分钟后再试"))
            return _render_public_book(request, day, form, status=429)
        dispute = dispute_by_query(number=number, code=data["code"])
        if dispute is None:
            guard.follow_failed(request, number)
            form.add_error("code", _("编号或查询码不正确，请核对后重新输入"))
            return _render_public_book(request, day, form, status=400)
    else:
        matter = reception_services.MatterInput(
            title=data["title"],
            description=data["description"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
        )
    try:
        booking = reception_services.reception_book(
            actor=None, slot_id=data["slot"], dispute=dispute, matter=matter
        )
    except DisputeError as error:
        _attach(error, form, {"dispute": "number"})
        return _render_public_book(request, day, form, status=400)
    get_usage(request, group="meetings.book", key="ip", rate=BOOK_RATE, increment=True)
    return render(
        request,
        "meetings/public_booked.html",
        {"day": day, "slot": booking.slot, "booking": booking},
    )
