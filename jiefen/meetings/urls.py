from django.urls import path

from jiefen.meetings import circular_views, screening_views, views

app_name = "meetings"

urlpatterns = [
    path("", views.index, name="index"),
    path("series/<int:body>/", views.series_edit, name="series"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/refresh/", views.refresh, name="refresh"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/record/", views.record, name="record"),
    path("<int:pk>/decide/<slug:kind>/", views.decide, name="decide"),
    path("<int:pk>/agenda.docx", views.agenda_file, name="agenda_file"),
    path("<int:pk>/minutes.docx", views.minutes_file, name="minutes_file"),
    path("screening/", screening_views.screening, name="screening"),
    path("screening/status/", screening_views.screening_status, name="screening_status"),
    path("circulars/", circular_views.circular_list, name="circulars"),
    path("circulars/generate/", circular_views.circular_generate, name="circular_generate"),
    path("circulars/<int:pk>/", circular_views.circular_detail, name="circular"),
    path("circulars/<int:pk>/file.<slug:fmt>", circular_views.circular_file, name="circular_file"),
]
