"""Reads for staff pages: a member of staff sees the submissions of their departments only."""

from __future__ import annotations

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


def works_in_a_department(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Return whether ``user`` has an inbox: a department role, or administrator."""
    if not user.is_authenticated:
        return False
    return bool(getattr(user, "is_superuser", False)) or memberships(user).exists()


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
