"""Reads of the citizen pages of appointments worth a name."""

from __future__ import annotations

from django.db.models import Q

from .models import Calendar, WaitlistEntry, WaitlistStatus


def bookable_calendars(slugs: set[str]) -> set[str]:
    """Return those of ``slugs`` that name an active calendar (catalog pages link to them)."""
    return set(Calendar.objects.filter(slug__in=slugs, is_active=True)
               .values_list("slug", flat=True))


def waitlist_position(entry: WaitlistEntry) -> int:
    """Return the entry's number on its waiting list: 1 is offered the next free place.

    Counted in the order ``offer_waitlist_places`` offers places: joined earlier, then lower id.
    """
    ahead = WaitlistEntry.objects.filter(
        Q(created_at__lt=entry.created_at) | Q(created_at=entry.created_at, pk__lt=entry.pk),
        calendar_id=entry.calendar_id, status=WaitlistStatus.WAITING).count()
    return ahead + 1
