"""A mixin for admin classes and inlines whose rows are looked at, never written, in the admin.

Rows like bookings and cases change only through their services (rules, locking, timeline,
audit); their admin pages are for looking things up.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ReadOnly:
    """No adding, changing or deleting through the admin; put it before the admin base class."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
