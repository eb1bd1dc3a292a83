from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.catalog.models import Department


class DepartmentRole(models.TextChoices):
    CLERK = "clerk", _("Clerk (Sachbearbeitung)")
    LEAD = "lead", _("Lead (Leitung)")


class DepartmentMembership(models.Model):
    """A member of staff working in a department: sees its submissions, and only those.

    The global roles are elsewhere: citizens' office agents are the group "Bürgerbüro"
    (rathaus.appointments.roles), administrators are superusers.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, related_name="department_memberships")
    department = models.ForeignKey(Department, verbose_name=_("department"),
                                   on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=DepartmentRole.choices,
                            default=DepartmentRole.CLERK)
    granted_at = models.DateTimeField(_("granted on"), auto_now_add=True)

    class Meta:
        ordering = ["department__name_de", "user__username"]
        verbose_name = _("department role")
        verbose_name_plural = _("department roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "department"],
                                    name="staff_one_role_per_department"),
            models.CheckConstraint(condition=models.Q(role__in=DepartmentRole.values),
                                   name="staff_known_department_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.department}"
