"""The party's confirmation of the agreement, in the portal at /public/agreement/."""

from django.urls import path

from jiefen.documents import assent_views

app_name = "assent"

urlpatterns = [
    path("", assent_views.page, name="page"),
    path("code/", assent_views.code, name="code"),
    path("answer/", assent_views.answer, name="answer"),
    path("signatures/<int:pk>.png", assent_views.own_signature, name="signature"),
]
