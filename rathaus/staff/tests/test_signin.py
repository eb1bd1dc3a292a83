"""Staff sign in with password and authenticator app; the password alone opens nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from rathaus.audit.models import Action, AuditEvent

from .conftest import text
from .factories import PASSWORD, app_of, code_for, staff_user

pytestmark = pytest.mark.django_db

LOGIN = "/en/staff/login/"
CODE = "/en/staff/login/code/"


def password_step(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password, **extra},
                       REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Firefox/140 " + "x" * 300)


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def test_the_password_alone_opens_no_staff_page_and_not_the_admin(client: Client) -> None:
    staff_user("telefon", agent=True, admin=True)
    response = password_step(client, "telefon")
    assert response.status_code == 302
    assert response["Location"] == CODE

    appointments = client.get("/en/staff/appointments/")
    assert appointments.status_code == 302
    assert appointments["Location"].startswith(f"{LOGIN}?next=/en/staff/appointments/")
    admin = client.get("/admin/", follow=True)
    assert admin.redirect_chain[-1][0].startswith("/de/staff/login/?next=/admin/")
    assert "Site administration" not in text(admin)
    for page in ("/en/staff/", "/en/staff/submissions/", "/en/staff/appointments/statistics/"):
        assert client.get(page)["Location"].startswith(LOGIN), page


def test_password_then_app_code_signs_in_and_logs_it(client: Client) -> None:
    user = staff_user("telefon", agent=True)
    start = client.get("/en/staff/appointments/")
    login_url = start["Location"]
    page = client.get(login_url)
    assert 'name="next" value="/en/staff/appointments/"' in page.content.decode()
    assert 'autocomplete="current-password"' in page.content.decode()
    response = client.post(login_url, {"username": "telefon", "password": PASSWORD,
                                       "next": "/en/staff/appointments/"})
    assert response["Location"] == CODE

    page = client.get(CODE)
    body = page.content.decode()
    assert "Enter your security code" in text(page)
    assert 'autocomplete="one-time-code"' in body
    assert 'inputmode="numeric"' in body

    signed_in = client.post(CODE, {"code": code_for(app_of(user))}, REMOTE_ADDR="203.0.113.9")
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/en/staff/appointments/"
    assert "Appointments for callers" in text(client.get("/en/staff/appointments/"))
    home = text(client.get("/en/staff/"))
    assert "Signed in as telefon" in home
    assert "Citizens’ office agent" in home

    event = AuditEvent.objects.get(action=Action.SIGNIN)
    assert (event.actor, event.actor_label, event.ip_address) == (user, "telefon", "203.0.113.9")
    assert event.message == "authenticator app"


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(client: Client) -> None:
    staff_user("telefon")
    wrong = password_step(client, "telefon", "not-the-password")
    unknown = password_step(client, "niemand", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "The user name or the password is not correct." in text(response)
        assert 'href="#id_username"' in response.content.decode()
    assert re.sub(r"niemand|telefon", "", text(wrong)) == re.sub(
        r"niemand|telefon", "", text(unknown))
    assert "not-the-password" not in wrong.content.decode()
    failed = list(AuditEvent.objects.filter(action=Action.SIGNIN_FAILED).order_by("pk"))
    assert [(event.actor_label, event.actor) for event in failed] == [
        ("telefon", None), ("niemand", None)]
    assert failed[0].ip_address == "198.51.100.7"
    assert len(failed[0].user_agent) == 200
    assert "not-the-password" not in str(AuditEvent.objects.values_list())


def test_a_wrong_code_is_refused_and_logged(client: Client) -> None:
    user = staff_user("telefon")
    password_step(client, "telefon")
    response = client.post(CODE, {"code": "000000" if code_for(app_of(user)) != "000000"
                                  else "111111"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "This code is not correct." in text(response)
    assert 'href="#id_code"' in body
    assert 'aria-invalid="true"' in body
    assert client.get("/en/staff/")["Location"].startswith(LOGIN)
    event = AuditEvent.objects.get(action=Action.CODE_FAILED)
    assert (event.actor, event.actor_label) == (user, "telefon")


def test_a_used_code_cannot_sign_in_again(client: Client) -> None:
    user = staff_user("telefon")
    code = code_for(app_of(user))
    password_step(client, "telefon")
    assert client.post(CODE, {"code": code})["Location"] == "/en/staff/"
    other = Client()
    password_step(other, "telefon")
    assert "This code is not correct." in text(other.post(CODE, {"code": code}))


def test_the_code_step_needs_the_password_step_first(client: Client) -> None:
    assert client.get(CODE)["Location"] == LOGIN
    assert client.post(CODE, {"code": "123456"})["Location"] == LOGIN
    assert not AuditEvent.objects.exists()


def test_foreign_next_addresses_are_ignored(client: Client) -> None:
    user = staff_user("telefon")
    password_step(client, "telefon", next="https://evil.example/")
    assert client.post(CODE, {"code": code_for(app_of(user))})["Location"] == "/en/staff/"


def test_sign_out_ends_the_session_and_is_logged(client: Client) -> None:
    user = staff_user("telefon")
    password_step(client, "telefon")
    client.post(CODE, {"code": code_for(app_of(user))})
    assert client.get("/en/staff/logout/").status_code == 405
    response = client.post("/en/staff/logout/", follow=True)
    assert "You are signed out." in text(response)
    assert client.get("/en/staff/")["Location"].startswith(LOGIN)
    assert actions() == [Action.SIGNIN, Action.SIGNOUT]


def test_the_admin_wants_the_second_factor_too(client: Client) -> None:
    admin = staff_user("it", admin=True)
    client.force_login(admin)  # a session with the password only
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/de/staff/login/?next=/admin/")

    client.post("/en/staff/logout/")
    password_step(client, "it")
    client.post(CODE, {"code": code_for(app_of(admin))})
    index = client.get("/admin/")
    assert index.status_code == 200
    log = client.get("/admin/audit/auditevent/")
    assert log.status_code == 200
    assert "staff.signin" in log.content.decode() or "Signed in" in text(log)


def test_verified_staff_without_admin_rights_get_403_from_the_admin(client: Client) -> None:
    clerk = staff_user("clerk", clerk_of=("ordnungsamt",))
    password_step(client, "clerk")
    client.post(CODE, {"code": code_for(app_of(clerk))})
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert client.get("/admin/audit/auditevent/", follow=True).status_code == 403
