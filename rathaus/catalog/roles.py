"""The editor role: staff of the editorial office who edit and publish services.

The role is the Django group ``EDITOR_GROUP`` holding ``EDIT_SERVICES`` (created by migration
0005); docs/staff-accounts.md says how an administrator gives it.
"""

from __future__ import annotations

from django.contrib.auth.models import Group

from rathaus.core.roles import role_group

EDITOR_GROUP = "Redaktion"
EDIT_SERVICES = "catalog.edit_services"


def editor_group() -> Group:
    """Return the editors' group, recreating it (with its permission) if it was deleted."""
    return role_group(EDITOR_GROUP, EDIT_SERVICES)
