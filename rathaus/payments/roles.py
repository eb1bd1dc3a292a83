"""The cash office role: staff of the Stadtkasse who see payments, book and export them.

The role is the Django group ``CASH_OFFICE_GROUP`` holding ``WORK_CASH_OFFICE`` (created by
migration 0003); docs/staff-accounts.md says how an administrator gives it.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

CASH_OFFICE_GROUP = "Stadtkasse"
WORK_CASH_OFFICE = "payments.work_cash_office"


def cash_office_group() -> Group:
    """Return the cash office's group, recreating it (with its permission) if it was deleted."""
    app_label, codename = WORK_CASH_OFFICE.split(".")
    group, created = Group.objects.get_or_create(name=CASH_OFFICE_GROUP)
    if created:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label,
                                                     codename=codename))
    return group
