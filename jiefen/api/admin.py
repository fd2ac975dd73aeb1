"""API tokens in the admin: create one (shown once), see when each was last used, revoke.

Tokens are never edited or deleted: a revoked token stays as a record of who had access.
A non-superuser administrator sees tokens of bodies in their jurisdiction and creates them
only for people they may manage (see jiefen.org.admin.may_manage_user).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from jiefen.api.models import ApiToken
from jiefen.api.tokens import token_create, token_revoke
from jiefen.lib.errors import DisputeError
from jiefen.org.admin import ScopedChoicesMixin, is_superuser, may_manage_user
from jiefen.org.models import Membership
from jiefen.org.scope import scope_of


class ApiTokenForm(forms.ModelForm):
    request: HttpRequest  # set by ApiTokenAdmin.get_form, for the jurisdiction check

    class Meta:
        model = ApiToken
        fields = ["user", "body", "name"]

    def clean(self):  # type: ignore[no-untyped-def]
        super().clean()
        cleaned = self.cleaned_data
        user, body = cleaned.get("user"), cleaned.get("body")
        if user and not user.is_active:
            self.add_error("user", _("该账号已停用"))
        if body and not body.active:
            self.add_error("body", _("该调处主体已停用"))
        if user and body and not Membership.objects.filter(user=user, body=body).exists():
            self.add_error("body", _("该工作人员在此调处主体没有任职，不能为其创建令牌"))
        if user and not is_superuser(self.request) and not may_manage_user(self.request, user):
            self.add_error("user", _("您无权为该工作人员创建令牌"))
        return cleaned


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "user", "body", "created", "last_used", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["user", "body"]
    search_fields = ["name", "user__username", "user__full_name", "body__name"]
    raw_id_fields = ["user", "body"]
    actions = ["revoke"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        queryset = super().get_queryset(request)
        if is_superuser(request):
            return queryset
        return scope_of(request.user).filter(queryset, "body__region_code")

    def get_form(self, request, obj=None, change=False, **kwargs):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # type: ignore[attr-defined]
        return form

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is None:
            return []
        return ["user", "body", "created", "last_used", "revoked_at"]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change:
            obj.save(update_fields=["name"])
            return
        token, raw = token_create(user=obj.user, body=obj.body, name=obj.name)
        obj.pk = token.pk
        obj.digest = token.digest
        obj.created = token.created
        request._jiefen_new_token = raw

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None):  # type: ignore[no-untyped-def]
        raw = getattr(request, "_jiefen_new_token", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        # Shown in this response only; never put in a message, the session or a log.
        response: HttpResponse = TemplateResponse(
            request,
            "admin/api/apitoken/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("令牌已创建"),
                "token": obj,
                "raw": raw,
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                token_revoke(token=token)
            except DisputeError:  # pragma: no cover - revoking does not refuse
                continue
            count += 1
        self.message_user(
            request, _("已吊销 %(count)d 个令牌") % {"count": count}, messages.SUCCESS
        )
