"""Pages for leaders' reception days (领导接访): the staff's days, bookings and records, and
the public page where a person books a place. Thin: fetch through the selectors, write through
the services. The staff pages share the meetings pages' menu and stylesheet (meetings/_nav.html)
and form partials (meetings/_field.html, meetings/_form_errors.html)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jiefen.accounts.models import User
from jiefen.disputes.access import dispute_by_number
from jiefen.disputes.models import Dispute, Side
from jiefen.disputes.public import dispute_by_query
from jiefen.disputes.services import DisputeInput, PartyInput
from jiefen.lib.errors import DisputeError, NotFound
from jiefen.lib.errors import errors_to_form as _attach
from jiefen.org.models import Body, BodyKind
from jiefen.org.scope import scope_of
from jiefen.receptions import access, selectors, services
from jiefen.receptions.forms import (
    BookForm,
    DayForm,
    PublicBookForm,
    ReceptionRecordForm,
)
from jiefen.receptions.models import (
    ReceptionBooking,
    ReceptionDay,
)
from jiefen.regions.models import Region


def _publishing_bodies(user: Any) -> QuerySet[Body]:
    kinds = [BodyKind.TOWN_CENTRE, BodyKind.COUNTY_MEETING, BodyKind.CITY_OFFICE]
    qs = Body.objects.filter(kind__in=kinds, active=True).select_related("region")
    if user.is_superuser:
        return scope_of(user).filter(qs).order_by("region_code")
    return (
        qs.filter(
            memberships__user=user,
            memberships__role__in=list(selectors.PUBLISHING_ROLES),
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
            memberships__role__in=list(selectors.RECEIVING_ROLES),
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
                day = services.reception_publish(
                    actor=request.user,
                    body=data["body"],
                    data=services.DayInput(
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
                return redirect("receptions:day", pk=day.pk)
    days = list(
        access.days_for(request.user)
        .filter(date__gte=today - timedelta(days=14))
        .order_by("date", "starts_at")[:100]
    )
    return render(
        request,
        "receptions/receptions.html",
        {"days": days, "form": form, "today": today},
        status=status,
    )


def _get_day(request: HttpRequest, pk: int) -> ReceptionDay:
    try:
        return access.day_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _get_booking(request: HttpRequest, pk: int) -> ReceptionBooking:
    try:
        return access.booking_for(request.user, pk)
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
    receiver = selectors.may_receive(request.user, day)
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
    free = selectors.free_slots(day)
    return render(
        request,
        "receptions/reception_day.html",
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
    form = BookForm(request.POST, slots=selectors.free_slots(day))
    if form.is_valid():
        data = form.cleaned_data
        try:
            dispute = None
            matter = None
            if data["number"].strip():
                dispute = dispute_by_number(request.user, data["number"].strip())
            elif data["title"].strip() or data["contact_name"].strip():
                matter = services.MatterInput(
                    title=data["title"],
                    description=data["description"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                )
            services.reception_book(
                actor=request.user, slot_id=data["slot"], dispute=dispute, matter=matter
            )
        except DisputeError as error:
            _attach(error, form, {"dispute": "number"})
        else:
            messages.success(request, _("已预约"))
            return redirect("receptions:day", pk=pk)
    return _render_day(request, day, {"book": form}, status=400)


@login_required
@require_POST
def booking_record(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _get_booking(request, pk)
    day = booking.slot.day
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
            saved = services.reception_record(
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
            return redirect("receptions:day", pk=day.pk)
    return _render_day(request, day, {booking.pk: form}, status=400)


@login_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _get_booking(request, pk)
    try:
        services.booking_cancel(actor=request.user, booking_id=pk)
    except NotFound as error:
        # Not yours answers as does not exist.
        raise Http404 from error
    except DisputeError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已取消预约"))
    return redirect("receptions:day", pk=booking.slot.day_id)


# --- public booking -------------------------------------------------------------------------

BOOK_RATE = "10/h"
# The counter's name from when receptions were part of the meetings app: the counts go on.
BOOK_GROUP = "meetings.book"


def _public_day(pk: int) -> ReceptionDay:
    day = selectors.public_days(timezone.localdate()).filter(pk=pk).first()
    if day is None:
        raise Http404
    return day


@never_cache
def public_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    days = list(selectors.public_days(today)[:200])
    return render(request, "receptions/public_receptions.html", {"days": days})


def _render_public_book(
    request: HttpRequest, day: ReceptionDay, form: PublicBookForm, status: int = 200
) -> HttpResponse:
    from jiefen.portal import guard

    # A new question every time: the template writes its token, not the one posted.
    return render(
        request,
        "receptions/public_book.html",
        {"day": day, "form": form, "challenge": guard.challenge_new()},
        status=status,
    )


@never_cache
def public_book(request: HttpRequest, pk: int) -> HttpResponse:
    from django_ratelimit.core import get_usage

    from jiefen.portal import guard

    day = _public_day(pk)
    free = selectors.free_slots(day)
    if request.method != "POST":
        return _render_public_book(request, day, PublicBookForm(slots=free))
    form = PublicBookForm(request.POST, slots=free)
    usage = get_usage(request, group=BOOK_GROUP, key="ip", rate=BOOK_RATE, increment=False)
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
        matter = services.MatterInput(
            title=data["title"],
            description=data["description"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
        )
    try:
        booking = services.reception_book(
            actor=None, slot_id=data["slot"], dispute=dispute, matter=matter
        )
    except DisputeError as error:
        _attach(error, form, {"dispute": "number"})
        return _render_public_book(request, day, form, status=400)
    get_usage(request, group=BOOK_GROUP, key="ip", rate=BOOK_RATE, increment=True)
    return render(
        request,
        "receptions/public_booked.html",
        {"day": day, "slot": booking.slot, "booking": booking},
    )
