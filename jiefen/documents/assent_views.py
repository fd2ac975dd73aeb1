"""Pages of the agreement's confirmation: the party's at /public/agreement/ (the text, the
code, the answer, their own signature), and the staff's record of a paper one.

Which party is asking comes from the portal (jiefen.portal.identity.current_party: a browser
that proved a phone on file with a one-time code); which dispute, from that identity or from
the followed dispute (number and query code). Thin: jiefen.documents.assent decides.
"""

from __future__ import annotations

import hmac
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiefen.disputes.access import dispute_for
from jiefen.disputes.models import Dispute, Party
from jiefen.disputes.reads import dispute_find
from jiefen.documents import access, assent
from jiefen.documents.builders import Facts, agreement_missing
from jiefen.documents.forms import AssentForm
from jiefen.documents.services import may_edit
from jiefen.lib.errors import DisputeError, NotFound
from jiefen.lib.errors import errors_to_form as _attach
from jiefen.portal import guard, identity

RELATED = ["holder", "holder__region", "region", "category"]


def _dispute_of(request: HttpRequest) -> Dispute | None:
    """The dispute of the proved party, else the one followed with its query code."""
    proved = identity.remembered(request)
    if proved is not None:
        dispute = dispute_find(proved[0], related=RELATED)
        if dispute is not None and identity.current_party(request, dispute) is not None:
            return dispute
    followed = guard.followed(request)
    if followed is None:
        return None
    dispute = dispute_find(followed[0], related=RELATED)
    if dispute is None or not dispute.query_digest:
        return None
    if not hmac.compare_digest(dispute.query_digest[:16], followed[1]):
        return None
    return dispute


