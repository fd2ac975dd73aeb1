from django.urls import path

from jiefen.privacy import views

app_name = "privacy"

urlpatterns = [
    path("access/", views.access, name="access"),
    path("access/export/", views.access_export, name="access_export"),
]
