"""The parties' portal at /public/ (no sign-in) and the staff's answer to a party's request.

Thin views: the guard (challenge, rate limits, the followed-dispute cookie) and the forms check
input; jiefen.disputes.public and portal.services write; portal.selectors decide what a party
sees.
"""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST

from jiefen.disputes.models import Dispute, Party
from jiefen.disputes.public import PublicFiling, dispute_by_query, dispute_file, receiving_body
from jiefen.disputes.reads import dispute_find, dispute_get
from jiefen.disputes.services import PartyInput
from jiefen.lib.errors import DisputeError, Invalid, NotFound
from jiefen.lib.errors import errors_to_form as _attach
from jiefen.lib.personal import mask_phone
from jiefen.lib.sealed import digest
from jiefen.mediators.requests import mediator_request_make
from jiefen.portal import access, codes, guard, identity, selectors, services, ways_in
from jiefen.portal.forms import (
    AnswerForm,
    CodeForm,
    EscalateForm,
    FileForm,
    FollowForm,
    RateForm,
    ReviewAnswerForm,
    ReviewForm,
    SmsStartForm,
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
    me = identity.current_party(request, dispute)
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
            "me": me,
            "me_phone": mask_phone(me.phone or "") if me is not None else "",
            "provable": bool(identity.verified_parties(dispute)) if me is None else False,
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
        return render(
            request, "portal/follow.html", {"form": form, "sms": SmsStartForm()}, status=status
        )
    dispute = _followed(request)
    if dispute is None:
        return render(request, "portal/follow.html", {"form": FollowForm(), "sms": SmsStartForm()})
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
    identity.party_forget(response)
    return response


# --- the ways in by SMS -------------------------------------------------------------------------
#
# Two public doors take a dispute's number and a phone: signing in (sms_sign_in) and recovering
# a lost query code (recover). Both answer the same whether the number and phone match a party
# with a verified phone or not (codes.code_decoy), and carry what was typed to the code's page
# in a signed token, never in the page's text. The code typed back is checked in the browser
# that asked for it (guard.browser_key), counted like a guessed query code.

SMS_SALT = "jiefen.portal.sms"
SMS_TEXTS = {
    codes.SIGN_IN: lambda: _(
        "您正在用短信验证码查看纠纷办理情况，验证码{code}，%(minutes)s 分钟内有效，请勿告诉他人。"
    ),
    codes.RECOVER: lambda: _(
        "您正在找回纠纷查询码，验证码{code}，%(minutes)s 分钟内有效，请勿告诉他人。"
    ),
}


def _sms_text(purpose: str) -> str:
    return SMS_TEXTS[purpose]() % {"minutes": codes.CODE_TTL // 60}


def _render_sms_start(
    request: HttpRequest, purpose: str, form: SmsStartForm, status: int = 200
) -> HttpResponse:
    if purpose == codes.SIGN_IN:
        return render(
            request,
            "portal/follow.html",
            {"form": FollowForm(), "sms": form, "sms_open": form.is_bound},
            status=status,
        )
    return render(request, "portal/recover.html", {"form": form}, status=status)


def _render_code(
    request: HttpRequest,
    *,
    form: CodeForm,
    purpose: str,
    masked: str,
    action: str,
    party: Any = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "portal/sms_code.html",
        {
            "form": form,
            "purpose": purpose,
            "masked": masked,
            "minutes": codes.CODE_TTL // 60,
            "action": action,
            "party": party,
            "again": reverse("portal:recover" if purpose == codes.RECOVER else "portal:follow")
            + ("" if purpose == codes.RECOVER else "#sms"),
        },
        status=status,
    )


def _sms_start(request: HttpRequest, purpose: str) -> HttpResponse:
    if request.method != "POST":
        return _render_sms_start(request, purpose, SmsStartForm())
    form = SmsStartForm(request.POST)
    if not form.is_valid():
        return _render_sms_start(request, purpose, form, status=400)
    number, phone = form.cleaned_data["number"].strip(), form.cleaned_data["phone"]
    if guard.sms_send_used_up(request):
        form.add_error(None, _("本浏览器或网络地址获取验证码过于频繁，请 1 小时后再试"))
        return _render_sms_start(request, purpose, form, status=429)
    holder = guard.browser_key(request)
    party = identity.party_for_number(number, digest(phone))
    try:
        if party is not None:
            codes.code_send(party=party, purpose=purpose, text=_sms_text(purpose), holder=holder)
        else:
            codes.code_decoy(
                phone=phone, subject=f"{number}|{digest(phone)}", purpose=purpose, holder=holder
            )
    except DisputeError as error:
        form.add_error(None, str(error.message))
        return _render_sms_start(request, purpose, form, status=429)
    token = signing.dumps(
        {"n": number, "p": digest(phone), "m": mask_phone(phone), "u": purpose}, salt=SMS_SALT
    )
    return _render_code(
        request,
        form=CodeForm(initial={"token": token}),
        purpose=purpose,
        masked=mask_phone(phone),
        action=reverse("portal:sms_code"),
    )


@never_cache
def sms_sign_in(request: HttpRequest) -> HttpResponse:
    """用短信验证码进入: a dispute's number and a verified phone, then the code sent to it."""
    if request.method != "POST":
        return redirect(f"{reverse('portal:follow')}#sms")
    return _sms_start(request, codes.SIGN_IN)


@never_cache
def recover(request: HttpRequest) -> HttpResponse:
    """找回查询码: a dispute's number and a verified phone, then a new query code."""
    return _sms_start(request, codes.RECOVER)


def _token(raw: str) -> dict[str, str] | None:
    try:
        value = signing.loads(raw or "", salt=SMS_SALT, max_age=codes.CODE_TTL)
    except signing.BadSignature:
        return None
    keys = {"n", "p", "m", "u"}
    if not isinstance(value, dict) or not keys <= value.keys() or value["u"] not in SMS_TEXTS:
        return None
    return {key: str(value[key]) for key in keys}


@never_cache
@require_POST
def sms_code(request: HttpRequest) -> HttpResponse:
    """The code sent by sms_sign_in or recover, typed back."""
    token = _token(request.POST.get("token", ""))
    if token is None:
        messages.error(request, _("验证码已失效，请重新获取"))
        return redirect(f"{reverse('portal:follow')}#sms")
    purpose, number = token["u"], token["n"]
    form = CodeForm(request.POST)

    def again(status: int) -> HttpResponse:
        return _render_code(
            request,
            form=form,
            purpose=purpose,
            masked=token["m"],
            action=reverse("portal:sms_code"),
            status=status,
        )

    if not form.is_valid():
        return again(400)
    if guard.guess_used_up(request, number, browser=True):
        form.add_error(None, _("验证失败次数过多，请 10 分钟后再试"))
        return again(429)
    holder = guard.browser_key(request)
    party = identity.party_for_number(number, token["p"])
    try:
        if party is None:
            codes.decoy_check(
                subject=f"{number}|{token['p']}",
                purpose=purpose,
                holder=holder,
                code=form.cleaned_data["code"],
            )
        else:
            codes.code_check(
                party=party, purpose=purpose, code=form.cleaned_data["code"], holder=holder
            )
    except Invalid as error:
        guard.guess_failed(request, number, browser=True)
        _attach(error, form)
        return again(400)
    dispute = party.dispute
    if purpose == codes.RECOVER:
        code = ways_in.query_code_recover(dispute=dispute, party=party)
        response = render(
            request,
            "portal/recovered.html",
            {"number": dispute.number, "code": code, "party": party, "holder": dispute.holder},
        )
    else:
        messages.success(
            request,
            _("您已验证为：%(name)s（%(side)s）")
            % {"name": party.name, "side": party.get_side_display()},
        )
        response = redirect("portal:follow")
    guard.follow_remember(response, dispute)
    identity.party_remember(response, party)
    return response


@dataclass(frozen=True)
class Choice:
    party: Party
    masked: str


@never_cache
def party_sign_in(request: HttpRequest) -> HttpResponse:
    """Someone following a dispute with its number and query code proves which party they are
    by a code sent to that party's verified phone."""
    dispute = _followed_or_ask(request)
    if dispute is None:
        return redirect("portal:follow")
    parties = identity.verified_parties(dispute)
    choices = [Choice(party=p, masked=mask_phone(p.phone or "")) for p in parties]
    me = identity.current_party(request, dispute)
    if request.method != "POST":
        return render(
            request,
            "portal/party_sign_in.html",
            {"dispute": dispute, "choices": choices, "me": me},
        )
    chosen = next((c for c in choices if str(c.party.pk) == request.POST.get("party")), None)
    if chosen is None:
        messages.error(request, _("请选择登记并经核实了手机号码的当事人"))
        return redirect("portal:party_sign_in")
    party = chosen.party
    holder = guard.browser_key(request)
    action = reverse("portal:party_sign_in")
    if "code" not in request.POST:
        if guard.sms_send_used_up(request):
            messages.error(request, _("本浏览器或网络地址获取验证码过于频繁，请 1 小时后再试"))
            return redirect("portal:party_sign_in")
        try:
            codes.code_send(
                party=party, purpose=codes.SIGN_IN, text=_sms_text(codes.SIGN_IN), holder=holder
            )
        except DisputeError as error:
            messages.error(request, str(error.message))
            return redirect("portal:party_sign_in")
        return _render_code(
            request,
            form=CodeForm(),
            purpose=codes.SIGN_IN,
            masked=chosen.masked,
            action=action,
            party=party,
        )
    form = CodeForm(request.POST)

    def again(status: int) -> HttpResponse:
        return _render_code(
            request,
            form=form,
            purpose=codes.SIGN_IN,
            masked=chosen.masked,
            action=action,
            party=party,
            status=status,
        )

    if not form.is_valid():
        return again(400)
    if guard.guess_used_up(request, dispute.number, browser=True):
        form.add_error(None, _("验证失败次数过多，请 10 分钟后再试"))
        return again(429)
    try:
        codes.code_check(
            party=party, purpose=codes.SIGN_IN, code=form.cleaned_data["code"], holder=holder
        )
    except Invalid as error:
        guard.guess_failed(request, dispute.number, browser=True)
        _attach(error, form)
        return again(400)
    messages.success(
        request,
        _("您已验证为：%(name)s（%(side)s）")
        % {"name": party.name, "side": party.get_side_display()},
    )
    response = redirect("portal:follow")
    identity.party_remember(response, party)
    return response


@require_POST
def party_forget(request: HttpRequest) -> HttpResponse:
    """Forget which party this browser proved to be; the dispute stays open to it."""
    response = redirect("portal:follow")
    identity.party_forget(response)
    return response


# --- staff --------------------------------------------------------------------------------------


@login_required
@require_POST
def staff_phone_check(request: HttpRequest, pk: int, party: int) -> HttpResponse:
    """已核实手机号码: staff of the holding body verified the party's phone on file."""
    seen = request.POST.get("seen", "")
    try:
        check = ways_in.phone_check(actor=request.user, dispute_id=pk, party_id=party, seen=seen)
    except NotFound:
        raise Http404 from None
    except DisputeError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已核实 %(name)s 的手机号码") % {"name": check.party.name})
    return redirect(f"{reverse('disputes:detail', kwargs={'pk': pk})}#phone-checks")


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
