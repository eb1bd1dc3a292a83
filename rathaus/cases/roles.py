"""Who a member of staff is in a department (clerk or lead), asked of the layer that knows.

Department roles live in rathaus.staff, a layer above this one; it registers its lookup at
start (StaffConfig.ready), so cases never imports staff (DESIGN.md §6b).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from rathaus.catalog.workflow import Role

RoleLookup = Callable[[AbstractBaseUser | AnonymousUser, int], Role | None]

_lookup: list[RoleLookup] = []


def register_role_lookup(lookup: RoleLookup) -> None:
    """Use ``lookup`` to tell a user's role in a department (the last registered wins)."""
    _lookup[:] = [lookup]


def role_of(user: AbstractBaseUser | AnonymousUser, department_id: int) -> Role | None:
    """Return ``user``'s role in the department, or None if they do not work there."""
    if not _lookup or not user.is_authenticated:
        return None
    return _lookup[0](user, department_id)
