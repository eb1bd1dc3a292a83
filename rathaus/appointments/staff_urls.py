from django.urls import path

from . import staff_views as views

app_name = "appointments_staff"

# The citizens' office (phone and counter); mounted under staff/appointments/.
urlpatterns = [
    path("", views.index, name="index"),
    path("find/", views.find, name="find"),
    path("calendars/<slug:slug>/", views.day, name="day"),
    path("calendars/<slug:slug>/register/", views.register, name="register"),
    path("slots/<int:slot_id>/book/", views.book, name="book"),
    path("bookings/<str:reference>/", views.booking, name="booking"),
    path("bookings/<str:reference>/move/", views.move, name="move"),
    path("bookings/<str:reference>/cancel/", views.cancel, name="cancel"),
    path("bookings/<str:reference>/attendance/", views.attendance, name="attendance"),
    path("registrations/<str:reference>/", views.registration, name="registration"),
]
