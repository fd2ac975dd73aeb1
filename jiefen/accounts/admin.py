"""Staff accounts for administrators, with their roles in bodies.

A superuser sees every account. Any other administrator sees the staff of their jurisdiction
(jiefen.org.scope.staff_for), changes only people whose every role lies inside it, and cannot
grant admin access, superuser status, groups or permissions.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from jiefen.accounts.models import User
from jiefen.org.admin import UserMembershipInline, is_superuser, may_manage_user
from jiefen.org.scope import staff_for

GRANTING_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ["username", "full_name", "phone", "email", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "memberships__role"]
    search_fields = ["username", "full_name", "phone", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("个人信息"), {"fields": ["full_name", "phone", "email"]}),
        (
            _("权限"),
            {"fields": ["is_active", *GRANTING_FIELDS]},
        ),
        (_("重要日期"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "full_name",
                    "phone",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
    inlines = [UserMembershipInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        if is_superuser(request):
            return super().get_queryset(request)
        return staff_for(request.user)

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        readonly = list(super().get_readonly_fields(request, obj))
        if not is_superuser(request):
            readonly += GRANTING_FIELDS
        return readonly

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_change_permission(request, obj) and may_manage_user(request, obj)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_delete_permission(request, obj) and may_manage_user(request, obj)
