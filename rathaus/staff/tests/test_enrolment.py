"""First sign-in: set up the app (QR code and key), get recovery codes, use one of them."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.audit.models import Action, AuditEvent

from .conftest import text
from .factories import PASSWORD, code_for, staff_user

pytestmark = pytest.mark.django_db

LOGIN = "/en/staff/login/"
SETUP = "/en/staff/login/setup/"
CODE = "/en/staff/login/code/"


def secret_on(page: str) -> str:
    match = re.search(r'<code class="hash secret" id="secret">([A-Z2-7 ]+)</code>', page)
    assert match, "the key is shown as text"
    return match.group(1).replace(" ", "")


def enrol(client: Client, username: str) -> list[str]:
    """Sign in for the first time and set up the app; return the recovery codes shown."""
    assert client.post(LOGIN, {"username": username, "password": PASSWORD})["Location"] == SETUP
    client.get(SETUP)
    device = TOTPDevice.objects.get(user__username=username)
    response = client.post(SETUP, {"code": code_for(device)})
    assert response["Location"] == "/en/staff/recovery-codes/"
    page = client.get("/en/staff/recovery-codes/").content.decode()
    return re.findall(r'<code class="hash">([a-z2-7]{4}-[a-z2-7]{4})</code>', page)


def test_first_sign_in_sets_up_the_app_with_qr_code_and_key(client: Client) -> None:
    staff_user("neu", with_app=False)
    response = client.post(LOGIN, {"username": "neu", "password": PASSWORD})
    assert response["Location"] == SETUP
    assert client.get(CODE)["Location"] == SETUP, "no app yet: nothing to enter a code from"

    page = client.get(SETUP)
    body = page.content.decode()
    assert "Set up two-factor authentication" in text(page)
    assert re.search(r'<img class="qr-code" src="data:image/svg\+xml;', body)
    assert 'alt="QR code for the authenticator app.' in body
    device = TOTPDevice.objects.get(user__username="neu")
    assert not device.confirmed
    assert b32decode(secret_on(body)) == device.bin_key
    assert 'autocomplete="one-time-code"' in body
    assert 'inputmode="numeric"' in body
    # The page reloaded shows the same key, not a new one.
    assert secret_on(client.get(SETUP).content.decode()) == secret_on(body)
    assert client.get("/en/staff/")["Location"].startswith(LOGIN), "not signed in yet"


def test_a_wrong_code_does_not_confirm_the_app(client: Client) -> None:
    staff_user("neu", with_app=False)
    client.post(LOGIN, {"username": "neu", "password": PASSWORD})
    client.get(SETUP)
    device = TOTPDevice.objects.get(user__username="neu")
    wrong = "000000" if code_for(device) != "000000" else "111111"
    response = client.post(SETUP, {"code": wrong})
    assert "This code is not correct." in text(response)
    assert 'href="#id_code"' in response.content.decode()
    letters = client.post(SETUP, {"code": "abc"})
    assert "Enter the 6 digits your authenticator app shows." in text(letters)
    device.refresh_from_db()
    assert not device.confirmed
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [Action.CODE_FAILED]


def test_confirming_the_app_shows_ten_recovery_codes_once(client: Client) -> None:
    user = staff_user("neu", with_app=False)
    codes = enrol(client, "neu")
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=user).confirmed
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
                  ) == sorted(code.replace("-", "") for code in codes)
    again = client.get("/en/staff/recovery-codes/")
    assert again["Location"] == "/en/staff/", "shown only once"
    assert "You have 10 unused recovery codes." in text(client.get("/en/staff/"))
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        Action.ENROLLED, Action.SIGNIN]


def test_a_recovery_code_signs_in_once(client: Client) -> None:
    staff_user("neu", with_app=False)
    codes = enrol(client, "neu")
    client.post("/en/staff/logout/")

    client.post(LOGIN, {"username": "neu", "password": PASSWORD})
    page = client.get(CODE).content.decode()
    assert "Use a recovery code" in page
    response = client.post(CODE, {"recovery": codes[3].upper().replace("-", " ")}, follow=True)
    assert response.redirect_chain[-1][0] == "/en/staff/"
    assert "You signed in with a recovery code" in text(response)
    assert "9 recovery codes are left" in text(response)
    event = AuditEvent.objects.get(action=Action.RECOVERY_CODE_USED)
    assert (event.actor_label, event.message) == ("neu", "9 recovery codes left")
    client.post("/en/staff/logout/")

    client.post(LOGIN, {"username": "neu", "password": PASSWORD})
    reused = client.post(CODE, {"recovery": codes[3]})
    assert reused.status_code == 200
    assert "This recovery code is not correct or has already been used." in text(reused)
    assert ' open>' in reused.content.decode(), "the recovery form stays open with its error"
    assert client.get("/en/staff/")["Location"].startswith(LOGIN)


def test_new_recovery_codes_replace_the_old_ones(client: Client) -> None:
    staff_user("neu", with_app=False)
    old = enrol(client, "neu")
    response = client.post("/en/staff/recovery-codes/new/", follow=True)
    new = re.findall(r'<code class="hash">([a-z2-7]{4}-[a-z2-7]{4})</code>',
                     response.content.decode())
    assert len(new) == 10
    assert not set(new) & set(old)
    assert AuditEvent.objects.filter(action=Action.RECOVERY_CODES_RENEWED).count() == 1
