from django.urls import path

from jiefen.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.index, name="index"),
    path("ratings/", views.ratings, name="ratings"),
    path("towns/<int:code>/<int:year>/", views.town, name="town"),
    path("towns/<int:code>/<int:year>/criteria/<int:criterion>/", views.assess, name="assess"),
    path("progress/", views.progress, name="progress"),
    path("organisation/", views.organisation, name="organisation"),
    path("organisation/budget/", views.budget, name="budget"),
    path("indicators/", views.manual_list, name="manual_list"),
    path("indicators/<slug:key>/", views.manual_detail, name="manual_detail"),
    path("report/", views.report, name="report"),
    path("report/<int:body>/<slug:key>/", views.report_save, name="report_save"),
]
