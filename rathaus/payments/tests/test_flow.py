"""A citizen pays the birth certificate fee in the same visit: online, or by bank transfer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications import links
from rathaus.applications.models import Draft, Submission
from rathaus.payments.models import Payment, PaymentEvent, PaymentState, Verdict
from rathaus.payments.providers.base import Outcome

from . import double
from .conftest import SECRET
from .journeys import birth_certificate, text

pytestmark = pytest.mark.django_db


def notify(client: Client, fields: dict[str, str]) -> Any:
    return client.post("/payments/notify/double/", fields)


def signed(request_id: str, outcome: Outcome, amount: int | None = None) -> dict[str, str]:
    return double.message(SECRET, request_id=request_id, outcome=outcome, amount=amount)


def submit_online(client: Client, provider: str) -> tuple[Submission, Payment, str]:
    journey = birth_certificate(client, copies=2)
    response = client.post(journey.step_url, {"payment_method": provider})
    assert response.status_code == 302, text(response)[:500]
    submission = Submission.objects.get()
    payment = Payment.objects.get(submission=submission)
    assert response["Location"] == f"/en/submitted/{submission.reference}/"
    page = client.get(response["Location"]).content.decode()
    found = re.search(r'class="kern-btn kern-btn--primary pay-page-link" href="([^"]+)"', page)
    assert found, "the confirmation links to the pay page"
    return submission, payment, found.group(1)


def test_the_check_page_shows_the_amount_and_the_ways_to_pay(client: Client, catalog: None,
                                                             provider: str) -> None:
    journey = birth_certificate(client, copies=2)
    page = text(client.get(journey.step_url))
    assert "How do you want to pay the fee of 24.00 €?" in page
    assert "Testkasse" in page
    assert "Bank transfer" in page
    assert "SEPA direct debit" not in page  # not offered for the birth certificate
    assert 'type="radio" name="payment_method"' in client.get(journey.step_url).content.decode()


def test_submitting_without_choosing_keeps_everything_and_asks(client: Client, catalog: None,
                                                               provider: str) -> None:
    journey = birth_certificate(client)
    response = client.post(journey.step_url, {"payment_method": ""})
    assert response.status_code == 400
    page = text(response)
    assert "Choose how you want to pay the fee." in page
    assert "Mia Sophie Mustermann" in page  # the answers are still there
    assert not Submission.objects.exists()
    assert Draft.objects.count() == 1
    forged = client.post(journey.step_url, {"payment_method": "giropay"})
    assert forged.status_code == 400
    assert not Submission.objects.exists()


def test_paying_online_in_the_same_visit(client: Client, catalog: None, provider: str,
                                         read_pdf: Any,
                                         django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        submission, payment, location = submit_online(client, provider)
    # Stored and sealed before the citizen leaves for the pay page, with an open payment; the
    # confirmation links there (a redirect after the POST would break the CSP's form-action).
    assert location.startswith(double.PAY_PAGE)
    assert location == payment.attempts.get().redirect_url
    assert payment.state == PaymentState.OPEN
    assert payment.amount_cents == 2400
    assert payment.method == "double"
    assert payment.kassenzeichen.startswith("GEB-20")
    assert payment.kassenzeichen.endswith("000001")
    assert payment.purpose == f"{payment.kassenzeichen} Geburtsurkunde {submission.reference}"
    attempt = payment.attempts.get()
    order = double.LEDGER.orders[attempt.request_id]
    assert order.amount_cents == 2400
    assert order.kassenzeichen == payment.kassenzeichen
    assert order.items[0].quantity == 2
    assert order.items[0].amount_cents == 1200
    assert order.items[0].booking_reference == "122010.431100"
    assert order.return_url.endswith(f"/en/payments/double/return/{attempt.request_id}/")
    assert order.notify_url.endswith("/payments/notify/double/")
    # The confirmation e-mail is sent at once, with the way back to pay.
    assert "The fee of 24.00 € is not paid yet" in mail.outbox[0].body
    assert links.status_url(submission) in mail.outbox[0].body

    unpaid_receipt = read_pdf(client.get(
        f"/en/submitted/{submission.reference}/receipt.pdf").content)
    assert "not paid yet" in unpaid_receipt
    with django_capture_on_commit_callbacks(execute=True):
        answer = notify(client, signed(attempt.request_id, Outcome.PAID))
    assert (answer.status_code, answer.content) == (200, b"OK")
    paid_receipt = read_pdf(client.get(
        f"/en/submitted/{submission.reference}/receipt.pdf").content)
    assert "paid on" in paid_receipt
    assert "not paid yet" not in paid_receipt
    assert payment.kassenzeichen in paid_receipt
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    assert payment.paid_cents == 2400
    assert payment.paid_at is not None

    back = client.get(order.return_url + "?" + "&".join(
        f"{key}={value}" for key, value in signed(attempt.request_id, Outcome.PAID).items()))
    assert back.status_code == 302
    status = client.get(back["Location"])
    page = text(status)
    assert "Payment paid We received 24.00 €" in page
    assert "Pay now" not in page
    verdicts = list(PaymentEvent.objects.values_list("source", "verdict"))
    assert verdicts == [("start", "applied"), ("notification", "applied"),
                        ("return", "duplicate")]


def test_tampered_duplicate_wrong_and_unknown_notifications_change_nothing(
        client: Client, catalog: None, provider: str) -> None:
    _submission, payment, _location = submit_online(client, provider)
    request_id = payment.attempts.get().request_id

    tampered = signed(request_id, Outcome.PAID)
    tampered["amount"] = "1"
    answer = notify(client, tampered)
    assert (answer.status_code, answer.content) == (400, b"REJECTED")
    unsigned = {key: value for key, value in signed(request_id, Outcome.PAID).items()
                if key != "hash"}
    assert notify(client, unsigned).status_code == 400
    assert notify(client, signed(request_id, Outcome.PAID, amount=1200)).status_code == 200
    assert notify(client, signed("f" * 32, Outcome.PAID)).status_code == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.OPEN
    assert payment.paid_cents == 0

    assert notify(client, signed(request_id, Outcome.PAID)).status_code == 200
    assert notify(client, signed(request_id, Outcome.PAID)).status_code == 200
    assert notify(client, signed(request_id, Outcome.PENDING)).status_code == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    assert payment.paid_cents == 2400
    events = list(PaymentEvent.objects.filter(source="notification").values_list(
        "verdict", flat=True))
    assert events == [Verdict.REJECTED, Verdict.REJECTED, Verdict.AMOUNT_MISMATCH,
                      Verdict.UNKNOWN, Verdict.APPLIED, Verdict.DUPLICATE, Verdict.OUT_OF_ORDER]
    rejected = PaymentEvent.objects.filter(verdict=Verdict.REJECTED).first()
    assert rejected is not None
    assert "hash" not in rejected.raw
    assert notify(client, {"amount": "<script>"}).status_code == 400  # garbage: no 500


def test_a_cancelled_payment_is_resumed_from_the_status_page(client: Client, catalog: None,
                                                             provider: str) -> None:
    submission, payment, _location = submit_online(client, provider)
    first = payment.attempts.get()
    back = client.get(double.LEDGER.orders[first.request_id].return_url + "?" + "&".join(
        f"{key}={value}" for key, value in signed(first.request_id, Outcome.CANCELLED).items()))
    status_url = back["Location"]
    page = text(client.get(status_url))
    assert "payment cancelled" in page
    assert "Try again" in page
    assert "Your application is stored" in page

    # From another browser, with only the link from the e-mail.
    other = Client()
    token = links.status_token(submission)
    again = other.post(f"/en/pay/{token}/", {"method": "double"}, follow=True)
    assert "Continue to the payment page" in text(again)
    payment.refresh_from_db()
    assert payment.state == PaymentState.OPEN
    second = payment.attempts.exclude(pk=first.pk).get()
    assert second.request_id != first.request_id
    assert second.redirect_url in again.content.decode()

    assert notify(other, signed(second.request_id, Outcome.PAID)).status_code == 200
    # The first attempt's late news changes nothing.
    assert notify(other, signed(first.request_id, Outcome.FAILED)).status_code == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    assert PaymentEvent.objects.filter(attempt=first, verdict=Verdict.LATE).exists()
    assert "We received 24.00 €" in text(other.get(status_url))
    # Nothing starts with a GET, and a paid fee is not paid twice.
    assert other.get(f"/en/pay/{token}/").status_code == 302
    paid_again = other.post(f"/en/pay/{token}/", {"method": "double"}, follow=True)
    assert "This fee is paid already." in text(paid_again)
    assert payment.attempts.count() == 2


def test_a_return_without_status_asks_the_provider(client: Client, catalog: None,
                                                   provider: str) -> None:
    _submission, payment, _location = submit_online(client, provider)
    attempt = payment.attempts.get()
    double.LEDGER.outcomes[attempt.request_id] = Outcome.PAID
    back = client.get(double.LEDGER.orders[attempt.request_id].return_url)
    assert "We received 24.00 €" in text(client.get(back["Location"]))
    assert PaymentEvent.objects.filter(source="status_query", verdict="applied").exists()
    forged = client.get(double.LEDGER.orders[attempt.request_id].return_url + "?hash=x")
    assert forged.status_code == 302
    assert client.get("/en/payments/double/return/nothing/").status_code == 404
    assert client.get("/en/payments/nobody/return/nothing/").status_code == 404


def test_an_unreachable_provider_keeps_the_application_unpaid(client: Client, catalog: None,
                                                              settings: Any) -> None:
    from .conftest import DOUBLE

    settings.RATHAUS_PAYMENT_PROVIDERS = {
        "double": {**DOUBLE["double"], "fail_start": "true"}}
    journey = birth_certificate(client)
    response = client.post(journey.step_url, {"payment_method": "double"}, follow=True)
    submission = Submission.objects.get()
    page = text(response)
    assert submission.reference in page
    assert "The payment could not be started. Your application is stored" in page
    assert "The fee of 24.00 € is not paid yet." in page
    assert Payment.objects.get().state == PaymentState.OPEN
    assert PaymentEvent.objects.get().verdict == Verdict.FAILED


def test_paying_by_bank_transfer(client: Client, catalog: None, provider: str, read_pdf: Any,
                                 django_capture_on_commit_callbacks: Any) -> None:
    journey = birth_certificate(client, copies=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(journey.step_url, {"payment_method": "transfer"}, follow=True)
    payment = Payment.objects.get()
    submission = Submission.objects.get()
    assert payment.method == "transfer"
    assert payment.state == PaymentState.OPEN
    for page in (text(response),
                 text(client.get(links.status_url(submission)
                                 .removeprefix("http://127.0.0.1:8000")))):
        assert "Pay by bank transfer" in page
        assert "Stadtkasse Musterstadt" in page
        assert "DE02120300000000202051" in page
        assert "24.00 €" in page
        assert f"Purpose {payment.kassenzeichen}" in page
        assert "Or pay another way" in page
        assert "Testkasse" in page
    receipt = read_pdf(journey.receipt(submission))
    assert payment.kassenzeichen in receipt
    assert "DE02120300000000202051" in receipt
    assert "not paid yet" in receipt
    assert "DE02120300000000202051" in mail.outbox[0].body


def test_with_only_bank_transfer_nothing_needs_choosing(client: Client, catalog: None) -> None:
    journey = birth_certificate(client, copies=1)
    page = client.get(journey.step_url).content.decode()
    assert 'value="transfer" checked' in page
    response = client.post(journey.step_url)
    assert response.status_code == 302
    assert Payment.objects.get().method == "transfer"
    assert Payment.objects.get().amount_cents == 1200


def test_a_service_without_a_payment_policy_opens_no_payment(client: Client,
                                                             catalog: None) -> None:
    from rathaus.applications.tests.hund import answer_simply
    from rathaus.applications.tests.journey import Journey

    journey = Journey(client, "hund-anmelden", language="en").start()
    answer_simply(journey)
    assert "How do you want to pay" not in journey.check_page()
    journey.submit()
    assert not Payment.objects.exists()


def test_german_pages(client: Client, catalog: None, provider: str) -> None:
    journey = birth_certificate(client, language="de")
    page = text(client.get(journey.step_url))
    assert "24,00 €" in page
    assert "Testkasse" in page
