"""Supervision pages and the forms of the dispute page's supervision section. Thin: fetch
through access and selectors, write through services, report refusals as messages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from jiefen.disputes.access import dispute_for
from jiefen.lib.errors import DisputeError, NotFound
from jiefen.supervision import access, selectors, services, sms_receipts
from jiefen.supervision.forms import (
    AnswerForm,
    CampaignForm,
    DecisionForm,
    ExtensionForm,
    ItemForm,
    LeaderForm,
    NoteForm,
    OrderForm,
    SignOffForm,
    UrgeForm,
)
from jiefen.supervision.models import Campaign, CampaignItem
from jiefen.supervision.notifications import notifications_read, notifications_settle_for


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _refused(request: HttpRequest, error: DisputeError) -> None:
    problems = [str(p) for values in error.fields.values() for p in values]
    text = str(error.message)
    if problems and problems != [text]:
        text = f"{text}：{'；'.join(problems)}"
    messages.error(request, text)


def _form_problems(request: HttpRequest, form: Any) -> None:
    problems = [
        f"{form.fields[name].label}：{'；'.join(errors)}"
        for name, errors in form.errors.items()
        if name in form.fields
    ]
    messages.error(request, _("填写有误：%(problems)s") % {"problems": "；".join(problems)})


def _back(pk: int) -> HttpResponse:
    return redirect("disputes:detail", pk=pk)


def _dispute_or_404(request: HttpRequest, pk: int) -> Any:
    try:
        return dispute_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _act(
    request: HttpRequest, pk: int, form_class: type, write: Any, done: str, name: str = ""
) -> HttpResponse:
    """Validate the form and call the service, then go back to the dispute page with a
    message. A form the person must correct comes back on the dispute page itself (400), its
    problems in the page's error summary, linked to its fields, with what they typed."""
    dispute = _dispute_or_404(request, pk)
    form = form_class(request.POST, auto_id=f"sv-{name}-%s" if name else "id_%s")
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except DisputeError as error:
            if not name or not _attach(form, error):
                _refused(request, error)
                return _back(pk)
        else:
            messages.success(request, done)
            return _back(pk)
    elif not name:
        _form_problems(request, form)
        return _back(pk)
    from jiefen.disputes.views import _render_detail

    return _render_detail(
        request, dispute, status=400, extra={"supervision_bound": {"name": name, "form": form}}
    )


def _attach(form: Any, error: DisputeError) -> bool:
    """Put a refusal's problems on the form's fields (or on the form); True when placed."""
    placed = False
    for field, problems in (error.fields or {}).items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
            placed = True
    if not placed:
        form.add_error(None, str(error.message))
    return True


# ---------------------------------------------------------------------------------------------
# The dispute page's section


@login_required
@require_POST
def order_issue(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        OrderForm,
        lambda data: services.order_issue(
            actor=request.user,
            dispute_id=pk,
            requirement=data["requirement"],
            days=data["days"],
            to_body=data["to_body"],
        ),
        _("已下达督办"),
        name="order",
    )


@login_required
@require_POST
def order_answer(request: HttpRequest, pk: int, order: int) -> HttpResponse:
    return _act(
        request,
        pk,
        AnswerForm,
        lambda data: services.order_answer(
            actor=request.user, order_id=order, report=data["report"]
        ),
        _("已答复督办"),
        name=f"answer{order}",
    )


@login_required
@require_POST
def urge(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        UrgeForm,
        lambda data: services.dispute_urge(actor=request.user, dispute_id=pk, note=data["note"]),
        _("已催办"),
        name="urge",
    )


@login_required
@require_POST
def leader_assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        LeaderForm,
        lambda data: services.ownership_assign(
            actor=request.user,
            dispute_id=pk,
            leader=data["leader"],
            plan=data["plan"],
            target_date=data["target_date"],
        ),
        _("已明确包案领导"),
        name="leader",
    )


