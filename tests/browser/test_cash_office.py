"""The cash office in the browser: every page in German and English, with and without
JavaScript, axe-clean with its empty and error states; and the bank transfer journey from the
citizen's application to the cash office's statement import and back to the citizen.

The interface texts are English msgids until the German catalogue is translated after merging;
the sweep checks each page's language attribute and accessibility, not the words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import FilePayload, Page, expect

from rathaus.applications import links
from rathaus.payments import statements
from rathaus.payments.models import Payment, PaymentState, StatementImport
from rathaus.payments.peers.girocheckout import GiroCheckoutPeer
from rathaus.payments.tests.journeys import birth_certificate
from rathaus.staff.tests.cash import cashier, statement, transfer_payment
from rathaus.staff.tests.factories import PASSWORD, code_for, staff_user
from rathaus.staff.tests.test_cash_office import dog_tax, giro, paid_online

from .conftest import Portal

__all__ = ["giro"]  # the fixture, for the refund journey
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_cashier(page: Page, portal: Portal, username: str, language: str = "de") -> None:
    """Sign in with password and the authenticator app's code, as the cash office does."""
    page.goto(portal.url(f"/{language}/staff/cash/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.application-form button[type=submit]")
    page.fill("#id_code", code_for(TOTPDevice.objects.get(user__username=username)))
    page.click("form.application-form button[type=submit]")
    expect(page).to_have_url(portal.url(f"/{language}/staff/cash/"))


def scene() -> Payment:
    """A paid and an open transfer, a statement applied with open lines, a dog tax mandate."""
    full, part = transfer_payment(copies=2), transfer_payment(copies=1)
    user = cashier("kasse")
    upload = statements.upload_statement(
        filename="auszug.xml", actor=user,
        data=statement(kz123=full.kassenzeichen, kz124=part.kassenzeichen))
    statements.apply_statement(upload_id=upload.pk, actor=user)
    dog_tax("Erika Mustermann", "DE89370400440532013000")
    full.refresh_from_db()
    return full


def pages(payment: Payment, upload: StatementImport) -> list[tuple[str, str]]:
    return [
        ("payments", "/staff/cash/"),
        ("payments, nothing found", "/staff/cash/?q=zzzzzz"),
        ("payments, wrong date", "/staff/cash/?date_from=31.13.2026"),
        ("payment page", f"/staff/cash/payments/{payment.kassenzeichen}/"),
        ("bank statements", "/staff/cash/statements/"),
        ("statement", f"/staff/cash/statements/{upload.pk}/"),
        ("open lines", "/staff/cash/lines/"),
        ("dismissed lines (none)", "/staff/cash/lines/?status=dismissed"),
        ("direct debits", "/staff/cash/direct-debits/"),
        ("payment statistics", "/staff/cash/statistics/"),
        ("payment statistics, none", "/staff/cash/statistics/?start=2020-01&end=2020-02"),
        ("payment statistics, wrong month", "/staff/cash/statistics/?start=2026-13"),
    ]


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_every_cash_office_page_is_accessible(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        language: str, javascript: bool) -> None:
    payment = scene()
    upload = StatementImport.objects.get()
    page = new_page(javascript=javascript)
    sign_in_cashier(page, portal, "kasse", language)
    for where, path in pages(payment, upload):
        response = page.goto(portal.url(f"/{language}{path}"))
        assert response is not None
        assert response.status in (200, 400), (where, response.status)
        assert page.locator("html").get_attribute("lang") == language
        axe(page, f"{where} ({language})")

    # The error states of the forms, as a clerk makes them.
    page.goto(portal.url(f"/{language}/staff/cash/statements/"))
    page.set_input_files("#id_statement", files=FilePayload(
        name="auszug.pdf", mimeType="application/pdf", buffer=b"%PDF-1.7"))
    page.locator("form[action$='/upload/'] button[type=submit]").click()
    expect(page.locator("#error-summary")).to_contain_text(".xml")
    axe(page, f"statement upload refused ({language})")

    page.goto(portal.url(f"/{language}/staff/cash/lines/"))
    page.locator("form[action$='/dismiss/'] button[type=submit]").first.click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe(page, f"dismissing without a note ({language})")

    page.goto(portal.url(f"/{language}/staff/cash/direct-debits/"))
    page.fill("#id_collection_date", timezone.localdate().isoformat())
    page.locator("form[action$='/export/'] button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe(page, f"direct debit export refused ({language})")


def test_a_birth_certificate_paid_by_transfer_is_booked_from_the_bank_statement(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        read_pdf: Any) -> None:
    # The citizen: two copies, bank transfer, on the pages (answered up to the check page as
    # a citizen would, then in the browser).
    citizen = Client()
    journey = birth_certificate(citizen, copies=2, language="de")
    page = new_page(javascript=False)
    page.context.add_cookies([{"name": "sessionid", "value": citizen.cookies["sessionid"].value,
                               "url": portal.base_url}])
    page.goto(portal.url(journey.step_url))
    page.locator("input[name=payment_method][value=transfer]").check()
    page.locator("main form button[type=submit]").last.click()
    payment = Payment.objects.get()
    expect(page.locator("main")).to_contain_text(payment.kassenzeichen)
    expect(page.locator("main")).to_contain_text("24,00 €")
    expect(page.get_by_role("img", name=re.compile(
        "^GiroCode: Überweisung von 24,00 € an .*, Verwendungszweck "
        + re.escape(payment.kassenzeichen) + "$"))).to_be_visible()
    axe(page, "confirmation with the GiroCode")
    assert payment.submission is not None
    status_path = f"/de/status/{links.status_token(payment.submission)}/"

    # The cash office: signs in with the app, imports the day's statement carrying that
    # Kassenzeichen and 24,00 €, sees it matched, confirms.
    cashier("kasse")
    office = new_page(javascript=True)
    sign_in_cashier(office, portal, "kasse")
    office.get_by_role("link", name="Kontoauszüge").first.click()
    office.set_input_files("#id_statement", files=FilePayload(
        name="auszug-2026-12-04.xml", mimeType="application/xml",
        buffer=statement(kz123=payment.kassenzeichen)))
    office.locator("form[action$='/upload/'] button[type=submit]").click()
    row = office.locator(f"tr[data-outcome=matched]:has-text('{payment.kassenzeichen}')")
    expect(row).to_contain_text("24,00 €")
    expect(office.locator("[data-outcome=matched]").first).to_contain_text("1")
    axe(office, "statement preview")
    office.locator("form[action$='/apply/'] button[type=submit]").click()
    expect(office.locator(".page-message")).to_contain_text("1 Zahlung gebucht")
    axe(office, "statement applied")
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    assert payment.paid_at is not None
    assert timezone.localtime(payment.paid_at).date() == dt.date(2026, 12, 4)

    # The citizen's status page and receipt say paid ("bezahlt"), without a GiroCode now.
    page.goto(portal.url(status_path))
    expect(page.locator("main .payment-state--paid .kern-badge")).to_have_text("bezahlt")
    expect(page.locator("main")).to_contain_text("Wir haben am 4. Dezember 2026 24,00 € erhalten.")
    expect(page.get_by_role("img", name=re.compile("^GiroCode"))).to_have_count(0)
    href = page.get_by_role("link", name="Eingangsbestätigung herunterladen (PDF)") \
        .get_attribute("href")
    assert href
    receipt = re.sub(r"\s+", " ", read_pdf(page.request.get(portal.url(href)).body()))
    assert "Zahlungsstand bezahlt am 4. Dezember 2026" in receipt
    page.goto(portal.url(status_path.replace("/de/", "/en/", 1)))
    expect(page.locator("main")).to_contain_text("We received 24.00 €")

    # The clerk's case page shows it paid.
    staff_user("standesamt-kasse", clerk_of=("standesamt",))
    clerk = new_page(javascript=False)
    clerk.goto(portal.url("/en/staff/submissions/"))
    clerk.fill("#id_username", "standesamt-kasse")
    clerk.fill("#id_password", PASSWORD)
    clerk.click("form.application-form button[type=submit]")
    clerk.fill("#id_code", code_for(TOTPDevice.objects.get(user__username="standesamt-kasse")))
    clerk.click("form.application-form button[type=submit]")
    clerk.goto(portal.url(f"/de/staff/submissions/{payment.submission.reference}/"))
    expect(clerk.locator(".case-fee")).to_contain_text("bezahlt")
    section = clerk.locator("section[aria-labelledby=payment-title]")
    expect(section).to_contain_text("bezahlt")
    expect(section).to_contain_text(payment.kassenzeichen)
    expect(section).to_contain_text("Import des Kontoauszugs")
    axe(clerk, "case page, fee paid by transfer")


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_refund_asked_confirmed_and_paid_back_through_the_provider(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        giro: GiroCheckoutPeer, language: str) -> None:
    payment = paid_online()
    cashier("kasse")
    page = new_page(javascript=False)
    sign_in_cashier(page, portal, "kasse", language)
    page.goto(portal.url(f"/{language}/staff/cash/payments/{payment.kassenzeichen}/"))
    axe(page, f"paid online payment with the refund form ({language})")
    page.fill("#id_amount", "99")
    page.locator("form[action$='/refund/'] button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe(page, f"refund of too much ({language})")
    page.fill("#id_amount", "12")
    page.locator("form[action$='/refund/'] button[type=submit]").click()
    expect(page.locator(".refund-question")).to_contain_text(payment.kassenzeichen)
    axe(page, f"refund confirmation ({language})")
    page.locator("form[action$='/refund/'] button[type=submit]").click()
    expect(page.locator(".page-message")).to_be_visible()
    expect(page.locator(".refunded-so-far")).to_contain_text("12")
    assert sum(tx.refunded_cents for tx in giro.transactions.values()) == 1200
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_cash_office_pages_before_anything_happened(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        language: str) -> None:
    cashier("kasse")
    page = new_page(javascript=False)
    sign_in_cashier(page, portal, "kasse", language)
    for where, path, empty in [
            ("no payments", "/staff/cash/", ".empty-state"),
            ("no statements", "/staff/cash/statements/", ".empty-state"),
            ("no lines to check", "/staff/cash/lines/", ".empty-state"),
            ("no direct debits", "/staff/cash/direct-debits/", ".empty-state"),
            ("no statistics", "/staff/cash/statistics/", ".empty-state")]:
        page.goto(portal.url(f"/{language}{path}"))
        expect(page.locator(f"main {empty}").first).to_be_visible()
        axe(page, f"{where} ({language})")
    page.goto(portal.url(f"/{language}/staff/"))
    expect(page.locator("main")).to_contain_text("Stadtkasse")
    axe(page, f"staff start page with the cash office ({language})")
