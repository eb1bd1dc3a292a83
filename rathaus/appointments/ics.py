"""The calendar file (RFC 5545) attached to a confirmed appointment."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar as ICalendar
from icalendar import Event

from .models import Booking


def booking_ics(booking: Booking, *, summary: str, description: str) -> bytes:
    """Return an iCalendar file with the appointment as one event (cancelled ones too)."""
    location = booking.calendar.location
    ical = ICalendar()
    ical.add("prodid", "-//Rathaus//Termine//DE")
    ical.add("version", "2.0")
    ical.add("method", "CANCEL" if booking.status == "cancelled" else "PUBLISH")
    event = Event()
    host = urlsplit(settings.RATHAUS_BASE_URL).hostname or "rathaus"
    event.add("uid", f"{booking.reference}@{host}")
    event.add("dtstamp", timezone.now())
    # A moved appointment keeps its UID; a higher SEQUENCE makes calendars replace the event.
    event.add("sequence", booking.times_moved)
    event.add("dtstart", booking.slot.starts_at)
    event.add("dtend", booking.slot.ends_at)
    event.add("summary", summary)
    event.add("description", description)
    event.add("location", f"{location.name}, {location.street}, {location.postcode} "
                          f"{location.city}")
    event.add("status", "CANCELLED" if booking.status == "cancelled" else "CONFIRMED")
    ical.add_component(event)
    return bytes(ical.to_ical())
