"""Administrators correct the calendar and confirm years here; every write goes through services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jiefen.calendars import services
from jiefen.calendars.models import CalendarOverride, CalendarYear


def _add_errors(form: forms.ModelForm, error: ValidationError) -> None:
    # Errors for a field not on the form (read-only when changing) go to the top.
    for field, messages in error.error_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class CalendarOverrideForm(forms.ModelForm):
    class Meta:
        model = CalendarOverride
        fields = ["date", "working", "notice"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service's message names the date; the generic "required" would not.
        self.fields["notice"].required = False

    def clean(self):
        super().clean()
        data = self.cleaned_data
        day = data.get("date", self.instance.date if self.instance.pk else None)
        if "date" in self.errors:
            return data
        try:
            services.override_check(date=day, notice=data.get("notice"))
        except ValidationError as error:
            _add_errors(self, error)
        return data


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    form = CalendarOverrideForm
    list_display = ["date", "working", "notice", "created_by", "created_at"]
    list_filter = ["working"]
    date_hierarchy = "date"
    search_fields = ["notice"]

    def get_readonly_fields(self, request, obj=None):
        # Moving an override to another date is a removal and a new override.
        return ("date", "created_by", "created_at") if obj else ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        saved = services.override_set(
            date=obj.date, working=obj.working, notice=obj.notice, actor=request.user
        )
        obj.pk, obj.created_by, obj.created_at = saved.pk, saved.created_by, saved.created_at

    def delete_model(self, request, obj):
        services.override_remove(date=obj.date, actor=request.user)

    def delete_queryset(self, request, queryset):
        for override in queryset:
            services.override_remove(date=override.date, actor=request.user)


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ["year", "confirmed", "notice"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notice"].required = False

    def clean(self):
        super().clean()
        data = self.cleaned_data
        year = data.get("year", self.instance.year if self.instance.pk else None)
        if "year" in self.errors:
            return data
        if not data.get("confirmed"):
            if not self.instance.pk:
                self.add_error("confirmed", _("只需录入已确认的年份；没有录入的年份即为暂定"))
            return data
        try:
            services.year_check(year=year, notice=data.get("notice"))
        except ValidationError as error:
            _add_errors(self, error)
        return data


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    form = CalendarYearForm
    list_display = ["year", "confirmed", "notice", "confirmed_by", "confirmed_at"]
    list_filter = ["confirmed"]

    def get_readonly_fields(self, request, obj=None):
        return ("year", "confirmed_by", "confirmed_at") if obj else ("confirmed_by", "confirmed_at")

    def has_delete_permission(self, request, obj=None):
        # Withdrawing a confirmation is unticking "confirmed": the row keeps who did it.
        return False

    def save_model(self, request, obj, form, change):
        if obj.confirmed:
            saved = services.year_confirm(year=obj.year, notice=obj.notice, actor=request.user)
        else:
            saved = services.year_unconfirm(year=obj.year, actor=request.user)
        obj.pk, obj.confirmed_by, obj.confirmed_at = (
            saved.pk,
            saved.confirmed_by,
            saved.confirmed_at,
        )
