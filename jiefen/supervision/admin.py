"""Read-only views for administrators; every change goes through the services."""

from django.contrib import admin

from jiefen.supervision.models import (
    Campaign,
    LeaderOwnership,
    SmsMessage,
    SupervisionOrder,
    SweepClock,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(ReadOnly):
    list_display = ["dispute", "issuer_body", "to_body", "issued_at", "due_date", "answered_at"]
    list_filter = ["due_date"]
    raw_id_fields = ["dispute"]


@admin.register(LeaderOwnership)
class LeaderOwnershipAdmin(ReadOnly):
    list_display = ["dispute", "leader", "target_date", "status", "signed_off_at"]
    list_filter = ["status"]
    raw_id_fields = ["dispute"]


@admin.register(Campaign)
class CampaignAdmin(ReadOnly):
    list_display = ["name", "year", "quarter", "region", "created_at", "closed_at"]


@admin.register(SweepClock)
class SweepClockAdmin(ReadOnly):
    list_display = ["chain", "interval", "last_started_at", "last_finished_at"]


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnly):
    """How each text message went; the number masked, the words not shown."""

    shown = (
        "phone_masked",
        "kind",
        "status",
        "attempts",
        "provider",
        "template",
        "queued_at",
        "sent_at",
        "last_error",
    )
    list_display = list(shown)
    list_filter = ["status", "kind", "provider"]
    fields = readonly_fields = (*shown, "provider_message_id", "next_attempt_at", "delivered_at")
