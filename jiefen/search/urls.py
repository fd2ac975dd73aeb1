from django.urls import path

from jiefen.search import views

app_name = "search"

urlpatterns = [
    path("disputes/<int:pk>/link/", views.link, name="link"),
]
