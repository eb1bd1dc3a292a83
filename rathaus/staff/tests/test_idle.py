"""Staff sessions end after 15 minutes without a request; citizens' sessions do not."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.backends.cache import SessionStore
from django.http import HttpResponse
from django.test import Client, RequestFactory

from rathaus.audit.models import Action, AuditEvent
from rathaus.staff.middleware import StaffIdleTimeoutMiddleware
from rathaus.staff.signin import LAST_SEEN

from .conftest import text
from .factories import PASSWORD, app_of, code_for, staff_user

pytestmark = pytest.mark.django_db


def signed_in(client: Client) -> None:
    user = staff_user("telefon", agent=True)
    client.post("/en/staff/login/", {"username": "telefon", "password": PASSWORD})
    client.post("/en/staff/login/code/", {"code": code_for(app_of(user))})


def idle_for(client: Client, minutes: float) -> None:
    session = client.session
    session[LAST_SEEN] = time.time() - minutes * 60
    session.save()


def test_after_15_minutes_without_a_request_staff_sign_in_again(client: Client) -> None:
    signed_in(client)
    idle_for(client, 16)
    response = client.get("/en/staff/appointments/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/staff/login/?next=/en/staff/appointments/")
    page = client.get(response["Location"])
    assert "You were signed out because you were inactive for more than 15 minutes." in text(page)
    assert client.get("/en/staff/")["Location"].startswith("/en/staff/login/")
    event = AuditEvent.objects.get(action=Action.IDLE_TIMEOUT)
    assert (event.actor_label, event.message) == ("telefon", "idle for 16 minutes")


def test_activity_keeps_the_session(client: Client) -> None:
    signed_in(client)
    idle_for(client, 14)
    assert client.get("/en/staff/").status_code == 200
    assert time.time() - client.session[LAST_SEEN] < 5, "the request counts as activity"
    idle_for(client, 10)
    assert client.get("/en/staff/").status_code == 200
    assert not AuditEvent.objects.filter(action=Action.IDLE_TIMEOUT).exists()


def test_the_staff_session_ends_with_the_browser(client: Client) -> None:
    signed_in(client)
    assert client.session.get_expire_at_browser_close()


def test_citizens_sessions_carry_no_staff_clock(client: Client) -> None:
    session = client.session
    session["rathaus.something"] = "kept"
    session.save()
    client.get("/en/")
    assert LAST_SEEN not in client.session
    assert client.session["rathaus.something"] == "kept"


def test_visitors_without_a_session_are_not_looked_at() -> None:
    request = RequestFactory().get("/en/")
    request.session = SessionStore()
    StaffIdleTimeoutMiddleware(lambda request: HttpResponse("ok"))(request)
    assert not request.session.accessed, "no session lookup for cookieless visitors"
