"""Payment with the notice: the dog tax notice asks for its amount under a Kassenzeichen."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from rathaus.applications.links import status_token
from rathaus.cases.models import Case, CaseNotice, FeeState
from rathaus.cases.tests.factories import application
from rathaus.cases.tests.test_notice_delivery import clerk_client, decided, page_url, post
from rathaus.notices.services import load_default_templates
from rathaus.payments.models import Payment, PaymentState
from rathaus.payments.services import apply_booking

pytestmark = pytest.mark.django_db


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_notice_opens_the_payment_and_carries_the_request(catalog: None,
                                                              read_pdf: Any) -> None:
    load_default_templates()
    case = application("hund-anmelden", consent=False, language="en")
    client, clerk = clerk_client("weber", "hund-anmelden")
    case = decided(case, clerk, "granted")
    assert not Payment.objects.exists()  # registering is free: nothing paid in the form
    assert post(client, case, "notice_draft", fee="96,00").status_code == 302
    assert not Payment.objects.exists()  # a draft asks for nothing yet
    assert post(client, case, "notice_send").status_code == 302

    payment = Payment.objects.get(submission=case.submission)
    assert payment.amount_cents == 9600
    assert payment.state == PaymentState.OPEN
    assert re.fullmatch(r"HST-20\d\d-000001", payment.kassenzeichen)
    assert payment.purpose.startswith(f"{payment.kassenzeichen} Hundesteuer")
    case = Case.objects.get(pk=case.pk)
    assert case.fee == FeeState.DUE

    notice = CaseNotice.objects.select_related("notice").get(case=case).notice
    assert notice is not None
    with notice.pdf.open("rb") as handle:
        data = handle.read()
    words = re.sub(r"\s+", " ", read_pdf(data))
    assert f"Please pay 96.00 € under the Kassenzeichen {payment.kassenzeichen}." in words
    assert "IBAN DE02120300000000202051" in words
    assert [image.name for page in PdfReader(io.BytesIO(data)).pages for image in page.images]

    # The citizen's status page carries the request, with the transfer details.
    citizen = Client()
    status = text_of(citizen.get(f"/en/status/{status_token(case.submission)}/"))
    assert "The amount of 96.00 € set in the notice is not paid yet." in status
    assert payment.kassenzeichen in status
    # The clerk sees it waiting, then paid.
    assert "waiting for payment" in text_of(client.get("/en/staff/submissions/?fee=due"))
    apply_booking(kassenzeichen=payment.kassenzeichen, amount_cents=9600,
                  booked_at=timezone.now(), fields={})
    assert "We received 96.00 €" in text_of(
        citizen.get(f"/en/status/{status_token(case.submission)}/"))
    page = text_of(client.get(page_url(case).replace("/de/", "/en/", 1)))
    assert "Fee paid" in page


def test_a_service_paid_when_submitting_opens_no_second_payment_with_its_notice(
        catalog: None) -> None:
    load_default_templates()
    case = application("geburtsurkunde", consent=False)
    client, clerk = clerk_client("weber", "geburtsurkunde")
    case = decided(case, clerk, "granted")
    assert post(client, case, "notice_draft", fee="24,00").status_code == 302
    assert post(client, case, "notice_send").status_code == 302
    assert not Payment.objects.exists()  # the factory's submission opened none either


def test_with_a_mandate_the_notice_says_the_amount_is_collected(catalog: None,
                                                               read_pdf: Any) -> None:
    load_default_templates()
    case = application("hund-anmelden", consent=False, language="en")
    submission = case.submission
    submission.answers = {**submission.answers, "payment_method": "direct_debit",
                          "bank_account": {"holder": "Erika Mustermann",
                                           "iban": "DE89370400440532013000", "bic": "",
                                           "bank": "", "mandate": True}}
    submission.save(update_fields=["answers"])
    client, clerk = clerk_client("weber", "hund-anmelden")
    case = decided(case, clerk, "granted")
    assert post(client, case, "notice_draft", fee="96,00").status_code == 302
    assert post(client, case, "notice_send").status_code == 302
    payment = Payment.objects.get(submission=submission)
    assert payment.method == "direct_debit"
    notice = CaseNotice.objects.select_related("notice").get(case=case).notice
    assert notice is not None
    with notice.pdf.open("rb") as handle:
        words = re.sub(r"\s+", " ", read_pdf(handle.read()))
    assert "We collect the amount by SEPA direct debit" in words
    assert "DE02120300000000202051" not in words  # no transfer asked for
    assert payment.kassenzeichen in words
