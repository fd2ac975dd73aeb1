from django.urls import path

from jiefen.documents import views

app_name = "documents"

urlpatterns = [
    path("disputes/<int:pk>/details/", views.details, name="details"),
    path("disputes/<int:pk>/confirmation/<slug:step>/", views.confirmation, name="confirmation"),
    path(
        "disputes/<int:pk>/acceptance-with-code.<slug:fmt>",
        views.acceptance_with_code,
        name="acceptance_with_code",
    ),
    path("disputes/<int:pk>/<slug:kind>.<slug:fmt>", views.download, name="download"),
]
