"""The cash office in tests: a member of the Stadtkasse, payments and bank statements."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import User
from django.test import Client

from rathaus.applications.models import Submission
from rathaus.payments.models import Payment
from rathaus.payments.roles import cash_office_group
from rathaus.payments.tests.journeys import birth_certificate

from .factories import sign_in_verified, staff_user

FILES = Path(__file__).resolve().parents[2] / "payments" / "tests" / "files"


def cashier(username: str = "kasse") -> User:
    """A member of the group "Stadtkasse" with an authenticator app."""
    user = staff_user(username)
    user.groups.add(cash_office_group())
    return user


def signed_in_cashier(client: Client, username: str = "kasse") -> User:
    user = cashier(username)
    sign_in_verified(client, user)
    return user


def transfer_payment(copies: int = 1, *, language: str = "en") -> Payment:
    """A birth certificate applied for through the pages, paid by bank transfer."""
    client = Client()
    journey = birth_certificate(client, copies=copies, language=language)
    assert client.post(journey.step_url, {"payment_method": "transfer"}).status_code == 302
    return Payment.objects.get(submission=Submission.objects.latest("submitted_at"))


def statement(name: str = "sparkasse-camt053-001-02.xml", **kassenzeichen: str) -> bytes:
    """A sample statement whose Kassenzeichen (KZ-2026-000123 = "kz123") are the given ones."""
    data = (FILES / name).read_bytes()
    for number, code in kassenzeichen.items():
        data = data.replace(f"KZ-2026-000{number.removeprefix('kz')}".encode(), code.encode())
    return data
