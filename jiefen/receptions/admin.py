from django.contrib import admin

from jiefen.receptions.models import ReceptionDay


@admin.register(ReceptionDay)
class ReceptionDayAdmin(admin.ModelAdmin):
    list_display = ["leader", "body", "date", "starts_at", "kind", "cancelled"]
    list_filter = ["kind", "cancelled"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
