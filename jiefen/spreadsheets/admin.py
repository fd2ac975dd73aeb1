from django.contrib import admin

from jiefen.spreadsheets.models import ExportJob, ExportRecord, ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "filename", "actor", "created_at", "status", "rows_total", "rows_done"]
    list_filter = ["status"]
    # The uploaded file carries personal data in clear and is never shown.
    exclude = ["content"]
    readonly_fields = [f.name for f in ImportJob._meta.fields if f.name != "content"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "actor", "created_at", "masked", "status", "rows"]
    list_filter = ["status", "masked"]
    # Where the file lies in the private storage is not for the admin pages.
    exclude = ["stored_name"]
    readonly_fields = [f.name for f in ExportJob._meta.fields if f.name != "stored_name"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "masked", "rows", "reason"]
    list_filter = ["masked"]
    readonly_fields = ["at", "actor", "filters", "rows", "masked", "reason", "job"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
