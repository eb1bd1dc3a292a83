"""Five failures per user name within 15 minutes lock it for 15 minutes, passwords and codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from rathaus.audit.models import Action, AuditEvent

from .conftest import text
from .factories import PASSWORD, app_of, code_for, staff_user

pytestmark = pytest.mark.django_db

LOGIN = "/en/staff/login/"
CODE = "/en/staff/login/code/"
LOCKED = "Sign-in locked for a while"


def sign_in(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def test_five_wrong_passwords_lock_even_the_right_one_out_until_the_lock_expires(
        client: Client) -> None:
    user = staff_user("telefon")
    for attempt in range(4):
        response = sign_in(client, "telefon", f"wrong-{attempt}")
        assert response.status_code == 200
        assert LOCKED not in text(response)
    fifth = sign_in(client, "telefon", "wrong-4")
    assert fifth.status_code == 429
    assert LOCKED in text(fifth)
    assert "locked for 15 minutes" in text(fifth)

    right = sign_in(client, "telefon", PASSWORD)
    assert right.status_code == 429
    assert LOCKED in text(right)
    assert client.get(CODE)["Location"] == LOGIN, "the right password got no further"

    counted = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    # axes reports the lock-out while the fifth failure is being counted, so it comes first.
    assert counted == [Action.SIGNIN_FAILED] * 4 + [
        Action.LOCKED_OUT, Action.SIGNIN_FAILED, Action.SIGNIN_REFUSED_LOCKED]
    assert AuditEvent.objects.get(action=Action.LOCKED_OUT).actor_label == "telefon"

    # 15 minutes after the last failure, the lock is over.
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert sign_in(client, "telefon", PASSWORD)["Location"] == CODE
    assert client.post(CODE, {"code": code_for(app_of(user))})["Location"] == "/en/staff/"


def test_the_lock_is_per_user_name(client: Client) -> None:
    staff_user("telefon")
    staff_user("kasse")
    for attempt in range(5):
        sign_in(client, "telefon", f"wrong-{attempt}")
    assert sign_in(Client(), "kasse", PASSWORD)["Location"] == CODE


def test_an_unknown_user_name_locks_the_same_way(client: Client) -> None:
    staff_user("telefon")
    responses = [sign_in(client, name, "wrong") for name in ["niemand"] * 5]
    assert [response.status_code for response in responses] == [200] * 4 + [429]
    telefon = [sign_in(Client(), "telefon", "wrong") for _ in range(5)]
    assert text(responses[-1]) == text(telefon[-1]), "the lock tells nothing about the name"


def test_wrong_codes_count_towards_the_lock_out(client: Client) -> None:
    user = staff_user("telefon")
    for attempt in range(3):
        sign_in(client, "telefon", f"wrong-{attempt}")
    assert sign_in(client, "telefon", PASSWORD)["Location"] == CODE
    wrong = "000000" if code_for(app_of(user)) != "000000" else "111111"
    assert "This code is not correct." in text(client.post(CODE, {"code": wrong}))
    locked = client.post(CODE, {"code": wrong})
    assert locked.status_code == 429
    assert LOCKED in text(locked)
    # Even the right code does not help now, nor starting again.
    assert client.post(CODE, {"code": code_for(app_of(user))})["Location"] == LOGIN
    assert sign_in(client, "telefon", PASSWORD).status_code == 429
    assert AuditEvent.objects.filter(action=Action.CODE_FAILED).count() == 2
    assert AuditEvent.objects.filter(action=Action.LOCKED_OUT).count() == 1


def test_a_complete_sign_in_forgets_earlier_failures(client: Client) -> None:
    user = staff_user("telefon")
    for attempt in range(4):
        sign_in(client, "telefon", f"wrong-{attempt}")
    sign_in(client, "telefon", PASSWORD)
    client.post(CODE, {"code": code_for(app_of(user))})
    client.post("/en/staff/logout/")
    assert sign_in(client, "telefon", "one-typo").status_code == 200
    assert sign_in(client, "telefon", PASSWORD)["Location"] == CODE
