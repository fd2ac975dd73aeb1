from django.urls import path

from jiefen.metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("export.xlsx", views.export_view, name="export"),
    path("warnings/", views.warnings_view, name="warnings"),
]
