"""The IT admin creates staff on the command line; the demo gets staff it can sign in as."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.applications.models import Submission
from rathaus.appointments.roles import BOOK_FOR_CALLERS
from rathaus.audit.models import Action, AuditEvent
from rathaus.cases.services import open_case
from rathaus.catalog.models import Service
from rathaus.staff.demo import DEMO_PASSWORD, DEMO_SECRET, DEMO_STAFF
from rathaus.staff.models import DepartmentMembership

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
    assert "Workbasket" in text(client.get("/en/staff/"))
    admin = TOTPDevice.objects.get(user__username="admin")
    assert admin.confirmed


def test_demo_totp_refuses_outside_the_demo(settings: object) -> None:
    settings.RATHAUS_DEV_TOOLS = False  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="only in the development demo"):
        run("demo_totp", "admin")


def test_every_department_that_receives_applications_has_a_demo_clerk(catalog: None) -> None:
    run("seed_demo")
    receiving = {service.department.slug for service in Service.objects.select_related(
        "department", "current_version") if service.current_version is not None
        and "form" in service.current_version.spec.channels}
    assert {"buergerbuero", "steueramt", "ordnungsamt", "soziales"} <= receiving
    with_clerk = set(DepartmentMembership.objects.filter(
        user__username__in=[name for name, _roles, _agent in DEMO_STAFF],
    ).values_list("department__slug", flat=True))
    assert receiving <= with_clerk, receiving - with_clerk


def test_the_demo_agent_of_the_buergerbuero_sees_its_applications(
        client: Client, catalog: None) -> None:
    run("seed_demo")
    service = Service.objects.select_related("current_version", "department").get(
        slug="meldebescheinigung")
    assert service.current_version is not None
    mine = Submission.objects.create(
        draft_key=uuid.uuid4(), service=service, service_version=service.current_version,
        department=service.department, answers={}, language="de")
    open_case(submission=mine)
    client.post("/de/staff/login/", {"username": "buergerbuero", "password": DEMO_PASSWORD})
    client.post("/de/staff/login/code/", {"code": run("demo_totp", "buergerbuero").strip()})
    home = text(client.get("/de/staff/"))
    assert "Arbeitskorb" in home
    assert User.objects.get(username="buergerbuero").has_perm(BOOK_FOR_CALLERS)

    inbox = client.get("/de/staff/submissions/")
    assert inbox.status_code == 200
    assert mine.reference in text(inbox)
    item = client.get(f"/de/staff/submissions/{mine.reference}/")
    assert item.status_code == 200
    assert "Meldebescheinigung" in text(item)


def test_seeding_again_gives_older_demo_accounts_their_new_roles(catalog: None) -> None:
    staff_user("buergerbuero", agent=True)
    run("seed_demo")
    assert DepartmentMembership.objects.get(user__username="buergerbuero").department.slug == (
        "buergerbuero")


def test_an_editor_account_gets_the_redaktion_role() -> None:
    run("create_staff_user", "erik", "--editor")
    user = User.objects.get(username="erik")
    assert user.has_perm("catalog.edit_services")
    assert list(user.groups.values_list("name", flat=True)) == ["Redaktion"]
    assert AuditEvent.objects.filter(action=Action.ROLE_GRANTED,
                                     message="editorial office: erik").exists()
