from django.urls import path

from jiefen.documents import assent_views, views

app_name = "documents"

urlpatterns = [
    path("disputes/<int:pk>/details/", views.details, name="details"),
    path("disputes/<int:pk>/assent/", assent_views.staff, name="assent"),
    path(
        "disputes/<int:pk>/assent/<int:assent_pk>/signature.png",
        assent_views.staff_signature,
        name="assent_signature",
    ),
    path("disputes/<int:pk>/confirmation/<slug:step>/", views.confirmation, name="confirmation"),
    path(
        "disputes/<int:pk>/acceptance-with-code.<slug:fmt>",
        views.acceptance_with_code,
        name="acceptance_with_code",
    ),
    path("disputes/<int:pk>/<slug:kind>.<slug:fmt>", views.download, name="download"),
]
