"""The clerk sees on the case page whether the fee is paid, and every message about it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rathaus.cases.models import Case
from rathaus.payments.models import Payment, PaymentEvent
from rathaus.payments.providers.base import Outcome
from rathaus.payments.tests import double
from rathaus.payments.tests.conftest import DOUBLE, SECRET
from rathaus.payments.tests.journeys import birth_certificate

from .conftest import text
from .factories import sign_in_verified, staff_user

pytestmark = pytest.mark.django_db


def test_the_case_page_shows_the_payment_and_its_messages(catalog: None,
                                                          settings: Any) -> None:
    settings.RATHAUS_PAYMENT_PROVIDERS = DOUBLE
    citizen = Client()
    journey = birth_certificate(citizen, copies=2)
    citizen.post(journey.step_url, {"payment_method": "double"})
    payment = Payment.objects.get()
    case = Case.objects.get(submission=payment.submission)
    clerk = Client()
    sign_in_verified(clerk, staff_user("standes", clerk_of=("standesamt",)))
    page = text(clerk.get(f"/en/staff/submissions/{case.reference}/"))
    assert f"Kassenzeichen {payment.kassenzeichen}" in page
    assert "Payment status not paid yet" in page
    assert "Method Testkasse" in page

    request_id = payment.attempts.get().request_id
    forged = double.message(SECRET, request_id=request_id, outcome=Outcome.PAID)
    forged["hash"] = "0" * 64
    citizen.post("/payments/notify/double/", forged)
    citizen.post("/payments/notify/double/",
                 double.message(SECRET, request_id=request_id, outcome=Outcome.PAID))
    page = text(clerk.get(f"/en/staff/submissions/{case.reference}/"))
    assert "Payment status paid" in page
    assert "Paid on" in page
    assert "Cost centre 122010.431100" in page
    assert "start at the provider (double) pending, 24.00 € applied" in page
    assert "notification (double) paid, 24.00 € applied" in page
    # The forged one is logged, unattached: an unverified message names no payment.
    assert "rejected" not in page
    assert PaymentEvent.objects.filter(verdict="rejected", payment=None).count() == 1
