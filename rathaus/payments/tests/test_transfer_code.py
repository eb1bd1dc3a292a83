"""The GiroCode on the confirmation, the status page and the receipt: what a banking app reads."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
import zxingcpp
from django.test import Client
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from rathaus.applications import links
from rathaus.applications.models import Submission
from rathaus.payments.models import Payment
from rathaus.payments.services import apply_booking

from .journeys import birth_certificate, text
from .test_giro_code import scan

pytestmark = pytest.mark.django_db


def girocode_of(page: str) -> str:
    found = re.search(r'<svg role="img".*?</svg>', page, flags=re.S)
    assert found, "the page shows the GiroCode"
    return found.group(0)


def expected_lines(payment: Payment, submission: Submission) -> list[str]:
    return ["BCD", "002", "1", "SCT", "BYLADEM1001", "Stadtkasse Musterstadt",
            "DE02120300000000202051", "EUR24.00", "", "",
            f"{payment.kassenzeichen} Geburtsurkunde {submission.reference}"]


def test_the_confirmation_and_the_status_page_show_the_girocode_with_a_name(
        client: Client, catalog: None, provider: str) -> None:
    journey = birth_certificate(client, copies=2)
    confirmation = client.post(journey.step_url, {"payment_method": "transfer"}, follow=True)
    payment = Payment.objects.get()
    submission = Submission.objects.get()
    status = client.get(links.status_url(submission).removeprefix("http://127.0.0.1:8000"))
    for page in (confirmation.content.decode(), status.content.decode()):
        code = girocode_of(page)
        assert scan(code).text.split("\n") == expected_lines(payment, submission)
        title = html.unescape(re.search(r"<title[^>]*>(.*?)</title>", code).group(1))  # type: ignore[union-attr]
        assert title == (f"GiroCode: transfer of 24.00 € to Stadtkasse Musterstadt, IBAN "
                         f"DE02120300000000202051, purpose {payment.kassenzeichen}")
        assert "Scan this code with your banking app to fill in the transfer." in text(
            confirmation)


def test_the_receipt_carries_the_girocode_as_a_picture_and_the_transfer_in_words(
        client: Client, catalog: None, provider: str, read_pdf: Any) -> None:
    journey = birth_certificate(client, copies=2)
    client.post(journey.step_url, {"payment_method": "transfer"})
    payment = Payment.objects.get()
    submission = Submission.objects.get()
    receipt = journey.receipt(submission)
    words = read_pdf(receipt)
    assert "DE02120300000000202051" in words
    assert "Stadtkasse Musterstadt" in words
    assert payment.kassenzeichen in words
    assert "Scan this code with your banking app" in words
    [picture] = PdfReader(io.BytesIO(receipt)).pages[-1].images
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(picture.data)))
    assert [code.text.split("\n") for code in found] == [expected_lines(payment, submission)]


def test_no_girocode_once_paid_or_for_online_payment(client: Client, catalog: None,
                                                     provider: str, read_pdf: Any) -> None:
    journey = birth_certificate(client, copies=2)
    client.post(journey.step_url, {"payment_method": "double"})
    submission = Submission.objects.get()
    status_path = links.status_url(submission).removeprefix("http://127.0.0.1:8000")
    assert '<svg role="img"' not in client.get(status_path).content.decode()
    payment = Payment.objects.get()
    client.post(f"/en/pay/{links.status_token(submission)}/", {"method": "transfer"})
    assert '<svg role="img"' in client.get(status_path).content.decode()
    apply_booking(kassenzeichen=payment.kassenzeichen, amount_cents=2400,
                  booked_at=timezone.now(), fields={})
    page = client.get(status_path)
    assert '<svg role="img"' not in page.content.decode()
    assert "We received 24.00 €" in text(page)
