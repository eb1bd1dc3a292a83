"""The IT admin creates staff on the command line; the demo gets staff it can sign in as."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.appointments.roles import BOOK_FOR_CALLERS
from rathaus.audit.models import Action, AuditEvent
from rathaus.staff.demo import DEMO_PASSWORD, DEMO_SECRET

from .conftest import text
from .factories import department, staff_user

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_new_account_gets_a_one_time_link_to_choose_a_password(client: Client) -> None:
    department("ordnungsamt")
    note = run("create_staff_user", "anna", "--email", "anna@example.org",
               "--role", "clerk:ordnungsamt", "--agent")
    user = User.objects.get(username="anna")
    assert not user.has_usable_password()
    assert user.has_perm(BOOK_FOR_CALLERS)
    assert user.department_memberships.get().department.slug == "ordnungsamt"
    link = re.search(r"http://127\.0\.0\.1:8000(/de/staff/welcome/\S+/)", note)
    assert link, note

    page = client.get(link.group(1))
    assert "anna" in text(page)
    short = client.post(link.group(1), {"new_password1": "kurz", "new_password2": "kurz"})
    assert short.status_code == 200
    assert 'aria-invalid="true"' in short.content.decode()
    chosen = "Lindenallee-7a-Hund"
    done = client.post(link.group(1), {"new_password1": chosen, "new_password2": chosen})
    assert done["Location"] == "/de/staff/login/"
    assert client.get(link.group(1)).status_code == 404, "the link works once"
    response = client.post("/de/staff/login/", {"username": "anna", "password": chosen})
    assert response["Location"] == "/de/staff/login/setup/"
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        Action.ACCOUNT_CREATED, Action.ROLE_GRANTED, Action.ROLE_GRANTED, Action.PASSWORD_SET]


def test_unknown_departments_and_existing_names_are_refused() -> None:
    with pytest.raises(CommandError, match="Unknown department: nirgendwo"):
        run("create_staff_user", "anna", "--role", "clerk:nirgendwo")
    assert not User.objects.filter(username="anna").exists()
    staff_user("anna")
    with pytest.raises(CommandError, match="exists already"):
        run("create_staff_user", "anna")


def test_a_lost_phone_resets_the_second_factor(client: Client) -> None:
    staff_user("anna")
    note = run("create_staff_user", "anna", "--reset-second-factor")
    assert "set up again at the next sign-in" in note
    assert not TOTPDevice.objects.filter(user__username="anna").exists()
    assert AuditEvent.objects.get(action=Action.SECOND_FACTOR_RESET).object_id


def test_demo_staff_sign_in_with_the_demo_code(client: Client, catalog: None) -> None:
    run("seed_demo")
    code = run("demo_totp", "steueramt").strip()
    assert re.fullmatch(r"\d{6}", code)
    assert len(DEMO_SECRET) == 32
    client.post("/en/staff/login/", {"username": "steueramt", "password": DEMO_PASSWORD})
    assert client.post("/en/staff/login/code/", {"code": code})["Location"] == "/en/staff/"
    assert "Applications received" in text(client.get("/en/staff/"))
    admin = TOTPDevice.objects.get(user__username="admin")
    assert admin.confirmed


def test_demo_totp_refuses_outside_the_demo(settings: object) -> None:
    settings.RATHAUS_DEV_TOOLS = False  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="only in the development demo"):
        run("demo_totp", "admin")