def _ownership_dispute(request: HttpRequest, ownership: int) -> int:
    """The dispute of the ownership, if the user may see it; 404 otherwise, as for none."""
    from jiefen.supervision.access import ownership_for

    try:
        return ownership_for(request.user, ownership).dispute_id
    except NotFound:
        raise Http404 from None


@login_required
@require_POST
def ownership_note(request: HttpRequest, ownership: int) -> HttpResponse:
    pk = _ownership_dispute(request, ownership)
    return _act(
        request,
        pk,
        NoteForm,
        lambda data: services.ownership_note(
            actor=request.user, ownership_id=ownership, text=data["text"]
        ),
        _("已记录进展"),
        name="note",
    )


@login_required
@require_POST
def ownership_extend(request: HttpRequest, ownership: int) -> HttpResponse:
    pk = _ownership_dispute(request, ownership)
    return _act(
        request,
        pk,
        ExtensionForm,
        lambda data: services.ownership_extend_request(
            actor=request.user,
            ownership_id=ownership,
            new_date=data["new_date"],
            reason=data["reason"],
        ),
        _("已提交延期申请"),
        name="extend",
    )


@login_required
@require_POST
def extension_decide(request: HttpRequest, extension: int) -> HttpResponse:
    from jiefen.supervision.access import extension_for

    try:
        dispute_id = extension_for(request.user, extension).ownership.dispute_id
    except NotFound:
        raise Http404 from None
    return _act(
        request,
        dispute_id,
        DecisionForm,
        lambda data: services.ownership_extend_approve(
            actor=request.user,
            extension_id=extension,
            approve=data["approve"],
            note=data["note"],
        ),
        _("已审批延期申请"),
        name="decide",
    )


@login_required
@require_POST
def ownership_sign_off(request: HttpRequest, ownership: int) -> HttpResponse:
    pk = _ownership_dispute(request, ownership)
    return _act(
        request,
        pk,
        SignOffForm,
        lambda data: services.ownership_sign_off(
            actor=request.user, ownership_id=ownership, note=data["note"]
        ),
        _("已销号"),
        name="signoff",
    )


# ---------------------------------------------------------------------------------------------
# Pages


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    unread = request.GET.get("unread") == "1"
    notifications_settle_for(user=request.user)
    rows, more = selectors.notifications_for(
        request.user, before=_int(request.GET.get("before")), unread=unread
    )
    return render(
        request,
        "supervision/notifications.html",
        {"rows": rows, "more": more, "unread": unread},
    )


@login_required
@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    if request.POST.get("all") == "1":
        notifications_read(user=request.user)
    else:
        ids = [i for i in (_int(v) for v in request.POST.getlist("id")) if i is not None]
        notifications_read(user=request.user, ids=ids)
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("supervision:notifications")


@login_required
def orders(request: HttpRequest) -> HttpResponse:
    after = None
    raw = request.GET.get("after", "")
    if ":" in raw:
        day, _sep, pk = raw.partition(":")
        try:
            after = (date.fromisoformat(day), int(pk))
        except ValueError:
            after = None
    rows, following = selectors.orders_open_for(request.user, after=after)
    today = timezone.localdate()
    return render(
        request,
        "supervision/orders.html",
        {
            "rows": [{"order": o, "overdue": o.due_date < today} for o in rows],
            "following": f"{following[0].isoformat()}:{following[1]}" if following else "",
            "today": today,
        },
    )


