"""The whole story through (simulated) BundID: sign in at level high, apply, Mein Rathaus.

Nothing is faked between browser and portal: the portal sends a signed AuthnRequest to the
development simulator, which answers with a PSS-signed response carrying an AES-GCM encrypted
assertion, through the same checks as BundID's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rathaus.applications.models import Submission
from rathaus.identity.levels import TrustLevel
from rathaus.identity.models import Citizen
from rathaus.identity.people import person_key

from .conftest import Portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "meldebescheinigung"
TEXTS = {
    "de": {"required": "Anmeldung erforderlich", "simulator": "BundID-Simulator",
           "to_bundid": "Weiter zu BundID", "back": "Zurück zum Portal", "verified":
           "Über BundID bestätigt", "applications": "Meine Anträge", "my_data": "Meine Daten"},
    "en": {"required": "Sign-in required", "simulator": "BundID simulator",
           "to_bundid": "Continue to BundID", "back": "Back to the portal", "verified":
           "Verified by BundID", "applications": "My applications", "my_data": "My data"},
}


@pytest.fixture
def bundid_at(portal: Portal, settings: Any) -> None:
    """The simulator answers for the live server's address (BundID checks the real one)."""
    settings.RATHAUS_BASE_URL = portal.base_url


def _carry_on(page: Page, javascript: bool, button: str, axe: Callable[..., None],
              where: str) -> None:
    """A page that posts a SAML message on: sends itself with JavaScript, else a button."""
    if javascript:
        return
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page, where)
    page.get_by_role("button", name=button).click()


@pytest.mark.usefixtures("bundid_at")
@pytest.mark.parametrize(("language", "javascript"), [("de", True), ("en", False)],
                         ids=["de-js", "en-nojs"])
def test_sign_in_at_level_high_apply_prefilled_and_find_it_in_mein_rathaus(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        artifacts: Path, language: str, javascript: bool) -> None:
    texts = TEXTS[language]
    page = new_page(javascript=javascript)

    # The service needs a sign-in: the page says so and offers BundID.
    response = page.goto(portal.url(f"/{language}/services/{SLUG}/apply/"))
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(texts["required"])
    axe(page, "sign-in required")
    page.locator("form.step-up button").click()
    _carry_on(page, javascript, texts["to_bundid"], axe, "to BundID")

    # The simulator shows what the portal asked for; Max (who lives in the town, as a
    # Meldebescheinigung needs) confirms with the online ID card.
    expect(page.get_by_role("heading", level=1)).to_have_text(texts["simulator"])
    expect(page).to_have_url(portal.url("/identity/simulator/sso/"))
    axe(page, "simulator")
    page.screenshot(path=artifacts / f"bundid-simulator-{language}.png", full_page=True)
    page.locator('input[name="persona"][value="max"]').check()
    page.locator(f'input[name="level"][value="{int(TrustLevel.HIGH)}"]').check()
    page.locator("main form button[type=submit]").click()
    _carry_on(page, javascript, texts["back"], axe, "back to the portal")

    # Back where the sign-in started, now signed in at level high.
    expect(page).to_have_url(portal.url(f"/{language}/services/{SLUG}/apply/"))
    expect(page.locator(".site-header__account")).to_contain_text("Mein Rathaus")
    citizen = Citizen.objects.get()
    assert citizen.person_key == person_key(bundid_key="sim-bpk2-max-meier")
    assert citizen.highest_level == TrustLevel.HIGH
    page.locator(f'form[action$="/services/{SLUG}/apply/"] button').click()

    expect(page).to_have_url(re.compile(r"/certificate/$"))
    page.locator("#certificate_type-0").check()
    page.locator("#for_whom-0").check()
    page.locator('.form-actions button[value="continue"]').click()

    # Name, date of birth and address from the ID card: filled in, marked, read-only.
    expect(page).to_have_url(re.compile(r"/applicant/$"))
    expect(page.locator('[name="applicant_name-family_name"]')).to_have_value("Meier")
    expect(page.locator('[name="applicant_address-city"]')).to_have_value("Musterstadt")
    expect(page.locator('[name="applicant_address-city"]')).to_have_attribute("readonly", "")
    expect(page.locator(".verified-note").first).to_contain_text(texts["verified"])
    axe(page, "applicant, prefilled")
    page.screenshot(path=artifacts / f"bundid-prefilled-{language}.png", full_page=True)
    page.locator('.form-actions button[value="continue"]').click()

    expect(page).to_have_url(re.compile(r"/delivery/$"))
    page.locator("#delivery_method-0").check()
    page.locator("#applicant_email").fill("erika.mustermann@example.org")
    page.locator('.form-actions button[value="continue"]').click()
    expect(page).to_have_url(re.compile(r"/check/$"))
    page.locator('form:has(input[name="draft"]) button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/submitted/[^/]+/$"))
    reference = page.locator(".reference").inner_text().strip()
    submission = Submission.objects.get(reference=reference)
    assert submission.citizen_id == citizen.pk
    assert submission.verified_fields["applicant_address"]["level"] == int(TrustLevel.HIGH)

    # Mein Rathaus lists the application; "my data" hands it out.
    page.locator(".site-header__account a").click()
    page.locator('.account-nav a[href$="/antraege/"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(texts["applications"])
    expect(page.locator("main")).to_contain_text(reference)
    axe(page, "Mein Rathaus, applications")
    page.screenshot(path=artifacts / f"bundid-mein-rathaus-{language}.png", full_page=True)
    page.locator('.account-nav a[href$="/meine-daten/"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(texts["my_data"])
    with page.expect_download() as info:
        page.locator('a[href$="/mein-rathaus.json"]').click()
    with open(info.value.path(), encoding="utf-8") as handle:
        data = json.load(handle)
    assert reference in json.dumps(data)
    assert "sim-bpk2-max-meier" not in json.dumps(data)


@pytest.mark.usefixtures("bundid_at")
def test_a_refused_answer_shows_an_accessible_explanation(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        artifacts: Path) -> None:
    """The simulator's answer posted twice (as from the browser history) is refused."""
    page = new_page(javascript=False)
    page.goto(portal.url("/de/anmelden/"))
    page.locator('form[action="/identity/saml/login/"] button').click()
    page.get_by_role("button", name="Weiter zu BundID").click()
    page.locator("main form button[type=submit]").click()
    form = page.locator("form[data-autosubmit]")
    fields = {name: form.locator(f'input[name="{name}"]').get_attribute("value") or ""
              for name in ("SAMLResponse", "RelayState")}
    page.get_by_role("button", name="Zurück zum Portal").click()
    expect(page.locator(".site-header__account")).to_contain_text("Mein Rathaus")
    # The same answer again, as from the browser history.
    refused = new_page(javascript=True)
    refused.set_content(
        f'<form method="post" action="{portal.url("/identity/saml/acs/")}">'
        f'<input type="hidden" name="SAMLResponse" value="{fields["SAMLResponse"]}">'
        f'<input type="hidden" name="RelayState" value="{fields["RelayState"]}">'
        '<button type="submit">replay</button></form>')
    refused.get_by_role("button", name="replay").click()
    expect(refused.get_by_role("heading", level=1)).to_have_text(
        "Anmeldung nicht abgeschlossen")
    expect(refused.get_by_role("alert")).to_contain_text("Sie wurden nicht angemeldet")
    axe(refused, "sign-in refused")
    refused.screenshot(path=artifacts / "bundid-refused-de.png", full_page=True)
