"""The waiting room's page, next to the citizens' appointment pages (see waiting_room.py)."""

from django.urls import path

from . import waiting_room

app_name = "waiting_room"

urlpatterns = [
    path("appointments/<slug:slug>/waiting-room/", waiting_room.wait, name="wait"),
]
