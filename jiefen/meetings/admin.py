from django.contrib import admin

from jiefen.meetings.models import (
    Circular,
    Meeting,
    MeetingSeries,
    ScreeningReturn,
)


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(admin.ModelAdmin):
    list_display = ["body", "cadence", "rule", "starts_at", "place", "active"]
    list_filter = ["cadence", "active"]
    raw_id_fields = ["body", "created_by"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    # Meetings are written through the meetings pages (services); the admin only shows them.
    list_display = ["body", "date", "status", "year", "seq"]
    list_filter = ["status", "period_kind"]
    date_hierarchy = "date"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ScreeningReturn)
class ScreeningReturnAdmin(admin.ModelAdmin):
    list_display = ["body", "period_start", "nil", "submitted_at"]
    list_filter = ["nil", "period_kind"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Circular)
class CircularAdmin(admin.ModelAdmin):
    list_display = ["body", "period_start", "period_end", "year", "seq", "generated_at"]
    exclude = ["docx", "xlsx"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