@login_required
def leader(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "supervision/leader.html",
        {
            "owned": selectors.owned_by(request.user),
            "to_decide": selectors.extensions_to_decide(request.user),
        },
    )


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    regions = selectors.campaign_regions(request.user)
    today = timezone.localdate()
    form = CampaignForm(
        request.POST or None,
        regions=regions,
        initial={"year": today.year, "quarter": (today.month - 1) // 3 + 1},
    )
    if request.method == "POST":
        if not regions:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = services.campaign_create(actor=request.user, **data)
            except DisputeError as error:
                _attach(form, error)
            else:
                messages.success(
                    request,
                    _("已创建集中清理，纳入 %(n)d 件纠纷") % {"n": campaign.items.count()},
                )
                return redirect("supervision:campaign", pk=campaign.pk)
    return render(
        request,
        "supervision/campaigns.html",
        {
            "campaigns": access.campaigns_for(request.user)[:100],
            "form": form if regions else None,
        },
        # A form sent back to be corrected: its problems in the page's error summary.
        status=400 if form.is_bound and form.errors else 200,
    )


def campaign_rules(campaign: Campaign) -> list[str]:
    """The campaign's selection rules as words, each a whole sentence with its plural."""
    rules = []
    if campaign.open_days:
        n = campaign.open_days
        rules.append(ngettext("在办超过 %(n)d 天", "在办超过 %(n)d 天", n) % {"n": n})
    if campaign.min_transfers:
        n = campaign.min_transfers
        rules.append(ngettext("移送 %(n)d 次以上", "移送 %(n)d 次以上", n) % {"n": n})
    if campaign.reopened:
        rules.append(str(_("曾重启")))
    return rules


def _campaign_or_404(request: HttpRequest, pk: int) -> Campaign:
    try:
        return access.campaign_for(request.user, pk)
    except Campaign.DoesNotExist:
        raise Http404 from None


@login_required
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    found = _campaign_or_404(request, pk)
    items, following = selectors.campaign_items(found, after=_int(request.GET.get("after")))
    return render(
        request,
        "supervision/campaign.html",
        {
            "campaign": found,
            "rules": campaign_rules(found),
            "result": found.result if found.closed_at else selectors.campaign_result(found),
            "items": items,
            "following": following,
        },
    )


@login_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    found = _campaign_or_404(request, pk)
    try:
        services.campaign_close(actor=request.user, campaign_id=found.pk)
    except DisputeError as error:
        _refused(request, error)
    else:
        messages.success(request, _("集中清理已结束，结果已存档"))
    return redirect("supervision:campaign", pk=pk)


@login_required
def campaign_item(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    try:
        found, row = access.campaign_item_for(request.user, pk, item)
    except (Campaign.DoesNotExist, CampaignItem.DoesNotExist):
        raise Http404 from None

    owners = _staff_over(row.dispute)
    leaders = list(access.leaders_for(row.dispute)[:100])
    form = ItemForm(
        request.POST if request.method == "POST" else None,
        owners=owners,
        leaders=leaders,
        initial={"owner": row.owner_id, "leader": row.leader_id},
    )
    if form.is_bound and form.is_valid():
        try:
            services.campaign_item_assign(
                actor=request.user,
                item_id=row.pk,
                owner=form.cleaned_data["owner"],
                leader=form.cleaned_data["leader"],
            )
        except DisputeError as error:
            _attach(form, error)
        else:
            messages.success(request, _("已调整责任人"))
            return redirect("supervision:campaign", pk=pk)
    return render(
        request,
        "supervision/campaign_item.html",
        {"campaign": found, "item": row, "form": form},
        # Sent back to be corrected: the problems in the page's error summary, choices kept.
        status=400 if form.is_bound else 200,
    )


def _staff_over(dispute: Any) -> list[Any]:
    from jiefen.accounts.models import User
    from jiefen.supervision.access import STAFF, bodies_covering

    return list(
        User.objects.filter(
            is_active=True,
            memberships__role__in=list(STAFF),
            memberships__body__in=bodies_covering(dispute).values("pk"),
        )
        .distinct()
        .order_by("full_name", "username")[:100]
    )


@csrf_exempt
@require_POST
def sms_receipt(request: HttpRequest, provider: str, token: str) -> HttpResponse:
    """A provider's delivery reports (sms_receipts.py): no session, the address's token."""
    if provider not in sms_receipts.PROVIDERS or not sms_receipts.token_valid(token):
        raise Http404
    reports = sms_receipts.reports_read(provider, request.body)
    sms_receipts.reports_apply(provider, reports)
    return JsonResponse(sms_receipts.ANSWERS[provider], json_dumps_params={"ensure_ascii": False})
