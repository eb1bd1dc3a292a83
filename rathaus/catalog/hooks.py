"""What the catalog's pages ask of the layers above it; they provide it at start.

The appointments app provides which calendars can be booked, so that a service page and the
offline needs link to a calendar without the catalog importing appointments.
"""

from __future__ import annotations

from collections.abc import Callable

from rathaus.core.hooks import Hook

# Return those of the given calendar slugs that name an active calendar (one query).
bookable_calendars: Hook[Callable[[set[str]], set[str]]] = Hook("catalog.bookable_calendars")
