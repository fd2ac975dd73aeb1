"""Staff pages for meetings: the list, the series, a meeting's agenda, record, decisions and
files. Screening returns and circulars have their own modules; leaders' reception days are
the receptions app's. Thin: fetch through the access helpers, write through the services."""

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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiefen.accounts.models import User
from jiefen.disputes.access import dispute_by_number, disputes_for
from jiefen.lib.errors import DisputeError, NotFound
from jiefen.lib.errors import errors_to_form as _attach
from jiefen.meetings import access, selectors, services
from jiefen.meetings.agenda import SECTION_LABELS, SECTIONS, agenda_dispute_ids, meeting_title
from jiefen.meetings.exports import (
    agenda_docx,
    decision_effect,
    decision_names,
    minutes_docx,
    stats_sentence,
    trend_lines,
)
from jiefen.meetings.forms import (
    DepartmentDecisionForm,
    LeaderDecisionForm,
    OrderDecisionForm,
    RecordForm,
    RescheduleForm,
    SeriesForm,
    people_from,
)
from jiefen.meetings.models import (
    DayRule,
    DecisionKind,
    Meeting,
    MeetingSeries,
    MeetingStatus,
)
from jiefen.meetings.pages import DOCX, _download, _managed_bodies
from jiefen.org.models import BodyKind, Role
from jiefen.org.scope import bodies_for, body_for

# --- meetings -------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    chosen = selectors.meeting_filter(request.user, request.GET)
    meetings = selectors.meetings_listed(request.user, chosen, since=today - timedelta(days=92))
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
            "chosen": chosen,
            "bodies": list(selectors.meeting_bodies(request.user)[:500]),
            "kinds": [(k, BodyKind(k).label) for k in services.MEETING_KINDS],
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
        return access.meeting_for(request.user, pk)
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
    if meeting.status == MeetingStatus.SCHEDULED:
        agenda = selectors.agenda_live(request.user, agenda)
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
        "warnings": [
            (w, services.integration.warning_words(w)) for w in agenda.get("warnings") or []
        ],
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
