"""A citizen pays the birth certificate on the GiroCheckout test peer; the clerk sees it paid.

In German with JavaScript and without, in English with it: two copies (24 €), online payment
chosen on the check page, paid
on the local peer's pay page (served in the test on a free port, speaking GiroCheckout's
protocol, its notification sent to the live portal), back on the status page and in the
receipt "paid"; the clerk, signed in with the second factor, finds the case under "Fee: paid"
in the workbasket and on the case page. Then a payment cancelled on the pay page and resumed
from the status page. Every page is checked with axe, the peer's pay page too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rathaus.applications.models import Submission
from rathaus.cases.models import Case, FeeState
from rathaus.payments import peers
from rathaus.payments.models import Payment, PaymentState
from rathaus.payments.peers.girocheckout import GiroCheckoutPeer
from rathaus.staff.tests.factories import staff_user

from .conftest import Portal
from .test_cases import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GIRO = "Credit card, PayPal and more (GiroCheckout test page)"
# What the citizen and the clerk read, in each language (the peer's own page is English).
WORDS = {
    "de": {"giro": "Kreditkarte, PayPal und mehr (GiroCheckout-Testseite)",
           "question": "Wie möchten Sie die Gebühr von 24,00 € bezahlen?",
           "submit": "Antrag absenden", "submitted": "Antrag abgeschickt",
           "unpaid": "Die Gebühr von 24,00 € ist noch nicht bezahlt.",
           "continue": "Weiter zur Bezahlseite", "received": "24,00 € erhalten. Vielen Dank.",
           "paid": "bezahlt", "receipt": "Eingangsbestätigung herunterladen (PDF)",
           "paid_on": "bezahlt am", "fee": "Gebühr", "show": "Anzeigen",
           "timeline": "Gebühr bezahlt (Kassenzeichen und Betrag: {kz} 24.00 EUR)"},
    "en": {"giro": GIRO, "question": "How do you want to pay the fee of 24.00 €?",
           "submit": "Submit application", "submitted": "Application submitted",
           "unpaid": "The fee of 24.00 € is not paid yet.",
           "continue": "Continue to the payment page", "received": "We received 24.00 €",
           "paid": "paid", "receipt": "Download receipt (PDF)", "paid_on": "paid on",
           "fee": "Fee", "show": "Show",
           "timeline": "Fee paid (Kassenzeichen and amount: {kz} 24.00 EUR)"},
}
STEPS: list[dict[str, str]] = [
    {"born_in_town": "yes"},
    {"relation": "parent"},
    {"person_name-given_names": "Mia Sophie", "person_name-family_name": "Mustermann",
     "birth_date": "2023-09-14", "parents_names": "Erika Mustermann, Max Mustermann"},
    {"certificate_kind": "standard", "purpose": "family_benefits", "copies": "2"},
    {"applicant_name-given_names": "Erika", "applicant_name-family_name": "Mustermann",
     "applicant_email": "erika@example.org"},
    {"delivery_address-street": "Lindenallee", "delivery_address-number": "7a",
     "delivery_address-postcode": "31134", "delivery_address-city": "Musterstadt"},
    {"truthful": "yes"},
]


@pytest.fixture
def giro(portal: Portal, settings: Any) -> Iterator[GiroCheckoutPeer]:
    """The GiroCheckout peer on a free port, the provider configured to it; links and
    notifications name the live portal."""
    peer = GiroCheckoutPeer()
    with peers.running(peers.mount({"": peer})) as url:
        settings.RATHAUS_PAYMENT_PROVIDERS = {"giro": peers.providers(url)["giro"]}
        settings.RATHAUS_BASE_URL = portal.base_url
        yield peer


def fill(page: Page, data: dict[str, str]) -> None:
    for name, value in data.items():
        field = page.locator(f'[name="{name}"]').first
        kind = field.get_attribute("type")
        if kind in ("radio", "checkbox"):
            page.locator(f'[name="{name}"][value="{value}"]').check()
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def apply_and_choose_giro(page: Page, portal: Portal, axe: Callable[..., None],
                          language: str = "en") -> None:
    words = WORDS[language]
    page.goto(portal.url(f"/{language}/services/geburtsurkunde/apply/"))
    page.locator("main form button.kern-btn--primary").first.click()
    for data in STEPS:
        fill(page, data)
        page.locator("button.kern-btn--primary[name=action][value=continue]").click()
    expect(page.get_by_role("group", name=words["question"])).to_be_visible()
    axe(page, f"check page ({language})")
    page.get_by_label(words["giro"]).check()
    page.get_by_role("button", name=words["submit"]).click()
    expect(page.locator("main")).to_contain_text(words["submitted"])
    expect(page.locator("main")).to_contain_text(words["unpaid"])
    axe(page, f"confirmation with the way to the pay page ({language})")


def on_the_pay_page(page: Page, button: str, axe: Callable[..., None]) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("GiroCheckout (local test peer)")
    expect(page.get_by_role("alert")).to_contain_text("no real payment takes place")
    expect(page.locator("main")).to_contain_text("Amount: 24,00 EUR")
    axe(page, "the peer's pay page")
    page.get_by_role("button", name=button, exact=True).click()


@pytest.mark.parametrize(("language", "javascript"), [("de", True), ("de", False),
                                                      ("en", True)],
                         ids=["de-js", "de-no-js", "en-js"])
def test_paying_24_euros_on_the_girocheckout_peer(
        portal: Portal, giro: GiroCheckoutPeer, new_page: Callable[..., Page],
        axe: Callable[..., None], read_pdf: Any, language: str, javascript: bool) -> None:
    words = WORDS[language]
    page = new_page(javascript=javascript)
    apply_and_choose_giro(page, portal, axe, language)
    page.get_by_role("link", name=words["continue"]).click()
    on_the_pay_page(page, "Pay", axe)

    main = page.locator("main")
    expect(main).to_contain_text(words["received"])
    expect(page.locator(".payment-state--paid .kern-badge")).to_have_text(words["paid"])
    expect(page.locator("html")).to_have_attribute("lang", language)
    axe(page, f"status page, paid ({language})")
    payment = Payment.objects.get()
    assert payment.state == PaymentState.PAID
    assert [status for _url, status in giro.delivered] == [200]  # the notification was taken
    href = page.get_by_role("link", name=words["receipt"]).get_attribute("href")
    assert href
    receipt = re.sub(r"\s+", " ", read_pdf(page.request.get(portal.url(href)).body()))
    assert words["paid_on"] in receipt
    assert payment.kassenzeichen in receipt

    submission = Submission.objects.get()
    assert Case.objects.get(submission=submission).fee == FeeState.PAID
    staff_user("standes", clerk_of=("standesamt",))
    clerk = new_page(javascript=javascript)
    sign_in(clerk, portal, "standes")
    clerk.goto(portal.url(f"/{language}/staff/submissions/"))
    clerk.get_by_label(words["fee"], exact=True).select_option("paid")
    clerk.get_by_role("button", name=words["show"]).click()
    table = clerk.locator("table.workbasket")
    expect(table).to_contain_text(submission.reference)
    expect(table.locator(".fee--paid")).to_have_text(words["paid"])
    axe(clerk, f"workbasket, fee paid ({language})")
    clerk.get_by_role("link", name=submission.reference).click()
    expect(clerk.locator(".case-fee")).to_contain_text(words["paid"])
    expect(clerk.locator("main")).to_contain_text(payment.kassenzeichen)
    expect(clerk.locator("main")).to_contain_text(
        words["timeline"].format(kz=payment.kassenzeichen))
    axe(clerk, f"case page, fee paid ({language})")


def test_a_cancelled_payment_is_resumed_from_the_status_page(
        portal: Portal, giro: GiroCheckoutPeer, new_page: Callable[..., Page],
        axe: Callable[..., None]) -> None:
    page = new_page(javascript=False)
    apply_and_choose_giro(page, portal, axe)
    page.get_by_role("link", name="Continue to the payment page").click()
    on_the_pay_page(page, "Cancel", axe)

    main = page.locator("main")
    expect(main).to_contain_text("The payment of 24.00 € did not go through.")
    assert Payment.objects.get().state == PaymentState.CANCELLED
    axe(page, "status page, payment cancelled")
    page.get_by_label(GIRO).check()
    page.get_by_role("button", name="Try again").click()
    expect(main).to_contain_text(f"on the payment page of {GIRO}")
    axe(page, "status page, payment resumed")
    page.get_by_role("link", name="Continue to the payment page").click()
    on_the_pay_page(page, "Pay", axe)
    expect(main).to_contain_text("We received 24.00 €")
    payment = Payment.objects.get()
    assert payment.state == PaymentState.PAID
    assert payment.attempts.count() == 2
