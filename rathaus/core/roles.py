"""A role is a Django group holding one permission, created by a migration of its app."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission


def role_group(name: str, permission: str) -> Group:
    """Return the role's group, recreating it (with its permission) if it was deleted.

    ``permission`` is "app_label.codename". Tests use this rather than looking the group up:
    a transactional test flushes the rows its app's migration created.
    """
    app_label, codename = permission.split(".")
    group, created = Group.objects.get_or_create(name=name)
    if created:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label,
                                                     codename=codename))
    return group
