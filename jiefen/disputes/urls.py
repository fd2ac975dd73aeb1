from django.urls import path

from jiefen.disputes import views

app_name = "disputes"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("disputes/", views.dispute_list_view, name="list"),
    path("disputes/new/", views.register, name="register"),
    path("disputes/suggest/", views.suggest, name="suggest"),
    path("disputes/<int:pk>/", views.detail, name="detail"),
    path("disputes/<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("disputes/<int:pk>/parties/<int:party>/reveal/<slug:field>/", views.reveal, name="reveal"),
]
