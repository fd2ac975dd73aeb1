from django.urls import path

from jiefen.attachments import views

app_name = "attachments"

urlpatterns = [
    path("disputes/<int:pk>/", views.listing, name="list"),
    path("disputes/<int:pk>/upload/", views.upload, name="upload"),
    path("disputes/<int:pk>/<int:attachment>/", views.download, name="download"),
    path("disputes/<int:pk>/<int:attachment>/withdraw/", views.withdraw, name="withdraw"),
]
