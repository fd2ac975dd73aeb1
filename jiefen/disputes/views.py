"""Staff web UI for disputes. Thin: fetch through access, write through services."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jiefen.calendars.services import calendar_current
from jiefen.disputes import services
from jiefen.disputes.access import available_moves, dispute_for, move_of
from jiefen.disputes.forms import (
    AssignForm,
    DeclineForm,
    FilterForm,
    PartyFormSet,
    ReasonForm,
    RegisterForm,
    ResolveForm,
    RevealForm,
    SessionForm,
    VisitForm,
    pending_answer_field,
)
from jiefen.disputes.intake import (
    intake_link,
    intake_review,
    proposed_department,
    search_box_mask,
)
from jiefen.disputes.lifecycle import Action
from jiefen.disputes.models import Dispute
from jiefen.disputes.selectors import (
    dispute_list,
    dispute_page,
    filter_suggestions,
    queue_for,
)
from jiefen.lib.errors import Conflict, DisputeError, NotFound, errors_to_form
from jiefen.org.models import Body, BodyKind, Role
from jiefen.org.scope import bodies_for
from jiefen.regions.models import Level, Region, code_span


def _provisional_years(dates: list[Any]) -> list[int]:
    calendar = calendar_current()
    years = {d.year for d in dates if d is not None}
    return sorted(y for y in years if calendar.is_provisional(y))


def _get_dispute(request: HttpRequest, pk: int) -> Dispute:
    try:
        return dispute_for(request.user, pk)
    except NotFound:
        raise Http404 from None


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    groups = queue_for(request.user)
    dates = [d.due_date for rows in groups.values() for d in rows]
    return render(
        request,
        "disputes/queue.html",
        {
            "groups": groups,
            "today": timezone.localdate(),
            "provisional_years": _provisional_years(dates),
        },
    )


@login_required
def dispute_list_view(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None, actor=request.user)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    after = _int_or_none(request.GET.get("after"))
    before = _int_or_none(request.GET.get("before"))
    page = dispute_list(
        request.user,
        filters,
        after=after,
        before=before,
        sort=filters.get("sort") or "",
        count=True,
    )
    query = request.GET.copy()
    query.pop("after", None)
    query.pop("before", None)
    # The search box shows a phone or ID number masked and keeps it out of the page's links.
    masked = search_box_mask(request, form, query, page)
    return render(
        request,
        "disputes/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "chosen": sum(
                1
                for field in form.visible_fields()
                if field.name not in ("sort", "q")
                and filters.get(field.name) not in (None, "", [], False)
            ),
            "provisional_years": _provisional_years([d.due_date for d in page.rows]),
            **masked,
        },
    )


@login_required
def suggest(request: HttpRequest) -> JsonResponse:
    """Places or bodies in the reader's jurisdiction whose name contains `q`, for the list's
    filters (`field` is region or holder)."""
    results = filter_suggestions(
        request.user, request.GET.get("field", ""), request.GET.get("q", "")
    )
    return JsonResponse({"results": results})


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _registering_bodies(user: Any) -> Any:
    kinds = [BodyKind.VILLAGE_GROUP, BodyKind.TOWN_CENTRE, BodyKind.COUNTY_MEETING]
    qs = Body.objects.filter(kind__in=kinds, active=True).select_related("region")
    if not user.is_superuser:
        qs = qs.filter(
            memberships__user=user, memberships__role__in=[Role.CLERK, Role.MEDIATOR, Role.HEAD]
        ).distinct()
    return qs.order_by("region_code")


def _registering_regions(bodies: Any) -> list[Region]:
    regions: list[Region] = []
    for body in bodies[:20]:
        low, high = code_span(body.region_code, body.region.level)
        if body.region.level >= Level.TOWN:
            regions.extend(
                Region.objects.filter(
                    code__range=(low, high), level__gte=body.region.level
                ).order_by("code")
            )
        else:
            regions.append(body.region)
    return regions


@login_required
def register(request: HttpRequest) -> HttpResponse:
    bodies = _registering_bodies(request.user)
    if not bodies.exists():
        messages.error(request, _("您不是任何调处主体的登记人员，不能登记纠纷"))
        return redirect("disputes:queue")
    regions = _registering_regions(bodies)
    if request.method == "POST" and "add_party" in request.POST:
        # One more party block, keeping what was typed; nothing is validated yet.
        total = _int_or_none(request.POST.get("parties-TOTAL_FORMS")) or 0
        typed = [
            {
                key.split("-", 2)[2]: value
                for key, value in request.POST.items()
                if key.startswith(f"parties-{i}-")
            }
            for i in range(min(total, 19))
        ]
        form = RegisterForm(bodies=bodies, regions=regions, initial=request.POST.dict())
        parties = PartyFormSet(prefix="parties", initial=[*typed, {"side": "third"}])
        return render(request, "disputes/register.html", {"form": form, "parties": parties})
    form = RegisterForm(
        request.POST or None, bodies=bodies, regions=regions, initial={"body": bodies.first()}
    )
    parties = PartyFormSet(
        request.POST or None,
        prefix="parties",
        initial=[{"side": "applicant"}, {"side": "respondent"}],
    )
    if request.method == "POST" and form.is_valid() and parties.is_valid():
        data = form.cleaned_data
        # Disputes this one probably repeats or connects to (jiefen.search): shown first.
        review = intake_review(
            request, data, [services.PartyInput(**p) for p in parties.cleaned_data if p]
        )
        if isinstance(review, HttpResponse):
            return review
        if review:
            return render(
                request, "disputes/register.html", {"form": form, "parties": parties, **review}
            )
        try:
            dispute, registered = services.dispute_register_once(
                actor=request.user,
                once=data["once"],
                data=services.DisputeInput(
                    body=data["body"],
                    category=data["category"],
                    channel=data["channel"],
                    region=Region.objects.filter(code=data["region"]).first(),
                    title=data["title"],
                    description=data["description"],
                    project=data["project"],
                    people_involved=data["people_involved"],
                    amount=data["amount"],
                    risk=data["risk"],
                    complex=data["complex"],
                    cross_area=data["cross_area"],
                    parties=[services.PartyInput(**p) for p in parties.cleaned_data if p],
                ),
            )
        except DisputeError as error:
            errors_to_form(error, form, formsets={"parties": parties})
        else:
            if registered:
                messages.success(request, _("已登记，编号 %(number)s") % {"number": dispute.number})
                intake_link(request, dispute)
            else:
                messages.warning(
                    request,
                    _("这张登记表已经提交过，纠纷已登记为 %(number)s，没有重复登记")
                    % {"number": dispute.number},
                )
            return redirect("disputes:detail", pk=dispute.pk)
    return render(request, "disputes/register.html", {"form": form, "parties": parties})


ACTION_FORMS: dict[str, type] = {
    Action.ACCEPT: ReasonForm,
    Action.DECLINE: DeclineForm,
    Action.SESSION: SessionForm,
    Action.TRANSFER: ReasonForm,
    Action.RECEIVE: ReasonForm,
    Action.RETURN: ReasonForm,
    Action.ASSIGN: AssignForm,
    Action.REPORT: ReasonForm,
    Action.RESOLVE: ResolveForm,
    Action.VISIT: VisitForm,
    Action.CLOSE: ReasonForm,
    Action.REOPEN: ReasonForm,
    Action.REVIEW_REOPEN: ReasonForm,
}


def _departments_for(request: HttpRequest, dispute: Dispute) -> Any:
    low, high = code_span(dispute.holder.region_code, dispute.holder.region.level)
    return bodies_for(request.user).filter(
        kind=BodyKind.DEPARTMENT, active=True, region_code__range=(low, high)
    )


def _form_for(action: str, request: HttpRequest, dispute: Dispute, data: Any = None) -> Any:
    cls = ACTION_FORMS[action]
    # One page holds a form per move: ids that name the move keep the error summary's links
    # pointing at the right field.
    kwargs: dict[str, Any] = {"initial": {"version": dispute.version}, "auto_id": f"{action}-%s"}
    if cls is AssignForm:
        kwargs["departments"] = _departments_for(request, dispute)
    if cls is SessionForm:
        kwargs["initial"]["held_on"] = timezone.localdate()
        kwargs["initial"]["mediators"] = request.user.full_name or request.user.username  # type: ignore[union-attr]
        seating, mine = services.session_choices(request.user, dispute)
        kwargs["seating"] = seating
        if mine:  # the signed-in mediator's own record, and its name as printed
            kwargs["initial"]["seated"] = mine
            names = dict(choice for _group, choices in seating for choice in choices)
            kwargs["initial"]["mediators"] = "、".join(names[pk] for pk in mine)
    if cls is ResolveForm:
        kwargs["initial"]["signed_on"] = timezone.localdate()
        kwargs.update(dispute=dispute, actor=request.user)
    proposal = proposed_department(dispute) if cls is AssignForm else None
    if proposal is not None:
        kwargs["initial"]["department"] = proposal[0]
    form = cls(data, **kwargs)
    if proposal is not None:
        form.fields["department"].help_text = _("归口建议：%(reason)s") % {"reason": proposal[1]}
    if action in (Action.RESOLVE, Action.DECLINE) and _pending_waiting(dispute):
        form.fields["answer"] = pending_answer_field()
    return form


def _pending_waiting(dispute: Dispute) -> int:
    """The parties' requests waiting for the holder's answer: read with the dispute's page
    (portal declares it), else asked of the services."""
    from jiefen.disputes import page

    if page.has(dispute, "portal.waiting"):
        return int(page.part(dispute, "portal.waiting") or 0)
    return services.pending_waiting(dispute.pk)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, pk)


def _render_detail(
    request: HttpRequest,
    dispute: Dispute | int,
    active: Any = None,
    status: int = 200,
    revealed: dict[str, Any] | None = None,
    conflict: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The dispute page; `extra` is more context (another app's form sent back with errors).
    The dispute and everything its panels show are read here, in one query and its history in
    a second (selectors.dispute_page), fresh even when the caller had fetched it already."""
    try:
        dispute = dispute_page(
            request.user, dispute.pk if isinstance(dispute, Dispute) else dispute
        )
    except NotFound:
        raise Http404 from None
    moves = available_moves(request.user, dispute)
    if conflict is not None:
        conflict["available"] = any(m.action == conflict["move"].action for m in moves)
    forms = []
    for move in moves:
        if active is not None and active[0] == move.action:
            forms.append((move, active[1]))
        else:
            forms.append((move, _form_for(move.action, request, dispute)))
    return render(
        request,
        "disputes/detail.html",
        {
            "dispute": dispute,
            "parties": dispute.parties.all(),
            "events": dispute.events.all(),
            "sessions": dispute.sessions.all(),
            "stays": dispute.stays.all(),
            "forms": forms,
            "today": timezone.localdate(),
            "provisional_years": _provisional_years([dispute.due_date]),
            "revealed": revealed,
            "conflict": conflict,
            **(extra or {}),
        },
        status=status,
    )


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    dispute = _get_dispute(request, pk)
    move = move_of(action)
    if move is None or action not in ACTION_FORMS:
        raise Http404
    form = _form_for(action, request, dispute, request.POST)
    if not form.is_valid():
        return _render_detail(request, dispute, (action, form), status=400)
    data = form.cleaned_data
    common = {"actor": request.user, "dispute_id": dispute.pk, "version": data["version"]}
    try:
        if action == Action.SESSION:
            services.dispute_record_session(
                **common,
                session=services.SessionInput(
                    held_on=data["held_on"],
                    place=data["place"],
                    mediators=data["mediators"],
                    attendees=data["attendees"],
                    record=data["record"],
                    agreed=data["agreed"],
                    seated=data.get("seated") or [],
                ),
            )
        elif action == Action.ASSIGN:
            services.dispute_assign(
                **common, department=data["department"], days=data["days"], reason=data["reason"]
            )
        elif action == Action.RESOLVE:
            agreed = data["outcome"] == "agreement"
            for extension in form.added if agreed else []:
                extension.check()
            with transaction.atomic():
                services.dispute_resolve(
                    **common,
                    answer=data.get("answer", ""),
                    outcome=data["outcome"],
                    route=data["route"],
                    reason=data["reason"],
                    agreement=services.AgreementInput(
                        facts=data["facts"],
                        terms=data["terms"],
                        performance=data["performance"],
                        signed_on=data["signed_on"],
                    )
                    if agreed
                    else None,
                )
                for extension in form.added if agreed else []:
                    extension.save(actor=request.user)
        elif action == Action.VISIT:
            services.dispute_visit(
                **common,
                satisfaction=data["satisfaction"],
                held=data["held"],
                reason=data["reason"],
            )
        elif action == Action.DECLINE:
            services.dispute_decline(
                **common, reason=data["reason"], route=data["route"], answer=data.get("answer", "")
            )
        elif action in (
            Action.TRANSFER,
            Action.RETURN,
            Action.REPORT,
            Action.REOPEN,
            Action.REVIEW_REOPEN,
        ):
            getattr(services, f"dispute_{action}")(**common, reason=data["reason"])
        else:
            getattr(services, f"dispute_{action}")(**common)
    except Conflict as error:
        # Someone moved the dispute after this page was opened: say what changed at the top,
        # keep everything typed, and offer the same form again on the new version.
        dispute = _get_dispute(request, pk)
        retry = request.POST.copy()
        retry["version"] = str(dispute.version)
        typed = [
            (form[name].label, value)
            for name, value in form.cleaned_data.items()
            if name != "version" and isinstance(value, str) and value.strip()
        ]
        conflict = {"message": error.message, "move": move, "typed": typed}
        return _render_detail(
            request,
            dispute,
            (action, _form_for(action, request, dispute, retry)),
            status=409,
            conflict=conflict,
        )
    except DisputeError as error:
        errors_to_form(error, form)
        dispute = _get_dispute(request, pk)
        return _render_detail(request, dispute, (action, form), status=400)
    messages.success(request, _("已%(action)s") % {"action": move.label})
    return redirect("disputes:detail", pk=pk)


@never_cache
@login_required
@require_POST
def reveal(request: HttpRequest, pk: int, party: int, field: str) -> HttpResponse:
    dispute = _get_dispute(request, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("查看完整信息必须说明理由"))
        return redirect("disputes:detail", pk=pk)
    if not dispute.parties.filter(pk=party).exists():
        raise Http404
    try:
        value = services.party_reveal(
            actor=request.user, party_id=party, field=field, reason=form.cleaned_data["reason"]
        )
    except DisputeError as error:
        messages.error(request, str(error.message))
        return redirect("disputes:detail", pk=pk)
    # Shown in this response only: the value is never stored in the session or a cache.
    return _render_detail(
        request, dispute, revealed={"party": party, "field": field, "value": value}
    )
