"""The service editor in the browser, with JavaScript and without: the editorial office raises
the birth certificate's fee and adds a field, previews and publishes; a citizen then sees both.
Every editor page and an error state are checked with axe.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from rathaus.catalog.roles import editor_group
from rathaus.payments.tests.journeys import birth_certificate
from rathaus.staff.tests.factories import PASSWORD, code_for, staff_user

from .conftest import Portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EDITOR = "/de/staff/services/geburtsurkunde"


def sign_in_editor(page: Page, portal: Portal) -> None:
    user = staff_user("redaktion")
    user.groups.add(editor_group())
    page.goto(portal.url("/de/staff/services/"))
    page.fill("#id_username", "redaktion")
    page.fill("#id_password", PASSWORD)
    page.click("form.application-form button[type=submit]")
    page.fill("#id_code", code_for(TOTPDevice.objects.get(user__username="redaktion")))
    page.click("form.application-form button[type=submit]")
    expect(page).to_have_url(portal.url("/de/staff/services/"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_editor_changes_a_fee_and_adds_a_field_and_a_citizen_sees_both(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        javascript: bool) -> None:
    page = new_page(javascript=javascript)
    sign_in_editor(page, portal)
    axe(page, "service list")
    page.get_by_role("link", name="Geburtsurkunde beantragen").click()
    expect(page.locator("h1")).to_have_text("Geburtsurkunde beantragen")
    axe(page, "service overview")

    # The fee: a typing error first, refused in place with the input kept, then 15 euros.
    page.get_by_role("link", name="Gebühren und Zahlung").click()
    axe(page, "fees page")
    if javascript:  # a row is added in place; without JavaScript the page has empty rows
        expect(page.locator("#in-form-fees-2-amount")).to_have_count(0)
        page.get_by_role("button", name="Zeile hinzufügen").click()
        expect(page.locator("#in-form-fees-2-label-de")).to_be_focused()
        expect(page.locator("#in-form-fees-2-amount")).to_have_value("")
    else:
        expect(page.get_by_role("button", name="Weitere leere Zeilen anzeigen")).to_be_visible()
    amount = page.get_by_label("Betrag in Euro").first
    amount.fill("15,x")
    page.get_by_role("button", name="Als neue Version speichern").click()
    expect(page.locator("#error-summary")).to_contain_text("Betrag in Euro")
    expect(amount).to_have_value("15,x")
    axe(page, "fees page with an error")
    amount.fill("15,00")
    page.get_by_role("button", name="Als neue Version speichern").click()
    expect(page.locator(".page-message")).to_contain_text("Version 2")

    # A new field on the step "Urkunde".
    page.get_by_role("link", name="Formular").click()
    axe(page, "steps")
    page.get_by_role("link", name="Urkunde", exact=True).click()
    axe(page, "step page")
    page.get_by_label("Typ des neuen Felds").select_option("text")
    page.get_by_role("button", name="Feld hinzufügen").click()
    axe(page, "new field")
    page.get_by_label("ID des Felds").fill("file_number")
    page.get_by_label("Beschriftung (Deutsch)").fill("Aktenzeichen des Standesamts")
    page.get_by_label("Beschriftung (Englisch)").fill("File number of the registry office")
    page.get_by_label("Pflichtangabe").uncheck()
    page.get_by_role("button", name="Als neue Version speichern").click()
    expect(page.locator("main table")).to_contain_text("Aktenzeichen des Standesamts")

    # The preview shows it as citizens will; the comparison names the changed fee.
    page.get_by_role("link", name="Vorschau dieses Schritts").click()
    expect(page.locator("main")).to_contain_text("Vorschau – nichts wird gespeichert")
    expect(page.get_by_label("Aktenzeichen des Standesamts")).to_be_visible()
    axe(page, "preview")
    page.goto(portal.url(f"{EDITOR}/"))
    page.get_by_role("link", name="Mit der veröffentlichten Version vergleichen").click()
    expect(page.locator("ins", has_text='amount: "15.00"')).to_have_count(1)
    expect(page.locator("del", has_text='amount: "12.00"')).to_have_count(1)
    axe(page, "comparison")
    for where, path in [("texts", "/texts/"), ("settings", "/settings/"),
                        ("delete a field", "/fields/file_number/delete/")]:
        page.goto(portal.url(f"{EDITOR}{path}"))
        axe(page, where)

    page.goto(portal.url(f"{EDITOR}/"))
    page.get_by_role("button", name="Version 3 veröffentlichen").click()
    expect(page.locator(".page-message")).to_contain_text("Version 3")
    axe(page, "overview after publishing")
    if javascript:  # the English pages once
        for where, path in [("list", "/en/staff/services/"),
                            ("overview", "/en/staff/services/geburtsurkunde/"),
                            ("field", "/en/staff/services/geburtsurkunde/fields/copies/"),
                            ("comparison", "/en/staff/services/geburtsurkunde/versions/3/compare/"),
                            ("preview",
                             "/en/staff/services/geburtsurkunde/versions/3/preview/certificate/")]:
            page.goto(portal.url(path))
            assert page.locator("html").get_attribute("lang") == "en"
            axe(page, f"{where} (English)")

    # A citizen: two copies now cost 30 euros, and the step asks for the file number.
    citizen = Client()
    journey = birth_certificate(citizen, copies=2, language="de")
    shown = new_page(javascript=javascript)
    shown.context.add_cookies([{"name": "sessionid", "value": citizen.cookies["sessionid"].value,
                                "url": portal.base_url}])
    shown.goto(portal.url(journey.step_url))
    expect(shown.locator("main")).to_contain_text("30,00 €")
    shown.goto(portal.url(journey.step_url.replace("/check/", "/certificate/")))
    expect(shown.get_by_label("Aktenzeichen des Standesamts")).to_be_visible()
