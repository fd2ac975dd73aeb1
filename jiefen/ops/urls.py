"""Health endpoints at the site root: /healthz and /healthz/ready."""

from django.urls import path

from jiefen.ops import views

app_name = "ops"

urlpatterns = [
    path("healthz", views.live, name="live"),
    path("healthz/ready", views.ready, name="ready"),
    path("healthz/sweep", views.sweep, name="sweep"),
]
