"""The cash office role: staff of the Stadtkasse who see payments, book and export them.

The role is the Django group ``CASH_OFFICE_GROUP`` holding ``WORK_CASH_OFFICE`` (created by
migration 0003); docs/staff-accounts.md says how an administrator gives it.
"""

from __future__ import annotations

from django.contrib.auth.models import Group

from rathaus.core.roles import role_group

CASH_OFFICE_GROUP = "Stadtkasse"
WORK_CASH_OFFICE = "payments.work_cash_office"


def cash_office_group() -> Group:
    """Return the cash office's group, recreating it (with its permission) if it was deleted."""
    return role_group(CASH_OFFICE_GROUP, WORK_CASH_OFFICE)
