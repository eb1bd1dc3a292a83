"""Demo staff for the development demo only (seed_demo refuses production settings).

Every demo account has a known password and the same fixed authenticator secret, so that
``manage.py demo_totp USER`` or any authenticator app with DEMO_SECRET can produce the code.
"""

from __future__ import annotations

from base64 import b32encode

from django.contrib.auth.models import User
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.appointments.roles import agent_group
from rathaus.catalog.models import Department

from .models import DepartmentMembership, DepartmentRole
from .services import APP_DEVICE_NAME

DEMO_KEY = b"rathaus-demo-2fa-key"
DEMO_SECRET = b32encode(DEMO_KEY).decode()
DEMO_PASSWORD = "rathaus-demo-staff"  # noqa: S105 (demo only, documented in the README)
# user name, department role (slug), citizens' office agent
DEMO_STAFF = [
    ("steueramt", ("clerk", "steueramt"), False),
    ("ordnungsamt", ("clerk", "ordnungsamt"), False),
    ("ordnungsamt-leitung", ("lead", "ordnungsamt"), False),
    ("buergerbuero", None, True),
]


def _with_demo_app(user: User) -> None:
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, key=DEMO_KEY.hex(),
                                  confirmed=True)


@transaction.atomic
def seed_demo_staff(*, admin_username: str = "admin") -> list[str]:
    """Create the demo staff (once); give the demo admin the demo app too. Return new names."""
    created = []
    admin = User.objects.filter(username=admin_username).first()
    if admin is not None:
        _with_demo_app(admin)
    for username, role, agent in DEMO_STAFF:
        user, new = User.objects.get_or_create(username=username,
                                               defaults={"email": f"{username}@localhost"})
        if not new:
            continue
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        _with_demo_app(user)
        if role is not None:
            department = Department.objects.filter(slug=role[1]).first()
            if department is not None:
                DepartmentMembership.objects.create(user=user, department=department,
                                                    role=DepartmentRole(role[0]))
        if agent:
            user.groups.add(agent_group())
        created.append(username)
    return created
