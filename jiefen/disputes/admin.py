"""Administrators edit the categories here and can read the reveal log. Disputes themselves
are changed only through the services (the staff UI and API), never in the admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Category, Reveal


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["label", "key", "sort", "active"]
    list_editable = ["sort", "active"]
    search_fields = ["name", "key"]

    @admin.display(description=_("名称"), ordering="name")
    def label(self, obj: Category) -> str:
        return str(obj)  # in the reader's language


@admin.register(Reveal)
class RevealAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "dispute", "party", "field", "reason"]
    list_filter = ["field"]
    date_hierarchy = "at"
    raw_id_fields = ["actor", "dispute", "party"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        from jiefen.org.scope import scope_of

        queryset = super().get_queryset(request).select_related("actor", "dispute", "party")
        return scope_of(request.user).filter(queryset, "dispute__region_code")
