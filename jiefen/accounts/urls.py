from django.urls import path

from jiefen.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/verify/", views.verify, name="verify"),
    path("account/two-factor/", views.devices, name="devices"),
    path("account/two-factor/enrol/", views.enrol, name="enrol"),
    path("account/two-factor/codes/", views.codes, name="codes"),
]
