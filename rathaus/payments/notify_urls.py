"""The providers' notification endpoints: server to server, without a language prefix."""

from django.urls import path

from . import views

app_name = "payment_notify"

urlpatterns = [
    path("<slug:provider>/", views.notify, name="notify"),
]
