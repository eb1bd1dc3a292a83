"""The payment services without the browser: amounts, booking texts, bank statement lines."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission
from rathaus.payments import services
from rathaus.payments.models import Payment, PaymentEvent, PaymentState, Verdict

from .journeys import birth_certificate

pytestmark = pytest.mark.django_db

BOOKED = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)


def test_amounts_are_exact_integer_cents() -> None:
    assert services.to_cents(Decimal("24.00")) == 2400
    assert services.to_cents("0.1") == 10
    assert services.to_cents(Decimal("12.345")) == 1235
    assert services.to_cents(0) == 0


def test_the_secrets_of_a_message_are_not_logged() -> None:
    fields = {"gcHash": "abc", "password": "x", "client_secret": "y", "amount": "2400",
              "X-Signature": "z", "access_token": "t", "gcReference": "R1"}
    assert services.safe_fields(fields) == {"amount": "2400", "gcReference": "R1"}


def open_transfer(copies: int = 1) -> Payment:
    client = Client()
    journey = birth_certificate(client, copies=copies)
    assert client.post(journey.step_url, {"payment_method": "transfer"}).status_code == 302
    return Payment.objects.get(submission=Submission.objects.latest("submitted_at"))


def test_a_bank_statement_line_marks_the_exact_amount_paid_once(catalog: None) -> None:
    payment = open_transfer(copies=2)
    assert payment.amount_cents == 2400
    partial = services.apply_booking(kassenzeichen=payment.kassenzeichen, amount_cents=1200,
                                     booked_at=BOOKED, fields={"line": "1"})
    foreign = services.apply_booking(kassenzeichen="XYZ-1", amount_cents=2400,
                                     booked_at=BOOKED, fields={"line": "2"})
    payment.refresh_from_db()
    assert payment.state == PaymentState.OPEN
    assert (partial.verdict, foreign.verdict) == (Verdict.AMOUNT_MISMATCH, Verdict.UNKNOWN)
    assert foreign.payment is None

    exact = services.apply_booking(kassenzeichen=payment.kassenzeichen, amount_cents=2400,
                                   booked_at=BOOKED, fields={"line": "3"})
    again = services.apply_booking(kassenzeichen=payment.kassenzeichen, amount_cents=2400,
                                   booked_at=BOOKED, fields={"line": "3"})
    payment.refresh_from_db()
    assert (exact.verdict, again.verdict) == (Verdict.APPLIED, Verdict.DUPLICATE)
    assert payment.state == PaymentState.PAID
    assert (payment.paid_cents, payment.paid_at, payment.method) == (2400, BOOKED, "transfer")
    assert PaymentEvent.objects.filter(payment=payment, source="import").count() == 3


def test_the_kassenzeichen_counts_per_format_and_the_purpose_fits_sepa(catalog: None) -> None:
    first, second = open_transfer(), open_transfer()
    year = timezone.localdate().year
    assert (first.kassenzeichen, second.kassenzeichen) == (f"GEB-{year}-000001",
                                                           f"GEB-{year}-000002")
    assert first.purpose.startswith(f"GEB-{year}-000001 Geburtsurkunde ")
    assert first.booking_reference == "122010.431100"


def test_opening_twice_gives_the_same_payment_and_a_free_application_none(
        catalog: None) -> None:
    payment = open_transfer()
    submission = payment.submission
    assert submission is not None
    assert services.open_payment(submission=submission, method="transfer") == payment
    submission.fee_total = Decimal("0")
    Payment.objects.all().delete()
    assert services.open_payment(submission=submission) is None


def test_the_cash_record_outlives_the_purged_application(catalog: None) -> None:
    sent = open_transfer().submission
    assert sent is not None
    # A submission without a case, so that it can be deleted here as the purge deletes it.
    alone = Submission.objects.create(
        draft_key=uuid.uuid4(), service=sent.service, service_version=sent.service_version,
        department=sent.department, answers=sent.answers, fee_lines=sent.fee_lines,
        fee_total=sent.fee_total, language="de")
    payment = services.open_payment(submission=alone, method="transfer")
    assert payment is not None
    alone.delete()
    payment.refresh_from_db()
    assert payment.submission is None
    assert payment.kassenzeichen.endswith("000002")
    assert payment.amount_cents == 1200
    with pytest.raises(services.NotPayable):
        services.choose_offline(payment_id=payment.pk, method="transfer")


def test_the_admin_shows_payments_and_changes_none(catalog: None, admin_client: Client) -> None:
    payment = open_transfer()
    listing = admin_client.get("/admin/payments/payment/")
    assert payment.kassenzeichen in listing.content.decode()
    assert "/admin/payments/payment/add/" not in listing.content.decode()
    assert admin_client.get("/admin/payments/payment/add/").status_code == 403
    page = admin_client.get(f"/admin/payments/payment/{payment.pk}/change/")
    assert page.status_code == 200
    assert 'name="state"' not in page.content.decode()  # read-only
