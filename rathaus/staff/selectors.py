"""Reads for staff pages: a member of staff sees the submissions of their departments only."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from rathaus.applications.models import Submission
from rathaus.catalog.models import Department
from rathaus.forms.workflow import Role

from .models import DepartmentMembership, DepartmentRole


def memberships(user: AbstractBaseUser | AnonymousUser) -> QuerySet[DepartmentMembership]:
    if not user.is_authenticated:
        return DepartmentMembership.objects.none()
    return DepartmentMembership.objects.filter(user_id=user.pk).select_related("department")


@dataclass(frozen=True)
class Colleagues:
    """A member of staff's departments, whether they lead one, and who works in them."""

    departments: list[Department]  # by German name
    leads: bool  # leads at least one of them (administrators count as leads)
    people: list[tuple[int, str]]  # active staff of those departments: (pk, name), by name


_FACTS = "_rathaus_colleagues"


def colleagues(user: AbstractBaseUser | AnonymousUser) -> Colleagues:
    """Return ``user``'s departments and colleagues, read in one query per request.

    Kept on the user object, which lives for one request: the access check and the page
    share the read, and the next request reads again, so nothing is ever stale.
    """
    known = getattr(user, _FACTS, None)
    if isinstance(known, Colleagues):
        return known
    if not user.is_authenticated:
        facts = Colleagues([], False, [])
    else:
        superuser = bool(getattr(user, "is_superuser", False))
        found = DepartmentMembership.objects.select_related("department", "user").order_by()
        if not superuser:
            found = found.filter(department_id__in=DepartmentMembership.objects.filter(
                user_id=user.pk).values("department_id"))
        rows = list(found)
        departments = (list(Department.objects.order_by("name_de")) if superuser else sorted(
            {row.department_id: row.department for row in rows if row.user_id == user.pk}
            .values(), key=lambda department: department.name_de))
        people = sorted({row.user_id: row.user for row in rows if row.user.is_active}.values(),
                        key=lambda person: (person.last_name, person.first_name,
                                            person.username))
        facts = Colleagues(departments, superuser or any(
            row.role == DepartmentRole.LEAD for row in rows if row.user_id == user.pk),
            [(person.pk, person.get_full_name() or person.get_username())
             for person in people])
    setattr(user, _FACTS, facts)
    return facts


def works_in_a_department(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Return whether ``user`` has an inbox: a department role, or administrator."""
    if not user.is_authenticated:
        return False
    return bool(getattr(user, "is_superuser", False)) or bool(colleagues(user).departments)


def departments_of(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Department]:
    """Return the departments whose submissions ``user`` may open (all for administrators)."""
    if not user.is_authenticated:
        return Department.objects.none()
    if getattr(user, "is_superuser", False):
        return Department.objects.all()
    return Department.objects.filter(memberships__user_id=user.pk)


def visible_submissions(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Submission]:
    """Return the submissions ``user`` may open, newest first."""
    submissions = Submission.objects.order_by("-submitted_at", "-pk")
    if not user.is_authenticated:
        return submissions.none()
    if getattr(user, "is_superuser", False):
        return submissions
    return submissions.filter(department_id__in=DepartmentMembership.objects.filter(
        user_id=user.pk).values("department_id"))


def may_open(user: AbstractBaseUser | AnonymousUser, submission: Submission) -> bool:
    if not user.is_authenticated:
        return False
    return bool(getattr(user, "is_superuser", False)) or DepartmentMembership.objects.filter(
        user_id=user.pk, department_id=submission.department_id).exists()


def role_in(user: AbstractBaseUser | AnonymousUser, department_id: int) -> Role | None:
    """Return ``user``'s role in the department for case work; administrators act as leads."""
    if not user.is_authenticated or not getattr(user, "is_active", True):
        return None
    if getattr(user, "is_superuser", False):
        return "lead"
    role = DepartmentMembership.objects.filter(
        user_id=user.pk, department_id=department_id).values_list("role", flat=True).first()
    if role is None:
        return None
    return "lead" if role == DepartmentRole.LEAD else "clerk"
