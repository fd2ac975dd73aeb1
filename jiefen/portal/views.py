"""The parties' portal at /public/ (no sign-in) and the staff's answer to a party's request.

Thin views: the guard (challenge, rate limits, the followed-dispute cookie) and the forms check
input; jiefen.disputes.public and portal.services write; portal.selectors decide what a party
sees.
"""

from __future__ import annotations

import hmac
import math
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST

from jiefen.disputes.models import Dispute
from jiefen.disputes.public import PublicFiling, dispute_by_query, dispute_file, receiving_body
from jiefen.disputes.reads import dispute_find, dispute_get
from jiefen.disputes.services import PartyInput
from jiefen.lib.errors import DisputeError, NotFound
from jiefen.lib.errors import errors_to_form as _attach
from jiefen.mediators.requests import mediator_request_make
from jiefen.portal import access, guard, selectors, services
from jiefen.portal.forms import (
    AnswerForm,
    EscalateForm,
    FileForm,
    FollowForm,
    RateForm,
    ReviewAnswerForm,
    ReviewForm,
)
from jiefen.portal.models import EscalationRequest, Rating
from jiefen.regions.models import Level, Region

# Where the services' field names land on the filing form.
FILING_FIELDS = {
    "category": "category",
    "region": "village",
    "title": "title",
    "description": "description",
    "parties.0.name": "contact_name",
    "parties.0.phone": "contact_phone",
    "parties.1.name": "other_name",
}


# --- filing -------------------------------------------------------------------------------------


def _render_file(
    request: HttpRequest, form: FileForm, status: int = 200, limited: str = ""
) -> HttpResponse:
    county = form["county"].value() or ""
    town = form["town"].value() or ""
    towns = selectors.children(county, Level.TOWN) if county else []
    if town and not any(str(code) == str(town) for code, _name in towns):
        town = ""
    villages = selectors.children(town, Level.VILLAGE) if town else []
    return render(
        request,
        "portal/file.html",
        {
            "form": form,
            "counties": selectors.counties(),
            "towns": towns,
            "villages": villages,
            "chosen": {
                "county": str(county),
                "town": str(town),
                "village": str(form["village"].value() or ""),
            },
            "challenge": guard.challenge_new(),
            "limited": limited,
        },
        status=status,
    )


def _limit_message(limit: guard.FilingLimit, form: FileForm) -> str:
    """When the party may file online again, and where to go meanwhile: the village's
    mediation committee and the town's centre of the place chosen, or 12345."""
    until = timezone.localtime() + timedelta(seconds=limit.seconds)
    values = {
        "count": limit.rate.split("/")[0],
        "time": f"{until:%H:%M}",
        "minutes": math.ceil(limit.seconds / 60),
    }
    if limit.browser:
        first = _(
            "本浏览器一小时内已在网上提交 %(count)s 件纠纷，"
            "请于 %(time)s 后（约 %(minutes)s 分钟）再提交。"
        )
    else:
        first = _(
            "本网络地址一小时内网上提交的纠纷已达 %(count)s 件的上限，"
            "请于 %(time)s 后（约 %(minutes)s 分钟）再提交。"
        )
    code = _code_or_none(form["village"].value())
    village = (
        Region.objects.filter(code=code, level=Level.VILLAGE).first() if code is not None else None
    )
    bodies = []
    if village is not None:
        for region in (village, village.parent):
            body = receiving_body(region) if region is not None else None
            if body is not None:
                bodies.append(body.name)
    if bodies:
        where = _("也可以直接到%(bodies)s当面反映，或拨打 12345 政务服务便民热线。") % {
            "bodies": _("或").join(bodies)
        }
    else:
        where = _(
            "也可以直接到所在村（社区）调解委员会或乡镇（街道）矛盾纠纷调处化解中心当面反映，"
            "或拨打 12345 政务服务便民热线。"
        )
    return "".join(
        [first % values, where, _("已提交的纠纷，随时可以用编号和查询码查看进度、评价或申请上移。")]
    )


