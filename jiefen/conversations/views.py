"""Pages: a party's shared and private threads in the portal, and staff's threads of a
dispute. Thin: fetch through access, write through services; a refusal is shown on the form,
with what was typed kept."""

from __future__ import annotations

import hashlib
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import get_usage

from jiefen.attachments.kinds import KINDS
from jiefen.attachments.services import Refused
from jiefen.attachments.storage import upload_storage
from jiefen.conversations import access, selectors, services
from jiefen.conversations.forms import MessageForm
from jiefen.conversations.models import Message
from jiefen.disputes.access import dispute_for
from jiefen.disputes.models import Dispute, Party
from jiefen.lib.errors import DisputeError, Forbidden, NotFound
from jiefen.lib.errors import errors_to_form as _attach
from jiefen.portal.identity import current_party

log = logging.getLogger(__name__)

# Messages a proved party may post in an hour, all threads of the dispute together.
PARTY_RATE = "30/h"


def _refused_to_form(error: DisputeError, form: MessageForm) -> None:
    if isinstance(error, Refused):
        form.add_error("file", str(error.message))
    else:
        _attach(error, form)


def _file_response(message: Message) -> HttpResponse:
    """The file as a download a browser will neither sniff nor render (as attachments do)."""
    with upload_storage().open(message.file_stored, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != message.file_sha256:
        log.error("message file changed on disk", extra={"message_id": message.pk})
        return HttpResponse(
            _("文件校验失败，已停止下载，请联系管理员。"),
            status=500,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(data, content_type=KINDS[message.file_kind].content_type)
    response["Content-Disposition"] = (
        content_disposition_header(True, message.file_name or "file") or "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- parties --------------------------------------------------------------------------------


def _followed_or_ask(request: HttpRequest) -> Dispute | None:
    dispute = access.followed_dispute(request)
    if dispute is None:
        messages.error(request, _("查询已超时，请重新输入编号和查询码"))
    return dispute


def _party_limit(request: HttpRequest, dispute: Dispute, party: Party, count: bool) -> bool:
    """Whether the party has used up their messages for the hour (True also when the cache
    fails, rather than let everything through)."""
    key = f"{dispute.pk}:{party.pk}"
    usage = get_usage(
        request,
        group="conversations.party_post",
        key=lambda group, request: key,
        rate=PARTY_RATE,
        increment=count,
    )
    if usage is None:  # rate limiting switched off
        return False
    return usage["limit"] == 0 or (not count and usage["count"] >= usage["limit"])


def _party_page(
    request: HttpRequest,
    dispute: Dispute,
    party: Party | None,
    *,
    shared: bool,
    form: MessageForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    if shared:
        thread = access.shared_thread(dispute)
        visible = thread is not None
    else:
        thread = access.private_thread(dispute, party) if party is not None else None
        visible = party is not None
    writable = visible and party is not None and dispute.is_open
    return render(
        request,
        "conversations/party_thread.html",
        {
            "dispute": dispute,
            "shared": shared,
            "opened": not shared or thread is not None,
            "party": party,
            "lines": selectors.party_lines(thread, party, dispute.holder.name) if visible else [],
            "form": (form or MessageForm()) if writable else None,
            "error": error,
            "closed": not dispute.is_open,
        },
        status=status,
    )


def _party_thread(request: HttpRequest, *, shared: bool) -> HttpResponse:
    dispute = _followed_or_ask(request)
    if dispute is None:
        return redirect("portal:follow")
    party = current_party(request, dispute)
    if request.method != "POST":
        return _party_page(request, dispute, party, shared=shared)
    form = MessageForm(request.POST, request.FILES)
    if party is None:
        return _party_page(
            request,
            dispute,
            None,
            shared=shared,
            error=_("请先通过短信验证身份，再发送消息"),
            status=403,
        )
    if _party_limit(request, dispute, party, count=False):
        return _party_page(
            request,
            dispute,
            party,
            shared=shared,
            form=form,
            error=_("一小时内发送的消息已达上限，请稍后再发；急事请拨打承办单位电话"),
            status=429,
        )
    if not form.is_valid():
        return _party_page(request, dispute, party, shared=shared, form=form, status=400)
    try:
        services.message_from_party(
            dispute=dispute,
            party=party,
            shared=shared,
            body=form.cleaned_data["body"],
            upload=form.cleaned_data["file"],
        )
    except NotFound:
        raise Http404 from None
    except DisputeError as error:
        _refused_to_form(error, form)
        return _party_page(request, dispute, party, shared=shared, form=form, status=400)
    _party_limit(request, dispute, party, count=True)
    messages.success(request, _("消息已发送"))
    return redirect("conversations:party_shared" if shared else "conversations:party_private")


@never_cache
def party_shared(request: HttpRequest) -> HttpResponse:
    return _party_thread(request, shared=True)


@never_cache
def party_private(request: HttpRequest) -> HttpResponse:
    return _party_thread(request, shared=False)


@require_GET
def party_file(request: HttpRequest, message: int) -> HttpResponse:
    dispute = access.followed_dispute(request)
    if dispute is None:
        raise Http404
    try:
        row = access.party_message_for(dispute, current_party(request, dispute), message)
    except NotFound:
        raise Http404 from None
    return _file_response(row)


# --- staff ----------------------------------------------------------------------------------


def _dispute(request: HttpRequest, pk: int) -> Dispute:
    try:
        return dispute_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _staff_page(
    request: HttpRequest,
    dispute: Dispute,
    party: Party | None,
    *,
    form: MessageForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    from jiefen.disputes.reads import parties_of

    parties = list(parties_of(dispute).order_by("side", "id")) if party is None else [party]
    shared, private = selectors.staff_threads(dispute, parties)
    return render(
        request,
        "conversations/staff_thread.html",
        {
            "dispute": dispute,
            "item": shared if party is None else private[0],
            "form": form or MessageForm(),
            "error": error,
            "may_answer": access.may_answer(request.user, dispute) and dispute.is_open,
        },
        status=status,
    )


def _back(dispute: Dispute, key: str) -> HttpResponse:
    return redirect(f"{reverse('disputes:detail', args=[dispute.pk])}#conv-{key}")


def _staff_post(request: HttpRequest, dispute: Dispute, party: Party | None) -> HttpResponse:
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        return _staff_page(request, dispute, party, form=form, status=400)
    try:
        services.message_from_staff(
            actor=request.user,
            dispute_id=dispute.pk,
            party_id=party.pk if party is not None else None,
            body=form.cleaned_data["body"],
            upload=form.cleaned_data["file"],
        )
    except NotFound:
        raise Http404 from None
    except Forbidden as error:
        return _staff_page(request, dispute, party, form=form, error=str(error.message), status=403)
    except DisputeError as error:
        _refused_to_form(error, form)
        return _staff_page(request, dispute, party, form=form, status=400)
    messages.success(request, _("消息已发送"))
    return _back(dispute, "shared" if party is None else f"p{party.pk}")


@never_cache
@login_required
def staff_shared(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _dispute(request, pk)
    if request.method == "POST":
        return _staff_post(request, dispute, None)
    return _staff_page(request, dispute, None)


@never_cache
@login_required
@require_POST
def staff_shared_open(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _dispute(request, pk)
    try:
        services.shared_thread_open(actor=request.user, dispute_id=dispute.pk)
    except NotFound:
        raise Http404 from None
    except DisputeError as error:
        messages.error(request, str(error.message))
        return _back(dispute, "shared")
    messages.success(request, _("共同会话已开启，各方当事人均可查看"))
    return _back(dispute, "shared")


@never_cache
@login_required
def staff_private(request: HttpRequest, pk: int, party: int) -> HttpResponse:
    try:
        dispute, row = access.staff_party_for(request.user, pk, party)
    except NotFound:
        raise Http404 from None
    if request.method == "POST":
        return _staff_post(request, dispute, row)
    return _staff_page(request, dispute, row)


@login_required
@require_GET
def staff_file(request: HttpRequest, pk: int, message: int) -> HttpResponse:
    try:
        _dispute_row, row = access.staff_message_for(request.user, pk, message)
    except NotFound:
        raise Http404 from None
    return _file_response(row)
