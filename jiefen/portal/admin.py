from django.contrib import admin

from jiefen.portal.models import EscalationRequest, Rating


@admin.register(EscalationRequest)
class EscalationRequestAdmin(admin.ModelAdmin):
    """Read-only: requests are written by the party and answered on the dispute page."""

    list_display = (
        "dispute",
        "tier",
        "requested_at",
        "due_date",
        "answered_at",
        "auto_escalated_at",
    )
    list_filter = ("tier",)
    raw_id_fields = ("dispute", "body", "answered_by")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("dispute", "score", "rated_at")
    raw_id_fields = ("dispute",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
