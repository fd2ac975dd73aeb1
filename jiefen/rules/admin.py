"""Deadline rules for administrators. Saving and deleting go through the services, which
validate and tell every process to reload its cached rules."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from jiefen.rules.forms import DeadlineRuleForm
from jiefen.rules.models import DeadlineRule
from jiefen.rules.services import (
    GUARANTEED,
    GuaranteeProtected,
    rule_delete,
    rule_save,
    rules_delete,
)


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    form = DeadlineRuleForm
    list_display = [
        "key",
        "tier",
        "trigger",
        "condition",
        "action",
        "term",
        "priority",
        "active",
    ]
    list_filter = ["tier", "trigger", "action", "day_kind", "active"]
    search_fields = ["key", "basis"]
    ordering = ["tier", "trigger", "priority", "key"]
    fieldsets = [
        (None, {"fields": ["key", "tier", "trigger", "condition", "action"]}),
        (_("期限"), {"fields": ["days", "day_kind", "priority", "active"]}),
        (_("依据"), {"fields": ["basis"]}),
    ]

    @admin.display(description=_("期限"), ordering="days")
    def term(self, rule: DeadlineRule) -> str:
        if rule.days is None:
            return str(rule.get_day_kind_display())
        return _("%(days)s个%(kind)s") % {"days": rule.days, "kind": rule.get_day_kind_display()}

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        rule_save(rule=obj)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # The rules behind a party's right to an answer cannot be deleted (rules.services).
        if obj is not None and obj.key in GUARANTEED:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        rule_delete(rule=obj)

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        try:
            rules_delete(rules=queryset)
        except GuaranteeProtected as refused:
            self.message_user(request, refused.messages[0], messages.ERROR)
