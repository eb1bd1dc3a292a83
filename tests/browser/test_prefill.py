"""Signed in with the online ID card, a citizen applies for a certificate of registration.

The name, date of birth and address arrive filled in, marked verified and read-only; the check
page and the submission say which answers came verified from BundID. The sign-in itself is
tested against the identity provider elsewhere: here the browser gets a session made by
``identity.testing.sign_in_client``, through the same session API a real sign-in ends in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from rathaus.applications.models import Submission
from rathaus.identity.levels import TrustLevel
from rathaus.identity.testing import ERIKA, sign_in_client

from .conftest import Portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "meldebescheinigung"
VERIFIED = {
    "applicant_name-given_names": "Erika", "applicant_name-family_name": "Mustermann",
    "applicant_birth_date": "1964-08-12",
    "applicant_address-street": "Heidestraße", "applicant_address-number": "17",
    "applicant_address-postcode": "31000", "applicant_address-city": "Musterstadt",
}
BADGE = {"de": "Über BundID bestätigt", "en": "Verified by BundID"}


def signed_in_page(new_page: Callable[..., Page], portal: Portal, *, javascript: bool,
                   level: TrustLevel = TrustLevel.HIGH, in_town: bool = True) -> Page:
    """Open a page whose browser carries the session of Erika, signed in at ``level``."""
    client = Client()
    # By default Erika as BundID knows her after moving to the town (a Meldebescheinigung
    # needs that); otherwise as her ID card says, in Köln.
    here = {"postal_code": "31000", "city": "Musterstadt"} if in_town else {}
    sign_in_client(client, level=level, attributes={**ERIKA, **here})
    page = new_page(javascript=javascript)
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": portal.base_url,
    }])
    return page


def continue_(page: Page) -> None:
    page.locator('.form-actions button[value="continue"]').click()


@pytest.mark.parametrize(("language", "javascript"), [("de", True), ("en", False)],
                         ids=["de-js", "en-nojs"])
def test_verified_details_arrive_prefilled_and_read_only(
    portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
    artifacts: Path, language: str, javascript: bool, mailoutbox: list[Any],
) -> None:
    page = signed_in_page(new_page, portal, javascript=javascript)
    page.goto(portal.url(f"/{language}/services/{SLUG}/apply/"))
    expect(page.locator("h1")).to_have_count(1)
    axe(page, "before you start, signed in")
    page.locator(f'form[action$="/services/{SLUG}/apply/"] button').click()

    expect(page).to_have_url(re.compile(r"/certificate/$"))
    page.locator("#certificate_type-0").check()
    page.locator("#for_whom-0").check()
    continue_(page)

    expect(page).to_have_url(re.compile(r"/applicant/$"))
    for name, value in VERIFIED.items():
        field = page.locator(f'[name="{name}"]')
        expect(field).to_have_value(value)
        expect(field).to_have_attribute("readonly", "")
        expect(field).to_be_editable(editable=False)
        expect(field).to_be_enabled()
    notes = page.locator(".verified-note")
    expect(notes).to_have_count(3)
    for index in range(3):
        expect(notes.nth(index)).to_be_visible()
        expect(notes.nth(index)).to_contain_text(BADGE[language])
    # Read-only fields are still reached with the keyboard, and described by the note.
    street = page.locator('[name="applicant_address-street"]')
    street.focus()
    expect(street).to_be_focused()
    expect(street).to_have_accessible_description(re.compile(BADGE[language]))
    axe(page, "applicant step, prefilled")
    page.screenshot(path=artifacts / f"prefill-meldebescheinigung-{language}.png",
                    full_page=True)
    continue_(page)

    expect(page).to_have_url(re.compile(r"/delivery/$"))
    page.locator("#delivery_method-0").check()
    page.locator("#applicant_email").fill("erika.mustermann@example.org")
    continue_(page)

    expect(page).to_have_url(re.compile(r"/check/$"))
    marks = page.locator("main .verified-mark")
    expect(marks).to_have_count(3)
    expect(marks.first).to_contain_text(BADGE[language])
    axe(page, "check your answers, verified marks")
    page.screenshot(path=artifacts / f"prefill-check-{language}.png", full_page=True)
    page.locator('form:has(input[name="draft"]) button[type="submit"]').click()

    expect(page).to_have_url(re.compile(r"/submitted/[^/]+/$"))
    axe(page, "confirmation")
    reference = page.locator(".reference").inner_text().strip()
    submission = Submission.objects.get(reference=reference)
    assert submission.citizen is not None
    assert set(submission.verified_fields) == {"applicant_name", "applicant_birth_date",
                                               "applicant_address"}
    assert submission.answers["applicant_address"]["street"] == "Heidestraße"
    assert [message.to for message in mailoutbox] == [["erika.mustermann@example.org"]]


def test_below_the_level_the_page_offers_the_step_up(
    portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None], artifacts: Path,
) -> None:
    page = signed_in_page(new_page, portal, javascript=False, level=TrustLevel.BASIC)
    response = page.goto(portal.url(f"/en/services/{SLUG}/apply/"))
    assert response is not None
    assert response.status == 403
    step_up = page.locator("form.step-up")
    expect(step_up.locator('input[name="level"]')).to_have_value("substantial")
    expect(step_up.locator('input[name="next"]')).to_have_value(f"/en/services/{SLUG}/apply/")
    expect(step_up.get_by_role("button", name="Sign in again with BundID")).to_be_visible()
    axe(page, "sign-in required, signed in at basic")
    page.screenshot(path=artifacts / "prefill-step-up-en.png", full_page=True)


def test_a_verified_address_outside_the_town_ends_at_an_accessible_exit_page(
    portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None], artifacts: Path,
) -> None:
    page = signed_in_page(new_page, portal, javascript=True, in_town=False)
    page.goto(portal.url(f"/de/services/{SLUG}/apply/"))
    page.locator(f'form[action$="/services/{SLUG}/apply/"] button').click()
    expect(page).to_have_url(re.compile(r"/certificate/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ihre Anschrift liegt nicht in Musterstadt")
    expect(page.locator("main")).to_contain_text("Heidestraße 17, 51147 Köln")
    expect(page.locator("main")).to_contain_text("Meldebehörde Ihres Wohnorts")
    expect(page.locator('[name="certificate_type"]')).to_have_count(0)
    axe(page, "exit page, address outside the town")
    page.screenshot(path=artifacts / "prefill-outside-town-de.png", full_page=True)
