"""A notice fee paid online through XBezahldienste: the notice asks, the citizen pays from the
status page on the state's payment platform (its local peer), the platform's push tells Rathaus,
and the clerk's case shows the fee paid."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from rathaus.applications.links import status_token
from rathaus.cases.models import Case, FeeState
from rathaus.cases.tests.factories import application
from rathaus.cases.tests.test_notice_delivery import clerk_client, decided, page_url, post
from rathaus.catalog.models import Origin, Service
from rathaus.catalog.services import Provenance, definition_json, publish_definition
from rathaus.forms.schema import ServiceDef
from rathaus.notices.services import load_default_templates
from rathaus.payments import peers
from rathaus.payments.models import EventSource, Payment, PaymentState, Verdict
from rathaus.payments.peers.xbezahldienste import XBezahldienstePeer
from rathaus.payments.tests.peer_helpers import browser

from .conftest import text

pytestmark = pytest.mark.django_db
LAND = "Bezahldienst des Landes (XBezahldienste-Testseite)"


@pytest.fixture
def land(settings: Any) -> Iterator[XBezahldienstePeer]:
    """The XBezahldienste peer as the provider "land"; its pushes held for the test to deliver."""
    peer = XBezahldienstePeer(hold=True, notify_url="http://rathaus.invalid/payments/notify/land/")
    with peers.running(peers.mount({"/xbezahldienste": peer})) as url:
        settings.RATHAUS_PAYMENT_PROVIDERS = {"land": peers.providers(url)["land"]}
        yield peer


def dog_tax_payable_online(capture: Any) -> None:
    """The dog registration, its tax also payable online (the shipped one: debit, transfer)."""
    service = Service.objects.get(slug="hund-anmelden")
    assert service.current_version is not None
    data = definition_json(service.current_version.spec)
    data["payment"]["methods"] = ["online", "transfer"]
    with capture(execute=True):  # the catalog's caches learn of the new version on commit
        publish_definition(spec=ServiceDef.model_validate(data),
                           provenance=Provenance(origin=Origin.ADMIN, published_by="test"))


def test_a_notice_fee_paid_through_xbezahldienste_shows_paid_on_the_case(
        catalog: None, land: XBezahldienstePeer, read_pdf: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    dog_tax_payable_online(django_capture_on_commit_callbacks)
    load_default_templates()
    case = application("hund-anmelden", consent=False, language="de")
    clerk, user = clerk_client("weber", "hund-anmelden")
    case = decided(case, user, "granted")
    assert post(clerk, case, "notice_draft", fee="96,00").status_code == 302
    assert post(clerk, case, "notice_send").status_code == 302
    payment = Payment.objects.get(submission=case.submission)
    assert (payment.state, payment.amount_cents, payment.method) == (PaymentState.OPEN, 9600, "")
    status_path = f"/de/status/{status_token(case.submission)}/"
    notice = case.notices.select_related("notice").get().notice
    assert notice is not None
    with notice.pdf.open("rb") as handle:
        words = re.sub(r"\s+", "", read_pdf(handle.read()))
    # The notice carries the status link (signed with the time it was made).
    assert "OderbezahlenSieonlineaufderStatusseiteIhresAntrags:" in words
    assert f"/de/status/{case.submission.reference}:" in words

    # The citizen follows the notice's link, chooses the state's platform and pays there.
    citizen = Client()
    status = text(citizen.get(status_path))
    assert "Der im Bescheid festgesetzte Betrag von 96,00 € ist noch nicht bezahlt." in status
    assert LAND in status
    started = citizen.post(f"/de/pay/{status_token(case.submission)}/", {"method": "land"})
    assert started.status_code == 302
    page = citizen.get(status_path).content.decode()
    link = re.search(r'class="kern-btn kern-btn--primary pay-page-link" href="([^"]+)"', page)
    assert link is not None
    answer, back, _page = browser("POST", html.unescape(link.group(1)),
                                  {"result": "pay", "method": "CREDITCARD"})
    assert answer == 303
    [pushed] = land.pending
    transaction = land.transactions[next(iter(land.transactions))]
    assert transaction["paymentRequest"]["items"][0]["bookingData"]["kassenzeichen"] == \
        payment.kassenzeichen
    payment.refresh_from_db()
    assert payment.state == PaymentState.OPEN  # the citizen has not come back yet

    # The platform's push: Rathaus asks the platform and books the fee.
    notified = citizen.post("/payments/notify/land/", pushed, content_type="application/json")
    assert notified.status_code < 300
    payment.refresh_from_db()
    assert (payment.state, payment.paid_cents, payment.method) == (PaymentState.PAID, 9600,
                                                                   "land")
    event = payment.events.get(verdict=Verdict.APPLIED, outcome="paid")
    assert event.source == EventSource.NOTIFICATION
    # Pushed twice: booked once.
    citizen.post("/payments/notify/land/", pushed, content_type="application/json")
    assert payment.events.filter(verdict=Verdict.APPLIED, outcome="paid").count() == 1

    # Back from the pay page the citizen reads "bezahlt"; the clerk sees the fee paid.
    citizen.get(back.removeprefix("http://testserver"))
    status = text(citizen.get(status_path))
    assert "bezahlt" in status
    assert "96,00 € erhalten. Vielen Dank." in status
    case = Case.objects.get(pk=case.pk)
    assert case.fee == FeeState.PAID
    case_page = text(clerk.get(page_url(case)))
    assert (f"Gebühr bezahlt (Kassenzeichen und Betrag: {payment.kassenzeichen} 96.00 EUR)"
            in case_page)
