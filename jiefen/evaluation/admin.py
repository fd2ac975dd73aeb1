"""Administrators edit targets, schemes, share targets and manual indicators here; each model's
clean() validates (rates 0–100 %, one target per indicator × level × year, thresholds rising)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiefen.evaluation.models import (
    BudgetFigure,
    Criterion,
    ManualIndicator,
    ManualReport,
    ManualReportRevision,
    Scheme,
    ShareTarget,
    Target,
)
from jiefen.evaluation.targets import indicator_choices


class TargetForm(forms.ModelForm):
    indicator = forms.ChoiceField(label=_("指标"))

    class Meta:
        model = Target
        fields = ["indicator", "level", "year", "value", "direction"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = indicator_choices()  # type: ignore[attr-defined]
        self.fields["value"].help_text = _("比率填百分数，如 92 表示 92%；“同比下降”不填。")


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    form = TargetForm
    list_display = ["indicator", "level", "year", "value", "direction", "changed_by", "changed_at"]
    list_filter = ["level", "year", "direction"]
    search_fields = ["indicator"]

    def save_model(self, request: Any, obj: Target, form: Any, change: bool) -> None:
        obj.changed_by = request.user
        super().save_model(request, obj, form, change)


class CriterionForm(forms.ModelForm):
    indicator = forms.ChoiceField(label=_("指标"), required=False)

    class Meta:
        model = Criterion
        fields = ["sort", "name", "kind", "weight", "indicator", "cap", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [("", "—"), *indicator_choices(with_target_only=True)]  # type: ignore[attr-defined]


class CriterionInline(admin.StackedInline):
    model = Criterion
    form = CriterionForm
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "year", "basic_min", "level2_min", "level1_min"]
    list_filter = ["year"]
    raw_id_fields = ["region"]
    inlines = [CriterionInline]


@admin.register(ShareTarget)
class ShareTargetAdmin(admin.ModelAdmin):
    list_display = ["region", "year", "rating", "share"]
    list_filter = ["year", "rating"]
    raw_id_fields = ["region"]


@admin.register(BudgetFigure)
class BudgetFigureAdmin(admin.ModelAdmin):
    list_display = ["region", "year", "budget", "population", "entered_by", "entered_at"]
    list_filter = ["year"]
    raw_id_fields = ["region"]
    fields = ["region", "year", "budget", "population"]

    def save_model(self, request: Any, obj: BudgetFigure, form: Any, change: bool) -> None:
        if change and obj.entered_by_id:
            old = BudgetFigure.objects.get(pk=obj.pk)
            obj.history = [
                *old.history,
                {
                    "budget": str(old.budget),
                    "population": old.population,
                    "by": old.entered_by.username,
                    "at": old.entered_at.isoformat(),
                },
            ]
        obj.entered_by, obj.entered_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(ManualIndicator)
class ManualIndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "unit", "body_kind", "frequency", "target_value", "direction"]
    list_filter = ["active", "body_kind", "frequency"]


class RevisionInline(admin.TabularInline):
    model = ManualReportRevision
    extra = 0
    can_delete = False
    readonly_fields = ["value", "note", "by", "at"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ManualReport)
class ManualReportAdmin(admin.ModelAdmin):
    """Read-only here: bodies report on /evaluation/report/, which keeps who and when."""

    list_display = ["indicator", "body", "period_start", "value", "by", "at"]
    list_filter = ["indicator", "period_start"]
    inlines = [RevisionInline]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