def _code_or_none(value: Any) -> int | None:
    return int(value) if str(value or "").isdigit() else None


@never_cache
def file(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_file(request, FileForm())
    if "step" in request.POST:
        # Without JavaScript: a county or town was chosen, show the next list, keep the text.
        return _render_file(request, FileForm(initial=request.POST.dict()))
    form = FileForm(request.POST)
    nonce = guard.challenge_nonce(request.POST.get("challenge", ""))
    earlier = guard.filed_with(nonce)
    if earlier is not None:
        return _render_filed(request, earlier, nonce, again=True)
    limit = guard.filing_used_up(request)
    if limit is not None:
        # Not an error of the form (nothing in it is wrong): said above it, the text kept.
        return _render_file(request, form, status=429, limited=_limit_message(limit, form))
    if not form.is_valid():
        return _render_file(request, form, status=400)
    data = form.cleaned_data
    again = guard.filed_earlier(request, data)
    if again is not None:
        # Back to a form the browser fetched anew, and the same filing sent again.
        return _render_filed(request, *again, again=True)
    try:
        guard.challenge_check(data["challenge"], data["answer"])
    except guard.ChallengeFailed as failed:
        # The same form sent twice at once: the first submission spent the challenge and
        # is filing; show its result rather than an error.
        earlier = guard.filed_with(nonce, wait=guard.FILED_WAIT)
        if earlier is not None:
            return _render_filed(request, earlier, nonce, again=True)
        form.add_error(
            "answer",
            _("验证题已过期，请回答新的题目")
            if failed.expired
            else _("验证题答案不正确，请回答新的题目"),
        )
        return _render_file(request, form, status=400)
    assert nonce is not None  # a challenge that passed has one
    description = data["description"].strip()
    if data["occurred_on"]:
        # Kept in the record's language, whatever the party's screen is set to.
        description = f"发生日期：{data['occurred_on']:%Y-%m-%d}\n{description}"
    try:
        dispute, code = dispute_file(
            data=PublicFiling(
                region=data["region"],
                category=data["category"],
                title=data["title"],
                description=description,
                parties=[
                    PartyInput(
                        side="applicant", name=data["contact_name"], phone=data["contact_phone"]
                    ),
                    PartyInput(side="respondent", name=data["other_name"]),
                ],
            ),
            code=guard.filing_code(nonce),
        )
    except DisputeError as error:
        _attach(error, form, FILING_FIELDS)
        return _render_file(request, form, status=400)
    guard.filing_counted(request)
    guard.filed_remember(nonce, dispute.pk)
    # The code is shown in this response (and to this same form sent again) only: it is
    # stored nowhere, not even in the session.
    response = render(
        request,
        "portal/filed.html",
        {"number": dispute.number, "code": code, "holder": dispute.holder.name},
    )
    guard.filed_cookie_set(response, nonce, data)
    return response


def _render_filed(
    request: HttpRequest, dispute_id: int, nonce: str | None, again: bool
) -> HttpResponse:
    dispute = dispute_get(dispute_id, related=["holder"])
    return render(
        request,
        "portal/filed.html",
        {
            "number": dispute.number,
            "code": guard.filing_code(nonce or ""),
            "holder": dispute.holder.name,
            "again": again,
        },
    )


@require_GET
@cache_control(max_age=3600, public=True)
def regions(request: HttpRequest, code: int) -> HttpResponse:
    """The towns of a county or the villages of a town, for portal.js."""
    region = Region.objects.filter(code=code, level__in=(Level.COUNTY, Level.TOWN)).first()
    if region is None:
        return JsonResponse({"error": _("所选地点不存在，请重新选择")}, status=404)
    rows = selectors.children(region.code, region.level + 1)
    return JsonResponse(
        {
            "code": str(region.code),
            "name": region.name,
            "children": [{"code": str(c), "name": n} for c, n in rows],
        }
    )


# --- following ----------------------------------------------------------------------------------


def _followed(request: HttpRequest) -> Dispute | None:
    remembered = guard.followed(request)
    if remembered is None:
        return None
    pk, digest = remembered
    dispute = dispute_find(pk, related=["holder", "transfer_to", "category", "region"])
    if dispute is None or not dispute.query_digest:
        return None
    if not hmac.compare_digest(dispute.query_digest[:16], digest):
        return None
    return dispute


def _render_dispute(
    request: HttpRequest,
    dispute: Dispute,
    *,
    escalate: EscalateForm | None = None,
    rate: RateForm | None = None,
    review: ReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rating = Rating.objects.filter(dispute=dispute).first()
    ratable = dispute.status in services.RATABLE and rating is None
    reviewable = services.review_open_for(dispute)
    return render(
        request,
        "portal/dispute.html",
        {
            "dispute": dispute,
            "parties": selectors.public_parties(dispute),
            "events": selectors.public_timeline(dispute),
            "requests": selectors.public_requests(dispute),
            "reviews": selectors.public_reviews(dispute),
            "no": selectors.public_no(dispute),
            "review": review or (ReviewForm() if reviewable else None),
            "review_kind": reviewable[0] if reviewable else None,
            "reviewer": selectors.reviewer_name(dispute) if reviewable or review else "",
            # A form sent back with its errors is shown even when the state no longer offers it.
            "escalate": escalate or (EscalateForm() if dispute.is_open else None),
            "rate": rate or (RateForm() if ratable else None),
            "rating": rating,
        },
        status=status,
    )


@never_cache
def follow(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = FollowForm(request.POST)
        status = 400
        if form.is_valid():
            number = form.cleaned_data["number"].strip()
            if guard.follow_used_up(request, number):
                # The same answer whether the number exists or not.
                form.add_error(None, _("查询失败次数过多，请 10 分钟后再试"))
                status = 429
            else:
                dispute = dispute_by_query(number=number, code=form.cleaned_data["code"])
                if dispute is not None:
                    response = redirect("portal:follow")
                    guard.follow_remember(response, dispute)
                    return response
                guard.follow_failed(request, number)
                form.add_error(None, _("编号或查询码不正确，请核对后重新输入"))
        return render(request, "portal/follow.html", {"form": form}, status=status)
    dispute = _followed(request)
    if dispute is None:
        return render(request, "portal/follow.html", {"form": FollowForm()})
    return _render_dispute(request, dispute)


def _followed_or_ask(request: HttpRequest) -> Dispute | None:
    dispute = _followed(request)
    if dispute is None:
        messages.error(request, _("查询已超时，请重新输入编号和查询码"))
    return dispute


@never_cache
@require_POST
def escalate(request: HttpRequest) -> HttpResponse:
    dispute = _followed_or_ask(request)
    if dispute is None:
        return redirect("portal:follow")
    form = EscalateForm(request.POST)
    if form.is_valid():
        try:
            escalation = services.escalation_request(
                dispute=dispute, reason=form.cleaned_data["reason"]
            )
        except DisputeError as error:
            _attach(error, form)
        else:
            if escalation.due_date:
                messages.success(
                    request,
                    _("已提交上移申请，%(body)s 须在 %(due)s 前答复")
                    % {"body": dispute.holder.name, "due": f"{escalation.due_date:%Y-%m-%d}"},
                )
            else:
                messages.success(request, _("已提交上移申请"))
            return redirect("portal:follow")
    return _render_dispute(request, dispute, escalate=form, status=400)


@never_cache
@require_POST
def review(request: HttpRequest) -> HttpResponse:
    dispute = _followed_or_ask(request)
    if dispute is None:
        return redirect("portal:follow")
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            asked = services.review_request(dispute=dispute, reason=form.cleaned_data["reason"])
        except DisputeError as error:
            _attach(error, form)
        else:
            messages.success(
                request,
                _("已提交复核申请，%(body)s 须在 %(due)s 前答复；逾期未答复的将自动处理")
                % {"body": asked.reviewer.name, "due": f"{asked.due_date:%Y-%m-%d}"},
            )
            return redirect("portal:follow")
    return _render_dispute(request, dispute, review=form, status=400)


@never_cache
@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    dispute = _followed_or_ask(request)
    if dispute is None:
        return redirect("portal:follow")
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.dispute_rate(
                dispute=dispute,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except DisputeError as error:
            _attach(error, form)
        else:
            messages.success(request, _("感谢您的评价"))
            return redirect("portal:follow")
    return _render_dispute(request, dispute, rate=form, status=400)


@require_POST
def forget(request: HttpRequest) -> HttpResponse:
    """End the follow on this browser (a shared phone, an internet café)."""
    response = redirect("portal:follow")
    guard.follow_forget(response)
    return response


# --- staff --------------------------------------------------------------------------------------


def _request_for(request: HttpRequest, pk: int) -> tuple[EscalationRequest, Dispute]:
    """The escalation request `pk` if its dispute is in the user's jurisdiction; 404 otherwise,
    the same answer as for a request that does not exist."""
    try:
        escalation = access.escalation_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    return escalation, escalation.dispute


@login_required
def staff_answer(request: HttpRequest, pk: int) -> HttpResponse:
    escalation, dispute = _request_for(request, pk)
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.escalation_answer(
                    actor=request.user,
                    request_id=escalation.pk,
                    answer=form.cleaned_data["answer"],
                    transfer=form.cleaned_data["transfer"],
                )
            except DisputeError as error:
                _attach(error, form)
                status = 409 if error.code == "conflict" else 400
            else:
                messages.success(request, _("已答复上移申请"))
                return redirect("disputes:detail", pk=dispute.pk)
    return render(
        request,
        "portal/staff_answer.html",
        {
            "dispute": dispute,
            "requests": EscalationRequest.objects.filter(dispute=dispute)
            .select_related("answered_by")
            .order_by("-id"),
            "form": form,
            "may_answer": services.may_answer(request.user, dispute),
        },
        status=status,
    )


@login_required
@require_POST
def staff_review_answer(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        dispute = access.review_for(request.user, pk).dispute
    except NotFound:
        raise Http404 from None
    form = ReviewAnswerForm(request.POST, prefix=f"review{pk}")
    if form.is_valid():
        try:
            services.review_answer(
                actor=request.user,
                request_id=pk,
                answer=form.cleaned_data["answer"],
                uphold=form.cleaned_data["decision"] == "uphold",
            )
        except DisputeError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("已答复复核申请"))
    else:
        messages.error(request, _("请填写复核答复并选择复核结果"))
    return redirect("disputes:detail", pk=dispute.pk)


@never_cache
@require_POST
def mediator_request(request: HttpRequest) -> HttpResponse:
    """The party asks for a particular mediator of the body, or for a change (jiefen.mediators)."""
    dispute = _followed_or_ask(request)
    if dispute is None:
        return redirect("portal:follow")
    mediator = request.POST.get("mediator") or None
    try:
        asked = mediator_request_make(
            dispute=dispute,
            kind="change" if mediator else "choose",
            mediator_pk=mediator,
            wanted_pk=request.POST.get("wanted") or None,
            reason=request.POST.get("reason", ""),
        )
    except DisputeError as error:
        messages.error(request, str(error.message))
        return redirect(f"{reverse('portal:follow')}#mediators")
    messages.success(
        request,
        _("已提交申请，%(body)s 须在 %(due)s 前答复")
        % {"body": dispute.holder.name, "due": f"{asked.due_date:%Y-%m-%d}"},
    )
    return redirect("portal:follow")