def _png(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


# --- the party ----------------------------------------------------------------------------------


def _page(
    request: HttpRequest,
    dispute: Dispute,
    party: Party | None,
    *,
    form: AssentForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {"dispute": dispute, "party": party, "problem": problem}
    facts = Facts.of(dispute)
    if facts.agreement is None or facts.agreement_missing_outcome:
        context["no_agreement"] = True
        return render(request, "documents/assent_party.html", context, status=status)
    if party is None:
        return render(request, "documents/assent_party.html", context, status=status)
    text = assent.agreement_text(facts)
    states = assent.party_states(facts, text.digest, assent.assents_of(facts.agreement))
    own = next((s for s in states if s.party.pk == party.pk), None)
    if form is None or form.data.get("digest") != text.digest:
        data = None
        if form is not None and form.is_bound:
            data = form.data.copy()  # type: ignore[attr-defined]
            data["digest"] = text.digest  # the new text's: what the party now reads
        form = AssentForm(data, initial={"digest": text.digest})
        if data is not None:
            form.is_valid()
    context.update(
        text=text,
        states=states,
        own=own,
        form=form,
        phone=assent.usable_phone(party),
        incomplete=bool(agreement_missing(facts)),
    )
    return render(request, "documents/assent_party.html", context, status=status)


@never_cache
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    dispute = _dispute_of(request)
    if dispute is None:
        messages.error(request, _("请先输入纠纷编号和查询码"))
        return redirect("portal:follow")
    return _page(request, dispute, identity.current_party(request, dispute))


def _asking(request: HttpRequest) -> tuple[Dispute, Party] | HttpResponse:
    dispute = _dispute_of(request)
    if dispute is None:
        messages.error(request, _("查询已超时，请重新输入编号和查询码"))
        return redirect("portal:follow")
    party = identity.current_party(request, dispute)
    if party is None:
        return _page(
            request, dispute, None, problem=_("请先用短信验证码验证您的当事人身份"), status=403
        )
    form = AssentForm(request.POST)
    posted = form.data.get("party")
    if posted not in (None, "") and str(posted) != str(party.pk):
        # A page of another party of this dispute (a shared phone): never on their behalf.
        return _page(
            request,
            dispute,
            party,
            problem=_("您只能确认您本人的调解协议，不能代其他当事人确认"),
            status=403,
        )
    return dispute, party


@never_cache
@require_POST
def code(request: HttpRequest) -> HttpResponse:
    """Send the proved party the code for the text on their page."""
    asking = _asking(request)
    if isinstance(asking, HttpResponse):
        return asking
    dispute, party = asking
    try:
        sent = assent.assent_code_send(
            dispute=dispute, party=party, digest=request.POST.get("digest", "")
        )
    except assent.Stale as error:
        return _page(request, dispute, party, problem=str(error.message), status=409)
    except DisputeError as error:
        return _page(request, dispute, party, problem=str(error.message), status=400)
    messages.success(
        request,
        _("验证码已发送至 %(phone)s，%(minutes)s 分钟内有效")
        % {"phone": sent.phone_masked, "minutes": sent.minutes},
    )
    return redirect(reverse("assent:page") + "#answer")


@never_cache
@require_POST
def answer(request: HttpRequest) -> HttpResponse:
    asking = _asking(request)
    if isinstance(asking, HttpResponse):
        return asking
    dispute, party = asking
    form = AssentForm(request.POST)
    if not form.is_valid():
        return _page(request, dispute, party, form=form, status=400)
    data = form.cleaned_data
    try:
        done = assent.assent_answer(
            dispute_id=dispute.pk,
            party=party,
            digest=data["digest"],
            code=data["code"],
            answer=request.POST.get("answer", ""),
            reason=data["reason"],
            signature=data["signature"] or None,
        )
    except assent.Stale as error:
        return _page(request, dispute, party, form=form, problem=str(error.message), status=409)
    except DisputeError as error:
        _attach(error, form)
        if not error.fields:
            return _page(request, dispute, party, form=form, problem=str(error.message), status=400)
        return _page(request, dispute, party, form=form, status=400)
    if done.answer == "confirmed":
        messages.success(request, _("您已确认调解协议，确认记录已保存"))
    else:
        messages.success(request, _("已记录您不同意调解协议及理由，调解员会与您联系"))
    return redirect("assent:page")


@never_cache
@require_GET
def own_signature(request: HttpRequest, pk: int) -> HttpResponse:
    """The party's own drawn signature, to the party themself only."""
    dispute = _dispute_of(request)
    party = identity.current_party(request, dispute) if dispute is not None else None
    if party is None:
        raise Http404
    try:
        found = access.assent_of_party(party, pk)
    except NotFound:
        raise Http404 from None
    data = assent.signature_png(found)
    if not data:
        raise Http404
    return _png(data)


# --- staff ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def staff(request: HttpRequest, pk: int) -> HttpResponse:
    """Each party's answer, and the record of an answer given in person on paper."""
    try:
        dispute = dispute_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    if not may_edit(request.user, dispute):
        raise Http404
    facts = Facts.of(dispute)
    if facts.agreement is None or facts.agreement_missing_outcome:
        messages.error(request, str(assent.NO_AGREEMENT))
        return redirect(reverse("disputes:detail", args=[dispute.pk]) + "#documents")
    text = assent.agreement_text(facts)
    form = AssentForm(initial={"digest": text.digest})
    status = 200
    problem = ""
    if request.method == "POST":
        form = AssentForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                assent.assent_record_paper(
                    actor=request.user,
                    dispute_id=dispute.pk,
                    party_id=data["party"],
                    digest=data["digest"],
                    answer=request.POST.get("answer", ""),
                    reason=data["reason"],
                    signature=data["signature"] or None,
                )
            except NotFound:
                raise Http404 from None
            except assent.Stale as error:
                problem, status = str(error.message), 409
                form = AssentForm(initial={"digest": text.digest})
            except DisputeError as error:
                _attach(error, form)
                problem = "" if error.fields else str(error.message)
            else:
                messages.success(request, _("已记录当事人当面签字确认"))
                return redirect("documents:assent", pk=dispute.pk)
    states = assent.party_states(facts, text.digest, assent.assents_of(facts.agreement))
    return render(
        request,
        "documents/assent_staff.html",
        {
            "dispute": dispute,
            "text": text,
            "states": states,
            "form": form,
            "problem": problem,
            "waiting": [s for s in states if s.state in ("waiting", "voided")],
        },
        status=status,
    )


@login_required
@require_GET
def staff_signature(request: HttpRequest, pk: int, assent_pk: int) -> HttpResponse:
    """A party's drawn signature, to staff whose jurisdiction holds the dispute."""
    try:
        _dispute, found = access.assent_for(request.user, pk, assent_pk)
    except NotFound:
        raise Http404 from None
    data = assent.signature_png(found)
    if not data:
        raise Http404
    return _png(data)
