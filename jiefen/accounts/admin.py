"""Staff accounts for administrators, with their roles in bodies.

A superuser sees every account. Any other administrator sees the staff of their jurisdiction
(jiefen.org.scope.staff_for), changes only people whose every role lies inside it, and cannot
grant admin access, superuser status, groups or permissions.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from jiefen.accounts.models import User
from jiefen.accounts.services import second_factor_remove
from jiefen.org.admin import UserMembershipInline, is_superuser, may_manage_user
from jiefen.org.scope import staff_for

GRANTING_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]

# Permission names are stored when the tables are made, in the language of that moment, with
# Django's English verb ("Can add 接口令牌"): shown here in the reader's language instead.
PERMISSION_WORDS = {
    "add": _("可以添加%(model)s"),
    "change": _("可以修改%(model)s"),
    "delete": _("可以删除%(model)s"),
    "view": _("可以查看%(model)s"),
}


def permission_label(permission: Permission) -> str:
    model = permission.content_type.model_class()
    action, _sep, name = permission.codename.partition("_")
    if model is None or action not in PERMISSION_WORDS or name != model._meta.model_name:
        return str(permission)
    words = str(PERMISSION_WORDS[action]) % {"model": model._meta.verbose_name}
    return f"{model._meta.app_config.verbose_name} | {model._meta.verbose_name} | {words}"


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
    actions = ["reset_second_factor"]

    @admin.action(description=_("重置两步验证（丢失手机时）"), permissions=["change"])
    def reset_second_factor(self, request, queryset):  # type: ignore[no-untyped-def]
        """The person sets up a new authenticator at their next sign-in. Devices are deleted
        one by one, so the audit log records each removal."""
        done = 0
        for user in queryset:
            if may_manage_user(request, user) and second_factor_remove(user=user):
                self.log_change(request, user, [{"changed": {"fields": ["two_factor"]}}])
                done += 1
        self.message_user(
            request,
            ngettext("已重置 %(count)d 人的两步验证。", "已重置 %(count)d 人的两步验证。", done)
            % {"count": done},
            messages.SUCCESS,
        )

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):  # type: ignore[no-untyped-def]
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "user_permissions" and field is not None:
            field.label_from_instance = permission_label  # type: ignore[method-assign,assignment]
        return field

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
