"""Staff accounts for tests, signed in through the real form or (for other apps' tests) directly."""

from __future__ import annotations

import time

from django.contrib.auth.models import User
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.appointments.roles import agent_group
from rathaus.catalog.models import Department
from rathaus.staff.models import DepartmentMembership, DepartmentRole
from rathaus.staff.signin import LAST_SEEN

PASSWORD = "Rathaus-Test-2026!"


def department(slug: str) -> Department:
    found, _ = Department.objects.get_or_create(
        slug=slug, defaults={"name_de": slug.title(), "name_en": slug.title(),
                             "email": f"{slug}@example.org"})
    return found


def staff_user(username: str = "clerk", *, clerk_of: tuple[str, ...] = (),
               lead_of: tuple[str, ...] = (), agent: bool = False, admin: bool = False,
               with_app: bool = True) -> User:
    """Return a staff account with PASSWORD (and a confirmed authenticator app)."""
    user = User.objects.create_user(username, f"{username}@example.org", PASSWORD,
                                    is_staff=admin, is_superuser=admin)
    for slug in clerk_of:
        DepartmentMembership.objects.create(user=user, department=department(slug),
                                            role=DepartmentRole.CLERK)
    for slug in lead_of:
        DepartmentMembership.objects.create(user=user, department=department(slug),
                                            role=DepartmentRole.LEAD)
    if agent:
        user.groups.add(agent_group())
    if with_app:
        TOTPDevice.objects.create(user=user, name="Authenticator-App", confirmed=True)
    return user


def app_of(user: User) -> TOTPDevice:
    device: TOTPDevice = TOTPDevice.objects.get(user=user)
    return device


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """Return the code the app shows now (or ``steps_ahead`` periods later, still accepted)."""
    device.refresh_from_db()
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    clock.time = time.time()
    return f"{hotp(device.bin_key, clock.t() + steps_ahead, device.digits):0{device.digits}d}"


def sign_in_verified(client: Client, user: User) -> None:
    """Sign ``user`` in as if password and app code had been entered (for other pages' tests)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator-App", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[LAST_SEEN] = time.time()
    session.save()
