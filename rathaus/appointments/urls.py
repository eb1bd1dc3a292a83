from django.urls import path

from . import views

app_name = "appointments"

# Citizens (first-come booking, waiting list, draw registration, offers); see views.py.
urlpatterns = [
    path("appointments/", views.calendar_list, name="calendars"),
    path("appointments/<slug:slug>/", views.calendar_detail, name="calendar"),
    path("appointments/<slug:slug>/hold/", views.hold, name="hold"),
    path("appointments/hold/<str:reference>/", views.details, name="details"),
    path("appointments/hold/<str:reference>/sent/", views.check_mail, name="check_mail"),
    path("appointments/<slug:slug>/waiting-list/", views.waitlist, name="waitlist"),
    path("appointments/<slug:slug>/register/", views.register, name="register"),
    path("appointments/<slug:slug>/draws/<int:release_id>/", views.draw_record,
         name="draw_record"),
    path("appointment/confirm/<str:token>/", views.confirm, name="confirm"),
    path("appointment/<str:token>/", views.manage, name="manage"),
    path("appointment/<str:token>/booking.ics", views.ics_download, name="ics"),
    path("appointment/<str:token>/reschedule/", views.reschedule, name="reschedule"),
    path("registration/<str:token>/", views.registration, name="registration"),
    path("waiting-list/<str:token>/", views.waitlist_entry, name="waitlist_entry"),
]
