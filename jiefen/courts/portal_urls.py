"""The party's side of the application, under /public/ where the portal's cookies are sent."""

from django.urls import path

from jiefen.courts import views

app_name = "courts_public"

urlpatterns = [
    path("identity/", views.party_upload, name="upload"),
    path("identity/file/", views.party_identity, name="identity"),
]
