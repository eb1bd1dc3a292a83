"""A clerk at the counter files a dog registration for a visitor, in the browser, with axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from rathaus.applications.models import Submission
from rathaus.applications.tests.hund import OWNER, SIMPLE_STEPS
from rathaus.cases.models import Case
from rathaus.staff.tests.factories import PASSWORD, code_for, staff_user

from .conftest import Portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
START = "/de/staff/on-behalf/"


def sign_in(page: Page, portal: Portal, username: str) -> None:
    page.goto(portal.url(START))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.application-form button[type=submit]")
    page.fill("#id_code", code_for(TOTPDevice.objects.get(user__username=username)))
    page.click("form.application-form button[type=submit]")
    expect(page).to_have_url(portal.url(START))


def answer(page: Page, data: dict[str, str]) -> None:
    """Fill in a step's inputs by name, as a clerk would type or click them."""
    for name, value in data.items():
        if name.endswith("-count"):
            continue  # the hidden count of a repeated group
        field = page.locator(f'[name="{name}"]').first
        kind = field.get_attribute("type")
        if kind == "radio":
            page.check(f'input[name="{name}"][value="{value}"]')
        elif kind == "checkbox":
            page.check(f'input[name="{name}"]')
        else:
            field.fill(value)


def proceed(page: Page) -> None:
    page.click(".form-actions button[value=continue]")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_clerk_files_a_dog_registration_at_the_counter(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        artifacts: Path, javascript: bool) -> None:
    staff_user("steuer", clerk_of=("steueramt",))
    mode = "js" if javascript else "nojs"
    page = new_page(javascript=javascript)
    sign_in(page, portal, "steuer")

    expect(page.locator("h1")).to_have_text("Neuer Antrag in Vertretung")
    axe(page, "on behalf: service choice")
    page.click("form.on-behalf-choice button[type=submit]")
    expect(page.locator('#error-summary a[href="#service-0"]')).to_have_text(
        "Wählen Sie die Leistung, die beantragt werden soll.")
    axe(page, "on behalf: service choice with errors")
    page.check('input[name="service"][value="hund-anmelden"]')
    page.check("#channel-counter")
    page.screenshot(path=artifacts / f"on-behalf-choice-{mode}.png", full_page=True)
    page.click("form.on-behalf-choice button[type=submit]")

    expect(page.locator("h1")).to_have_text("Angaben zur Halterin oder zum Halter")
    expect(page.locator("button[value=save]")).to_have_count(0)
    answer(page, {**OWNER, "owner_name-family_name": "", "owner_email": ""})
    proceed(page)
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator('[name="owner_name-given_names"]')).to_have_value("Erika")
    expect(page.locator('[name="owner_address-street"]')).to_have_value("Lindenallee")
    axe(page, "on behalf: step with an error")
    page.screenshot(path=artifacts / f"on-behalf-step-error-{mode}.png", full_page=True)
    answer(page, {"owner_name-family_name": "Mustermann"})
    proceed(page)
    for _step_id, data in SIMPLE_STEPS[1:]:
        answer(page, data)
        proceed(page)

    expect(page.locator("h1")).to_have_text("Angaben mit der antragstellenden Person prüfen")
    expect(page.locator(".filed-how")).to_contain_text("Es wurde keine E-Mail-Adresse angegeben")
    axe(page, "on behalf: check page")
    page.screenshot(path=artifacts / f"on-behalf-check-{mode}.png", full_page=True)
    page.check("#identity_checked")
    page.click("form.on-behalf-submit button[type=submit]")

    expect(page.locator("h1")).to_have_text("Antrag erfasst")
    submission = Submission.objects.get()
    expect(page.locator(".reference")).to_have_text(submission.reference)
    axe(page, "on behalf: confirmation")
    page.screenshot(path=artifacts / f"on-behalf-done-{mode}.png", full_page=True)
    with page.expect_download() as download:
        page.click("text=Eingangsbestätigung drucken (PDF)")
    assert download.value.suggested_filename.endswith(".pdf")
    case = Case.objects.get(submission=submission)
    assert (case.channel, submission.citizen_id, submission.email) == ("counter", None, "")

    page.click("text=Vorgang öffnen")
    expect(page.locator(".case-filed-by")).to_have_text("steuer")
    expect(page.locator("main")).to_contain_text(re.compile(r"Am Schalter geprüft von steuer"))
