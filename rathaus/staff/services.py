"""Writes for staff accounts: create, grant roles, set up and reset the second factor."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.appointments.roles import agent_group
from rathaus.audit.models import Action
from rathaus.audit.services import record
from rathaus.catalog.models import Department
from rathaus.catalog.roles import editor_group
from rathaus.payments.roles import cash_office_group

from .models import DepartmentMembership, DepartmentRole

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator-App"
RECOVERY_DEVICE_NAME = "Wiederherstellungscodes"


@dataclass(frozen=True)
class RoleGrant:
    """A department role to give: ``clerk`` or ``lead`` of the department ``department`` (slug)."""

    role: DepartmentRole
    department: str


class UnknownDepartment(ValueError):
    pass


def confirmed_app(user: User) -> TOTPDevice | None:
    """Return the user's confirmed authenticator app, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_codes_left(user: User) -> int:
    count: int = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return count


@transaction.atomic
def start_enrolment(*, user: User) -> TOTPDevice:
    """Return the app being set up for ``user``, with a new secret unless one is pending."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return pending or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def confirm_enrolment(*, device: TOTPDevice, request: HttpRequest | None = None) -> list[str]:
    """Confirm the app whose code was checked; return the new recovery codes (shown once)."""
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record(action=Action.ENROLLED, request=request, actor=device.user)
    return _new_recovery_codes(device.user)


@transaction.atomic
def renew_recovery_codes(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """Replace the user's recovery codes; the old ones stop working."""
    codes = _new_recovery_codes(user)
    record(action=Action.RECOVERY_CODES_RENEWED, request=request, actor=user)
    return codes


@transaction.atomic
def reset_second_factor(*, user: User, actor_label: str, request: HttpRequest | None = None
                        ) -> None:
    """Remove the user's app and recovery codes: they set up a new app at the next sign-in."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record(action=Action.SECOND_FACTOR_RESET, request=request, actor_label=actor_label,
           target=user, message=f"second factor of {user.get_username()} removed")


@transaction.atomic
def set_password(*, user: User, password: str, request: HttpRequest | None = None) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    record(action=Action.PASSWORD_SET, request=request, actor=user)


@transaction.atomic
def grant_department_role(*, user: User, department: Department, role: DepartmentRole,
                          actor_label: str) -> DepartmentMembership:
    """Give ``user`` the role in ``department``, replacing the role they had there."""
    membership, _ = DepartmentMembership.objects.update_or_create(
        user=user, department=department, defaults={"role": role})
    record(action=Action.ROLE_GRANTED, actor_label=actor_label, target=user,
           department=department, message=f"{role} of {department.slug} to {user.get_username()}")
    return membership


@transaction.atomic
def revoke_department_role(*, membership: DepartmentMembership, actor_label: str) -> None:
    record(action=Action.ROLE_REVOKED, actor_label=actor_label, target=membership.user,
           department=membership.department_id,
           message=f"{membership.role} of {membership.department.slug} "
                   f"from {membership.user.get_username()}")
    membership.delete()


@transaction.atomic
def create_staff_user(*, username: str, email: str, roles: list[RoleGrant], agent: bool = False,
                      administrator: bool = False, cash_office: bool = False,
                      editor: bool = False, actor_label: str) -> User:
    """Create a staff account without a password: its holder sets one through the welcome link."""
    departments = {grant.department: Department.objects.filter(slug=grant.department).first()
                   for grant in roles}
    unknown = sorted(slug for slug, found in departments.items() if found is None)
    if unknown:
        raise UnknownDepartment(", ".join(unknown))
    user = User(username=username, email=email, is_staff=administrator,
                is_superuser=administrator)
    user.set_unusable_password()
    user.save()
    record(action=Action.ACCOUNT_CREATED, actor_label=actor_label, target=user,
           message=f"staff account {username} created")
    for grant in roles:
        department = departments[grant.department]
        assert department is not None
        grant_department_role(user=user, department=department, role=grant.role,
                              actor_label=actor_label)
    if agent:
        user.groups.add(agent_group())
        record(action=Action.ROLE_GRANTED, actor_label=actor_label, target=user,
               message=f"citizens' office agent: {username}")
    if cash_office:
        user.groups.add(cash_office_group())
        record(action=Action.ROLE_GRANTED, actor_label=actor_label, target=user,
               message=f"cash office: {username}")
    if editor:
        user.groups.add(editor_group())
        record(action=Action.ROLE_GRANTED, actor_label=actor_label, target=user,
               message=f"editorial office: {username}")
    return user
