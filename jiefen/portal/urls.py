from django.urls import path

from jiefen.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.file, name="file"),
    path("regions/<int:code>/", views.regions, name="regions"),
    path("follow/", views.follow, name="follow"),
    path("follow/escalate/", views.escalate, name="escalate"),
    path("follow/rate/", views.rate, name="rate"),
    path("follow/review/", views.review, name="review"),
    path("follow/forget/", views.forget, name="forget"),
    path("follow/mediator/", views.mediator_request, name="mediator_request"),
    path("staff/escalations/<int:pk>/answer/", views.staff_answer, name="staff_answer"),
    path("staff/reviews/<int:pk>/answer/", views.staff_review_answer, name="staff_review_answer"),
]

urlpatterns += [
    path("follow/sms/", views.sms_sign_in, name="sms_sign_in"),
    path("follow/sms/code/", views.sms_code, name="sms_code"),
    path("follow/recover/", views.recover, name="recover"),
    path("follow/party/", views.party_sign_in, name="party_sign_in"),
    path("follow/party/forget/", views.party_forget, name="party_forget"),
    path(
        "staff/disputes/<int:pk>/parties/<int:party>/phone-check/",
        views.staff_phone_check,
        name="staff_phone_check",
    ),
]
