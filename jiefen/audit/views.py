"""The audit page: records newest first, filtered, keyset-paginated, with the chain's status.

Only staff holding the auditor role see it. An administrator (or superuser) without that role
gets 404, as for anything not theirs: separation of duties — those who run the system do not
read its audit trail — and the page is not advertised to accounts that may not use it. An
auditor sees the records of objects in the subtrees of the bodies they audit; records of no
region (accounts, sign-ins, rules, calendars) only if they audit at city level or above.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiefen.audit import capture, chain
from jiefen.audit.hooks import auditor_filter, event_label
from jiefen.audit.models import ActorKind, ChainHead, Record

PAGE = 50

# Models that moved to another app keep their tables, but the records written before the move
# name the app they were in (the chain is never rewritten): they are shown and filtered as the
# model they are now. Current label -> former label.
FORMER_LABELS = {
    "receptions.receptionday": "meetings.receptionday",
    "receptions.receptionslot": "meetings.receptionslot",
    "receptions.receptionbooking": "meetings.receptionbooking",
}
CURRENT_LABELS = {former: label for label, former in FORMER_LABELS.items()}

ACTION_LABELS = {
    "create": _("新增"),
    "update": _("修改"),
    "delete": _("删除"),
    "m2m_add": _("增加关联"),
    "m2m_remove": _("移除关联"),
    "m2m_clear": _("清空关联"),
    "reveal": _("查看个人信息"),
    "export": _("导出个人信息"),
    "login": _("登录"),
    "logout": _("退出登录"),
    "login_failed": _("登录失败"),
    "locked_out": _("账户锁定"),
    "2fa_device_add": _("添加双重验证设备"),
    "2fa_device_update": _("双重验证设备变更"),
    "2fa_device_remove": _("移除双重验证设备"),
    "audit_prune": _("剪除过期审计记录"),
    "document_sign": _("签发电子签名文书"),
}


def action_label(key: str) -> str:
    label = ACTION_LABELS.get(key)
    return str(label) if label is not None else event_label(key)


def _object_choices() -> list[tuple[str, str]]:
    choices = [("", str(_("全部")))]
    for model in apps.get_models():
        if capture.audited(model):
            meta = model._meta
            choices.append((f"{meta.app_label}.{meta.model_name}", str(meta.verbose_name)))
    choices.sort(key=lambda c: (c[0] != "", c[1]))
    return choices


class FilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    actor = forms.CharField(
        label=_("操作人"),
        required=False,
        max_length=150,
        help_text=_("用户名；或 system（系统）、public（公众）"),
    )
    object = forms.ChoiceField(label=_("对象类型"), required=False, choices=())
    action = forms.CharField(label=_("动作"), required=False, max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["object"].choices = _object_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期"))
        return data


def _filtered(base: QuerySet[Record], data: dict[str, Any]) -> QuerySet[Record]:
    zone = timezone.get_current_timezone()
    if data.get("date_from"):
        base = base.filter(at__gte=datetime.combine(data["date_from"], time.min, zone))
    if data.get("date_to"):
        end = data["date_to"] + timedelta(days=1)
        base = base.filter(at__lt=datetime.combine(end, time.min, zone))
    actor = (data.get("actor") or "").strip()
    if actor in (ActorKind.SYSTEM, ActorKind.PUBLIC):
        base = base.filter(actor_kind=actor)
    elif actor:
        user_id = (
            get_user_model().objects.filter(username=actor).values_list("pk", flat=True).first()
        )
        base = base.filter(actor_user_id=user_id if user_id is not None else -1)
    if data.get("object"):
        app_label, _dot, model = data["object"].partition(".")
        wanted = Q(app_label=app_label, model=model)
        former = FORMER_LABELS.get(data["object"])
        if former:
            old_label, _dot, old_model = former.partition(".")
            wanted |= Q(app_label=old_label, model=old_model)
        base = base.filter(wanted)
    if data.get("action"):
        base = base.filter(action=data["action"].strip())
    return base


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def index(request: HttpRequest) -> HttpResponse:
    allowed = auditor_filter(request.user)
    chain.seal(wait=False)  # the page lists the chain: what waits to be sealed joins it first
    form = FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    base = _filtered(Record.objects.filter(allowed), data)
    before, after = _int(request.GET.get("before")), _int(request.GET.get("after"))
    if after is not None:
        rows = list(base.filter(seq__gt=after).order_by("seq")[: PAGE + 1])
        more_newer = len(rows) > PAGE
        rows = rows[:PAGE][::-1]
        more_older = bool(rows) and base.filter(seq__lt=rows[-1].seq).exists()
    else:
        base_page = base.filter(seq__lt=before) if before is not None else base
        rows = list(base_page.order_by("-seq")[: PAGE + 1])
        more_older = len(rows) > PAGE
        rows = rows[:PAGE]
        more_newer = before is not None and bool(rows) and base.filter(seq__gt=rows[0].seq).exists()

    users = {
        u.pk: u
        for u in get_user_model().objects.filter(
            pk__in={r.actor_user_id for r in rows if r.actor_user_id}
        )
    }
    entries = []
    for record in rows:
        if record.actor_kind == ActorKind.USER:
            user = users.get(record.actor_user_id or 0)
            who = str(user) if user is not None else f"#{record.actor_user_id}"
        elif record.actor_kind == ActorKind.SYSTEM:
            who = f"{_('系统')} · {record.actor_system}"
        else:
            who = str(_("公众（未登录）"))
        label = f"{record.app_label}.{record.model}"
        try:
            kind = str(apps.get_model(CURRENT_LABELS.get(label, label))._meta.verbose_name)
        except (LookupError, ValueError):
            kind = label.strip(".")
        entries.append(
            {
                "record": record,
                "who": who,
                "action": action_label(record.action),
                "kind": kind,
                "fields": ", ".join(record.fields),
                "params": ", ".join(f"{k}={v}" for k, v in sorted(record.params.items())),
            }
        )

    query = urlencode({k: v for k, v in request.GET.items() if k not in ("before", "after")})
    context = {
        "form": form,
        "entries": entries,
        "query": query,
        "older": rows[-1].seq if rows and more_older else None,
        "newer": rows[0].seq if rows and more_newer else None,
        "head": ChainHead.objects.filter(pk=1).first(),
        "tail": chain.verify_tail(),
    }
    return render(request, "audit/index.html", context)
