"""Who a member of staff is in a department (clerk or lead), asked of the layer that knows.

Department roles live in rathaus.staff, a layer above this one; it provides the lookup at start
(StaffConfig.ready) through the hook below, so cases never imports staff (DESIGN.md §6b).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from rathaus.core.hooks import Hook
from rathaus.forms.workflow import Role

RoleLookup = Callable[[AbstractBaseUser | AnonymousUser, int], Role | None]

# Provided by staff: the user's role in the department, or None if they do not work there.
department_role: Hook[RoleLookup] = Hook("cases.department_role")


def role_of(user: AbstractBaseUser | AnonymousUser, department_id: int) -> Role | None:
    """Return ``user``'s role in the department, or None if they do not work there."""
    if not user.is_authenticated:
        return None
    return department_role.call(user, department_id)
