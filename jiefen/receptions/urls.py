from django.urls import path

from jiefen.receptions import views

app_name = "receptions"

# Mounted at /meetings/receptions/, the addresses they had inside the meetings pages.
urlpatterns = [
    path("", views.reception_list, name="index"),
    path("<int:pk>/", views.reception_day, name="day"),
    path("<int:pk>/book/", views.reception_book, name="book"),
    path("bookings/<int:pk>/record/", views.booking_record, name="booking_record"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("public/", views.public_list, name="public"),
    path("public/<int:pk>/", views.public_book, name="public_book"),
]
