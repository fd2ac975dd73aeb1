from django.urls import path

from jiefen.conversations import views

app_name = "conversations"

urlpatterns = [
    path("public/conversations/shared/", views.party_shared, name="party_shared"),
    path("public/conversations/private/", views.party_private, name="party_private"),
    path("public/conversations/files/<int:message>/", views.party_file, name="party_file"),
    path("disputes/<int:pk>/conversations/shared/", views.staff_shared, name="staff_shared"),
    path(
        "disputes/<int:pk>/conversations/shared/open/",
        views.staff_shared_open,
        name="staff_shared_open",
    ),
    path(
        "disputes/<int:pk>/conversations/parties/<int:party>/",
        views.staff_private,
        name="staff_private",
    ),
    path(
        "disputes/<int:pk>/conversations/files/<int:message>/",
        views.staff_file,
        name="staff_file",
    ),
]
