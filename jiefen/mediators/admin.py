"""Administration of the register and the routing catalogue. Lists and choices are limited to
the administrator's jurisdiction (as in jiefen.org.admin); saving goes through the services'
checks, whose problems are shown beside the fields with what was typed kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from jiefen.lib.errors import Invalid
from jiefen.mediators.catalogue import entry_problems
from jiefen.mediators.models import Mediator, RouteEntry
from jiefen.mediators.services import mediator_problems
from jiefen.org.admin import ScopedChoicesMixin, is_superuser
from jiefen.org.scope import bodies_for, scope_of


def _show(form: forms.ModelForm, problems: Any) -> None:
    for name, messages in problems.fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


class MediatorForm(forms.ModelForm):
    class Meta:
        model = Mediator
        fields = [
            "name",
            "phone",
            "id_number",
            "home_body",
            "bodies",
            "categories",
            "languages",
            "full_time",
            "appointed_on",
            "term_ends",
            "weekdays",
            "user",
            "active",
        ]

    def _post_clean(self) -> None:
        # After the instance has the typed values: the service's own checks, beside the fields.
        super()._post_clean()  # type: ignore[misc]
        if self.errors:
            return
        try:
            mediator_problems(self.instance, self.cleaned_data.get("bodies")).raise_if_any()
        except Invalid as refused:
            _show(self, refused)


@admin.register(Mediator)
class MediatorAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    form = MediatorForm
    list_display = ["name", "home_body", "full_time", "weekdays", "open_cases", "active"]
    list_filter = ["full_time", "active"]
    search_fields = ["name"]
    filter_horizontal = ["bodies", "categories"]
    raw_id_fields = ["user"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        queryset = super().get_queryset(request).select_related("home_body")
        return queryset if is_superuser(request) else scope_of(request.user).filter(queryset)

    def formfield_for_manytomany(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "bodies" and not is_superuser(request):
            kwargs["queryset"] = bodies_for(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class RouteEntryForm(forms.ModelForm):
    class Meta:
        model = RouteEntry
        fields = [
            "region",
            "level",
            "category",
            "keyword",
            "amount_min",
            "amount_max",
            "people_min",
            "people_max",
            "department",
            "committee",
            "source",
            "active",
        ]

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        if self.errors or not self.instance.active:
            return
        _show(self, entry_problems(self.instance))


@admin.register(RouteEntry)
class RouteEntryAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    form = RouteEntryForm
    list_display = ["category", "level", "region", "keyword", "department", "committee", "active"]
    list_filter = ["level", "active", "category"]
    search_fields = ["keyword", "source"]
    raw_id_fields = ["region"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        queryset = (
            super()
            .get_queryset(request)
            .select_related("region", "category", "department", "committee")
        )
        if is_superuser(request):
            return queryset
        return scope_of(request.user).filter(queryset, "region__code")
