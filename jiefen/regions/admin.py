"""Administrators keep each town's class and population here; codes come from the import."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jiefen.regions.models import Region


def _prefix_span(prefix: str) -> tuple[int, int]:
    width = 10 ** (12 - len(prefix))
    return int(prefix) * width, (int(prefix) + 1) * width - 1


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "town_class", "population"]
    list_editable = ["town_class", "population"]
    list_filter = ["level", "town_class"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]
    search_fields = ["name"]
    search_help_text = _("按名称或区划代码前缀（如 330681）查找")
    # ~700k units nationwide: no full-table COUNT on each page.
    show_full_result_count = False
    list_per_page = 50

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Region], search_term: str
    ) -> tuple[QuerySet[Region], bool]:
        term = search_term.strip()
        if term.isascii() and term.isdigit() and 1 <= len(term) <= 12:
            # A code prefix is a range of codes: one scan on the primary key.
            return queryset.filter(code__range=_prefix_span(term)), False
        return super().get_search_results(request, queryset, search_term)

    def get_readonly_fields(self, request: HttpRequest, obj: Region | None = None) -> list[str]:
        # The code is the primary key and what every record points at; only the import sets it.
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Region | None = None) -> bool:
        # Units are never deleted: bodies and disputes keep pointing at them.
        return False
