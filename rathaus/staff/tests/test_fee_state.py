"""The clerk sees where the fee stands: a workbasket filter, the row's marker, the case page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission
from rathaus.cases.models import Case, CaseEvent, EventKind, FeeState
from rathaus.cases.tests.factories import dog_registration
from rathaus.payments.models import Payment
from rathaus.payments.services import apply_booking
from rathaus.payments.tests.journeys import birth_certificate

from .conftest import text
from .factories import sign_in_verified, staff_user

pytestmark = pytest.mark.django_db
URL = "/en/staff/submissions/"


@pytest.fixture
def registrar(db: Any) -> User:
    return staff_user("standes", clerk_of=("standesamt", "steueramt"))


def references(response: Any) -> list[str]:
    return re.findall(r'class="kern-link reference" href="[^"]+">([^<]+)<',
                      response.content.decode())


def birth_certificate_by_transfer() -> Payment:
    journey = birth_certificate(Client(), copies=2)
    response = journey.client.post(journey.step_url, {"payment_method": "transfer"})
    assert response.status_code == 302
    return Payment.objects.get(submission=Submission.objects.latest("pk"))


def test_a_case_waits_for_payment_until_the_fee_is_booked(
        catalog: None, registrar: User, django_assert_num_queries: Any) -> None:
    dog = dog_registration()  # no fee
    payment = birth_certificate_by_transfer()
    case = Case.objects.get(submission=payment.submission)
    assert case.fee == FeeState.DUE
    clerk = Client()
    sign_in_verified(clerk, registrar)

    page = clerk.get(URL)
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{case.reference}(?:(?!</tr>).)*</tr>",
                    page.content.decode(), flags=re.S)
    assert row
    assert '<span class="fee fee--due">waiting for payment</span>' in row.group(0)
    with django_assert_num_queries(6):  # the fee is the case's own column: no query more
        assert references(clerk.get(URL, {"fee": "due"})) == [case.reference]
    assert references(clerk.get(URL, {"fee": "paid"})) == []
    assert references(clerk.get(URL, {"fee": "none"})) == [dog.reference]
    case_page = text(clerk.get(f"/en/staff/submissions/{case.reference}/"))
    assert f"Fee waiting for payment (24.00 €, Kassenzeichen {payment.kassenzeichen})" in (
        case_page)

    version = case.version
    apply_booking(kassenzeichen=payment.kassenzeichen, amount_cents=2400,
                  booked_at=timezone.now(), fields={})
    case.refresh_from_db()
    assert case.fee == FeeState.PAID
    assert case.version == version  # no clerk's open page is refused for it
    assert CaseEvent.objects.filter(case=case, kind=EventKind.FEE_PAID).count() == 1
    assert references(clerk.get(URL, {"fee": "paid"})) == [case.reference]
    assert references(clerk.get(URL, {"fee": "due"})) == []
    case_page = text(clerk.get(f"/en/staff/submissions/{case.reference}/"))
    assert f"Fee paid (Kassenzeichen and amount: {payment.kassenzeichen} 24.00 EUR)" in case_page
    assert "waiting for payment" not in case_page


def test_a_wrong_fee_filter_is_named_never_a_500(catalog: None, registrar: User) -> None:
    clerk = Client()
    sign_in_verified(clerk, registrar)
    response = clerk.get(URL, {"fee": "<script>"})
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)


def test_the_clerk_reads_how_a_fee_by_metres_and_days_was_calculated(catalog: None) -> None:
    from rathaus.applications.tests.journey import Journey
    from rathaus.applications.tests.test_service_halteverbot_umzug import (
        APPLICANT,
        PLACE,
        german,
    )

    journey = Journey(Client(), "halteverbot-umzug", language="en").start()
    journey.answer("place", PLACE)
    journey.answer("time", {"date_from": german(20), "date_until": german(22),
                            "time_from": "07:00", "time_until": "18:00"})
    journey.answer("signs", {"signs_by": "company", "sign_company": "Umzüge Krause",
                             "sign_company_phone": "05121 777888"})
    journey.answer("applicant", APPLICANT)
    journey.answer("declaration", {"obligations": "yes"})
    submission = journey.submit()
    clerk = Client()
    sign_in_verified(clerk, staff_user("ordnung", clerk_of=("ordnungsamt",)))

    page = text(clerk.get(f"/en/staff/submissions/{submission.reference}/"))
    assert "No-parking zone per metre and day 15 m × 3 days × 0.60 € 27.00 €" in page
    assert "Daily from 07:00" in page
    assert "57.00 €" in page
