from django.urls import path

from jiefen.mediators import views

app_name = "mediators"

urlpatterns = [
    path("", views.register, name="index"),
    path("queue/", views.queue, name="queue"),
    path("export.xlsx", views.export, name="export"),
    path("disputes/<int:pk>/", views.dispute_mediators, name="dispute"),
    path("requests/<int:pk>/answer/", views.answer, name="answer"),
    path("disputes/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
