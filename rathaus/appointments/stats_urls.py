"""Staff pages of appointment statistics, under staff/appointments/statistics/."""

from django.urls import path

from . import stats_views

app_name = "appointment_statistics"

urlpatterns = [
    path("", stats_views.calendars, name="calendars"),
    path("<slug:slug>/", stats_views.calendar_statistics, name="calendar"),
]
