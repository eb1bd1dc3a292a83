"""Mein Rathaus in the browser: sign in by e-mail link, look around, download my data.

Every page is checked with axe-core, with and without JavaScript; the pages are photographed in
German and English (test-artifacts/account-*.png).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from playwright.sync_api import Page, expect

from rathaus.account.services import deliver_message
from rathaus.account.tests import factories
from rathaus.applications.models import SubmissionStatus
from rathaus.appointments.models import BookingStatus
from rathaus.appointments.tests.pages import path_of
from rathaus.identity.testing import sign_in_client

from .conftest import Portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADINGS = {
    "de": {"sign_in": "Anmelden", "email": "Mit E-Mail-Link anmelden",
           "sent": "Prüfen Sie Ihre E-Mails", "confirm": "In Mein Rathaus anmelden",
           "home": "Mein Rathaus", "my_data": "Meine Daten"},
    "en": {"sign_in": "Sign in", "email": "Sign in with an e-mail link",
           "sent": "Check your e-mail", "confirm": "Sign in to Mein Rathaus",
           "home": "Mein Rathaus", "my_data": "My data"},
}


def settle(page: Page) -> None:
    page.evaluate("document.fonts.ready.then(() => Promise.all([...document.fonts]"
                  ".filter(font => font.status === 'loading').map(font => font.loaded)))"
                  ".then(() => true)")


def sign_in_link(mailoutbox: list[Any], address: str) -> str:
    for message in reversed(mailoutbox):
        if address in message.to:
            found = re.search(r"https?://\S+/anmelden/e-mail/\S+/", message.body)
            if found:
                return path_of(found.group(0))
    raise AssertionError(f"no sign-in link to {address}")


@pytest.mark.parametrize(("language", "javascript"), [("de", True), ("en", False)],
                         ids=["de-js", "en-nojs"])
def test_sign_in_by_e_mail_look_around_and_download_my_data(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        mailoutbox: list[Any], language: str, javascript: bool) -> None:
    texts = HEADINGS[language]
    page = new_page(javascript=javascript)

    def arrive(name: str) -> None:
        expect(page.get_by_role("heading", level=1)).to_have_text(texts[name])
        axe(page, f"{name} ({language}, JavaScript {'on' if javascript else 'off'})")

    page.goto(portal.url(f"/{language}/"))
    page.locator(".site-header__account a").click()
    arrive("sign_in")
    expect(page.locator('form[action="/identity/saml/login/"] input[name="level"]')
           ).to_have_value("basic")
    page.locator(f'a[href^="/{language}/anmelden/e-mail/"]').first.click()
    arrive("email")

    # A mistake first: the error summary links to the field, and what was typed stays.
    page.locator("#email").fill("erika@")
    page.locator("form .form-actions button").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email")).to_have_value("erika@")
    axe(page, "e-mail form with an error")
    summary.locator('a[href="#email"]').click()
    expect(page.locator("#email")).to_be_focused()

    page.locator("#email").fill("erika@example.org")
    page.locator("form .form-actions button").click()
    arrive("sent")
    expect(page.locator("main")).to_contain_text("erika@example.org")

    page.goto(portal.url(sign_in_link(mailoutbox, "erika@example.org")))
    arrive("confirm")
    page.locator("main form button").click()
    # Back where the sign-in started (the start page), now with Mein Rathaus in the header.
    expect(page).to_have_url(portal.url(f"/{language}/"))
    page.locator(".site-header__account a").click()
    arrive("home")

    for section in ("applications", "appointments", "drafts", "mailbox"):
        page.locator(f'.account-nav a[href$="/{_slug(section)}/"]').click()
        expect(page.locator(".account-nav [aria-current=page]")).to_have_count(1)
        axe(page, f"{section} ({language})")

    page.locator('.account-nav a[href$="/meine-daten/"]').click()
    arrive("my_data")
    with page.expect_download() as info:
        page.locator('a[href$="/mein-rathaus.json"]').click()
    with open(info.value.path(), encoding="utf-8") as handle:
        data = json.load(handle)
    assert data["account"]["email_for_notices"] == "erika@example.org"
    assert data["account"]["signed_in_with"] in ("e-mail link", "E-Mail-Link")

    # Signing out is a button in the header; afterwards Mein Rathaus asks to sign in again.
    page.locator(".site-header__account button").click()
    expect(page.locator(".site-header__account")).not_to_contain_text("Mein Rathaus")
    page.goto(portal.url(f"/{language}/mein-rathaus/"))
    expect(page).to_have_url(re.compile(r"/anmelden/\?next="))


def _slug(section: str) -> str:
    return {"applications": "antraege", "appointments": "termine", "drafts": "entwuerfe",
            "mailbox": "postfach"}[section]


def erika_with_things() -> Client:
    """Erika signed in with BundID, with an application, an appointment, a draft, messages."""
    client = Client()
    citizen = sign_in_client(client)
    factories.submission(citizen, status=SubmissionStatus.IN_PROGRESS)
    factories.submission(citizen)
    factories.booking(citizen.person_key, days_ahead=4)
    factories.booking(citizen.person_key, days_ahead=6, status=BookingStatus.CANCELLED)
    factories.registration(citizen.person_key)
    factories.draft(citizen)
    deliver_message(citizen=citizen, subject="Ihr Bescheid zur Hundesteuer",
                    body="Guten Tag,\n\nanbei Ihr Bescheid.\n\nMit freundlichen Grüßen",
                    attachment=ContentFile(b"%PDF-1.7", name="bescheid.pdf"), notify=False)
    deliver_message(citizen=citizen, subject="Willkommen in Mein Rathaus", body="Willkommen.",
                    notify=False)
    return client


PAGES = [("home", ""), ("applications", "antraege/"), ("appointments", "termine/"),
         ("drafts", "entwuerfe/"), ("mailbox", "postfach/"), ("my-data", "meine-daten/"),
         ("delete", "konto-loeschen/")]


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_page_is_accessible_and_photographed(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        artifacts: Path, language: str) -> None:
    # The dog registration is published by `portal`; the factories find it there.
    client = erika_with_things()
    page = new_page(javascript=False, width=1280)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": portal.base_url}])
    for name, path in PAGES:
        page.goto(portal.url(f"/{language}/mein-rathaus/{path}"))
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        axe(page, f"{name} ({language})")
        settle(page)
        page.screenshot(path=artifacts / f"account-{name}-{language}.png", full_page=True)
    page.goto(portal.url(f"/{language}/mein-rathaus/postfach/"))
    page.locator(".mailbox a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen in Mein Rathaus")
    axe(page, f"message ({language})")
    page.screenshot(path=artifacts / f"account-message-{language}.png", full_page=True)
    for name, path in [("sign-in", "anmelden/"), ("email", "anmelden/e-mail/")]:
        anonymous = new_page(javascript=True, width=1280)
        anonymous.goto(portal.url(f"/{language}/{path}"))
        axe(anonymous, f"{name} ({language})")
        settle(anonymous)
        anonymous.screenshot(path=artifacts / f"account-{name}-{language}.png", full_page=True)


def test_mein_rathaus_fits_a_small_screen(portal: Portal, new_page: Callable[..., Page],
                                          axe: Callable[..., None], artifacts: Path) -> None:
    client = erika_with_things()
    page = new_page(javascript=True, width=320, height=640)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": portal.base_url}])
    for name, path in PAGES[:5]:
        page.goto(portal.url(f"/de/mein-rathaus/{path}"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{name} scrolls sideways ({width} px)"
        axe(page, f"{name} at 320 px")
        settle(page)
        page.screenshot(path=artifacts / f"account-{name}-de-320.png", full_page=True)
