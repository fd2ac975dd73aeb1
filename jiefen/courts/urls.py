from django.urls import path

from jiefen.courts import views

app_name = "courts"

urlpatterns = [
    path("disputes/<int:pk>/", views.application, name="application"),
    path(
        "disputes/<int:pk>/parties/<int:party>/identity/",
        views.staff_upload,
        name="upload",
    ),
    path(
        "disputes/<int:pk>/parties/<int:party>/identity/view/",
        views.staff_identity,
        name="identity",
    ),
    path("disputes/<int:pk>/bundle.pdf", views.bundle, name="bundle"),
    path("disputes/<int:pk>/agreement.pdf", views.agreement, name="agreement"),
    path("disputes/<int:pk>/send/", views.send, name="send"),
]
