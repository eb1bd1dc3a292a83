from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "rathaus.appointments"
    label = "appointments"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        from rathaus.catalog import hooks

        from .selectors import bookable_calendars

        hooks.bookable_calendars.provide(bookable_calendars)

        from . import metrics  # noqa: F401 -- registers the bookings figure
