from django.urls import path

from jiefen.spreadsheets import views

app_name = "spreadsheets"

urlpatterns = [
    path("import/", views.import_start, name="import"),
    path("import/template.xlsx", views.template_download, name="template"),
    path("import/<int:pk>/", views.import_job, name="job"),
    path("import/<int:pk>/progress.json", views.import_progress, name="progress"),
    path("import/<int:pk>/errors.csv", views.import_errors, name="errors"),
    path("import/<int:pk>/valid-only/", views.import_valid_only, name="valid_only"),
    path("import/<int:pk>/discard/", views.import_discard, name="discard"),
    path("export/", views.export_masked, name="export"),
    path("export/unmasked/", views.export_unmasked, name="export_unmasked"),
    path("export/<int:pk>/", views.export_job, name="export_job"),
    path("export/<int:pk>/file/", views.export_download, name="export_download"),
]
