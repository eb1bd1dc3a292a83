"""The agent role: citizens' office staff who book, move and cancel for callers.

The role is the Django group ``AGENT_GROUP`` holding ``BOOK_FOR_CALLERS`` (created by migration
0002); the department roles are in rathaus.staff (docs/staff-accounts.md).
"""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import transaction

from rathaus.core.roles import role_group

AGENT_GROUP = "Bürgerbüro"
BOOK_FOR_CALLERS = "appointments.book_for_callers"


def agent_group() -> Group:
    """Return the agents' group, recreating it (with its permission) if it was deleted."""
    return role_group(AGENT_GROUP, BOOK_FOR_CALLERS)


@transaction.atomic
def ensure_agent(*, username: str) -> tuple[User, bool]:
    """Return the agent account ``username``, creating it without a password if needed."""
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(agent_group())
    return user, created
