from django.urls import path

from jiefen.appointments import views

app_name = "appointments"

urlpatterns = [
    path("appointments/disputes/<int:pk>/propose/", views.propose, name="propose"),
    path("appointments/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("appointments/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("appointments/<int:pk>/join/", views.staff_join, name="staff_join"),
    path("public/appointments/<int:pk>/", views.public, name="public"),
    path("public/appointments/<int:pk>/reply/", views.reply, name="reply"),
    path("public/appointments/<int:pk>/join/", views.join, name="join"),
]
