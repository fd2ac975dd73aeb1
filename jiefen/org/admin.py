"""Administration of bodies, department types and memberships, and the staffing check.

A superuser sees everything. Any other administrator sees and edits only what lies in their
jurisdiction, as jiefen.org.scope decides: lists come from bodies_for / staff_for, and every
choice of a body, region or person in a form is limited the same way.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from jiefen.org.models import KIND_LEVEL, Body, BodyKind, DepartmentType, Membership
from jiefen.org.scope import bodies_for, scope_of, staff_for
from jiefen.org.staffing import StaffingStatus, centre_staffing
from jiefen.regions.models import Level, Region


def is_superuser(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_superuser", False))


def may_manage_user(request: HttpRequest, user: Any) -> bool:
    """May the administrator of `request` change `user`? Only when every role `user` holds lies
    in the administrator's jurisdiction, and never a superuser, so that a town's administrator
    cannot take over a county officer who also works in the town."""
    if is_superuser(request):
        return True
    if user is None or user.pk is None:
        return True
    if user.is_superuser:
        return False
    scope = scope_of(request.user)
    codes = user.memberships.values_list("body__region_code", flat=True)
    return all(scope.contains(code) for code in codes)


def limit_choices(request: HttpRequest, db_field: Any, kwargs: dict[str, Any]) -> None:
    """Offer a non-superuser only bodies, regions and people of their jurisdiction."""
    if is_superuser(request):
        return
    model = db_field.remote_field.model
    if model is Body:
        kwargs["queryset"] = bodies_for(request.user)
    elif model is Region:
        kwargs["queryset"] = scope_of(request.user).filter(Region.objects.all(), "code")
    elif model is get_user_model():
        kwargs["queryset"] = staff_for(request.user)


class ScopedChoicesMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        limit_choices(request, db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


# --- inlines ------------------------------------------------------------------------------------


class BodyMembershipInline(ScopedChoicesMixin, admin.TabularInline):
    """The staff of one body."""

    model = Membership
    fields = ["user", "role", "counts_as_centre_staff"]
    raw_id_fields = ["user"]
    extra = 0
    verbose_name = _("工作人员")
    verbose_name_plural = _("工作人员")


class UserMembershipInline(ScopedChoicesMixin, admin.TabularInline):
    """The roles of one person (used by the user admin in jiefen.accounts)."""

    model = Membership
    fields = ["body", "role", "counts_as_centre_staff"]
    raw_id_fields = ["body"]
    extra = 0

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        queryset = super().get_queryset(request).select_related("body")
        if is_superuser(request):
            return queryset
        return scope_of(request.user).filter(queryset, "body__region_code")

    def get_min_num(self, request, obj=None, **kwargs):  # type: ignore[no-untyped-def]
        # A person added by a non-superuser must have a role in their jurisdiction, or they
        # would vanish from that administrator's list the moment they are saved.
        if obj is None and not is_superuser(request):
            return 1
        return super().get_min_num(request, obj, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):  # type: ignore[no-untyped-def]
        if obj is None and not is_superuser(request):
            kwargs.setdefault("validate_min", True)
        return super().get_formset(request, obj, **kwargs)

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_add_permission(request, obj) and may_manage_user(request, obj)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_change_permission(request, obj) and may_manage_user(request, obj)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_delete_permission(request, obj) and may_manage_user(request, obj)


# --- bodies -------------------------------------------------------------------------------------


class BodyForm(forms.ModelForm):
    class Meta:
        model = Body
        fields = ["name", "kind", "region", "department_type", "address", "public_phone", "active"]

    def clean(self):  # type: ignore[no-untyped-def]
        super().clean()
        cleaned = self.cleaned_data
        kind, region = cleaned.get("kind"), cleaned.get("region")
        if kind is None or region is None:
            return cleaned
        level = KIND_LEVEL.get(kind)
        if level is not None and region.level != level:
            message = _("%(kind)s应设在%(level)s级行政区划")
            params = {"kind": BodyKind(kind).label, "level": Level(level).label}
            self.add_error("region", ValidationError(message, params=params))
            return cleaned
        others = Body.objects.filter(region=region).exclude(pk=self.instance.pk)
        if kind == BodyKind.DEPARTMENT:
            department_type = cleaned.get("department_type")
            if department_type is None:
                self.add_error("department_type", _("职能部门必须选择部门类型"))
            elif others.filter(kind=kind, department_type=department_type).exists():
                message = _("%(region)s已有%(type)s")
                params = {"region": region.name, "type": department_type.name}
                self.add_error("department_type", ValidationError(message, params=params))
        else:
            if cleaned.get("department_type") is not None:
                self.add_error("department_type", _("只有职能部门才有部门类型"))
            if others.filter(kind=kind).exists():
                message = _("%(region)s已有%(kind)s")
                params = {"region": region.name, "kind": BodyKind(kind).label}
                self.add_error("kind", ValidationError(message, params=params))
        return cleaned


@admin.register(Body)
class BodyAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    form = BodyForm
    change_list_template = "admin/org/body/change_list.html"
    list_display = ["name", "kind", "region", "department_type", "active"]
    list_filter = ["kind", "active", "department_type"]
    list_select_related = ["region", "department_type"]
    search_fields = ["name", "region__name"]
    raw_id_fields = ["region"]
    inlines = [BodyMembershipInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        if is_superuser(request):
            return super().get_queryset(request)
        return bodies_for(request.user)

    def get_urls(self):  # type: ignore[no-untyped-def]
        staffing = path(
            "staffing/",
            self.admin_site.admin_view(self.staffing_view),
            name="org_body_staffing",
        )
        return [staffing, *super().get_urls()]

    def staffing_view(self, request: HttpRequest) -> HttpResponse:
        """Every town centre in the administrator's jurisdiction against its staffing standard."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = centre_staffing(scope=scope_of(request.user))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("矛调中心人员配备核查"),
            "rows": rows,
            "out_of_standard": sum(1 for row in rows if row.out_of_standard),
            "class_not_set": sum(1 for row in rows if row.status == StaffingStatus.CLASS_NOT_SET),
            "statuses": StaffingStatus,
        }
        return TemplateResponse(request, "admin/org/body/staffing.html", context)


# --- department types and memberships -----------------------------------------------------------


@admin.register(DepartmentType)
class DepartmentTypeAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "matters", "sort"]
    list_editable = ["name", "matters", "sort"]
    search_fields = ["key", "name", "matters"]


@admin.register(Membership)
class MembershipAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    list_display = ["user", "body", "role", "counts_as_centre_staff"]
    list_filter = ["role", "counts_as_centre_staff", "body__kind"]
    list_select_related = ["user", "body"]
    search_fields = ["user__username", "user__full_name", "body__name"]
    raw_id_fields = ["user", "body"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        queryset = super().get_queryset(request)
        if is_superuser(request):
            return queryset
        return scope_of(request.user).filter(queryset, "body__region_code")
