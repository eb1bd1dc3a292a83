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
from rathaus.catalog.roles import editor_group
from rathaus.payments.roles import cash_office_group

from .models import DepartmentMembership, DepartmentRole
from .services import APP_DEVICE_NAME

DEMO_KEY = b"rathaus-demo-2fa-key"
DEMO_SECRET = b32encode(DEMO_KEY).decode()
DEMO_PASSWORD = "rathaus-demo-staff"  # noqa: S105 (demo only, documented in the README)
# User name, department roles (role, department slug), citizens' office agent. Every department
# that receives applications in services/ has a clerk (a test checks it); the Bürgerbüro's
# account is its agent on the phone and its clerk for the registration certificates.
DEMO_STAFF: list[tuple[str, tuple[tuple[str, str], ...], bool]] = [
    ("steueramt", (("clerk", "steueramt"),), False),
    ("ordnungsamt", (("clerk", "ordnungsamt"),), False),
    ("ordnungsamt-leitung", (("lead", "ordnungsamt"),), False),
    ("buergerbuero", (("clerk", "buergerbuero"),), True),
    ("standesamt", (("clerk", "standesamt"),), False),
    ("stadtentwaesserung", (("clerk", "stadtentwaesserung"),), False),
    ("kita", (("clerk", "kindertagesstaetten"),), False),
    ("soziales", (("clerk", "soziales"),), False),
    ("barrierefreiheit", (("clerk", "barrierefreiheit"),), False),
    ("wahlamt", (("clerk", "wahlamt"),), False),
    ("tiefbau", (("clerk", "tiefbau"),), False),
    ("bauhof", (("clerk", "bauhof"),), False),
    ("bauverwaltung", (("clerk", "bauverwaltung"),), False),
    ("umwelt", (("clerk", "umwelt"),), False),
    ("friedhof", (("clerk", "friedhofsverwaltung"),), False),
    ("liegenschaften", (("clerk", "liegenschaften"),), False),
    # Also the cash office below: the direct debit mandates come to its inbox.
    ("stadtkasse", (("clerk", "stadtkasse"),), False),
]
# The cash office (group Stadtkasse): payments, statement imports, exports.
DEMO_CASH_OFFICE = ("stadtkasse",)
# The editorial office (group Redaktion): the service editor.
DEMO_EDITORS = ("redaktion",)


def _with_demo_app(user: User) -> None:
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, key=DEMO_KEY.hex(),
                                  confirmed=True)


@transaction.atomic
def seed_demo_staff(*, admin_username: str = "admin") -> list[str]:
    """Create the demo staff (once); give the demo admin the demo app too. Return new names.

    Accounts of an older demo keep their password but get the roles they lack.
    """
    created = []
    admin = User.objects.filter(username=admin_username).first()
    if admin is not None:
        _with_demo_app(admin)
    named = {name for name, _roles, _agent in DEMO_STAFF}
    for username, roles, agent in [*DEMO_STAFF, *((name, (), False)
                                                  for name in (*DEMO_CASH_OFFICE,
                                                               *DEMO_EDITORS)
                                                  if name not in named)]:
        user, new = User.objects.get_or_create(username=username,
                                               defaults={"email": f"{username}@localhost"})
        if new:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            _with_demo_app(user)
            created.append(username)
        for role, slug in roles:
            department = Department.objects.filter(slug=slug).first()
            if department is None:
                continue
            _membership, granted = DepartmentMembership.objects.get_or_create(
                user=user, department=department, defaults={"role": DepartmentRole(role)})
            if granted and not department.notify_email:
                # New applications are announced in the demo's outbox (/dev/outbox/).
                department.notify_email = department.email
                department.save(update_fields=["notify_email"])
        if agent:
            user.groups.add(agent_group())
        if username in DEMO_CASH_OFFICE:
            user.groups.add(cash_office_group())
        if username in DEMO_EDITORS:
            user.groups.add(editor_group())
    return created
