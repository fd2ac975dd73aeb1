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
