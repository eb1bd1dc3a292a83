"""A clerk's first sign-in: set up the app, keep the recovery codes, open the inbox; then again."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from rathaus.applications.tests.hund import OWNER, dog
from rathaus.applications.tests.journey import Journey
from rathaus.audit.models import Action, AuditEvent
from rathaus.staff.tests.factories import PASSWORD, code_for, staff_user

from .conftest import Portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submitted_dog_registration() -> str:
    journey = Journey(Client(), "hund-anmelden").start()
    journey.answer("owner", OWNER)
    journey.answer("keeping", {"commercial": "no", "moved_here": "no"})
    journey.answer("dogs", {"dogs-count": "1", **dog(0, "Bello")})
    journey.answer("insurance", {"insurer": "Musterversicherung AG", "policy_number": "HV-1"})
    journey.answer("payment", {"payment_method": "transfer"})
    journey.answer("declaration", {"truthful": "yes"})
    return journey.submit().reference


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_clerk_sets_up_two_factor_authentication_and_opens_the_inbox(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        artifacts: Path, javascript: bool) -> None:
    reference = submitted_dog_registration()
    staff_user("steuer", clerk_of=("steueramt",), with_app=False)
    mode = "js" if javascript else "nojs"
    page = new_page(javascript=javascript)

    page.goto(portal.url("/de/staff/submissions/"))
    expect(page).to_have_url(re.compile(r"/de/staff/login/\?next=/de/staff/submissions/$"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    axe(page, "sign-in")
    page.fill("#id_username", "steuer")
    page.fill("#id_password", "falsch-falsch")
    page.click("form.application-form button[type=submit]")
    summary = page.locator("#error-summary")
    expect(summary.locator('a[href="#id_username"]')).to_have_count(1)
    if javascript:
        expect(summary).to_be_focused()
    axe(page, "sign-in with a wrong password")
    page.fill("#id_password", PASSWORD)
    page.click("form.application-form button[type=submit]")

    expect(page).to_have_url(portal.url("/de/staff/login/setup/"))
    qr = page.locator("img.qr-code")
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml")
    assert page.evaluate("document.querySelector('img.qr-code').naturalWidth") > 100
    axe(page, "enrolment")
    page.screenshot(path=artifacts / f"staff-enrolment-{mode}.png", full_page=True)
    device = TOTPDevice.objects.get(user__username="steuer")
    page.fill("#id_code", wrong(code_for(device)))
    page.click("form.application-form button[type=submit]")
    code_input = page.locator("#id_code")
    expect(code_input).to_have_attribute("aria-invalid", "true")
    expect(page.locator('#error-summary a[href="#id_code"]')).to_have_count(1)
    axe(page, "enrolment with a wrong code")
    page.screenshot(path=artifacts / f"staff-enrolment-error-{mode}.png", full_page=True)
    page.fill("#id_code", code_for(device))
    page.click("form.application-form button[type=submit]")

    expect(page).to_have_url(portal.url("/de/staff/recovery-codes/"))
    expect(page.locator("ol.recovery-codes li")).to_have_count(10)
    axe(page, "recovery codes")
    page.screenshot(path=artifacts / f"staff-recovery-codes-{mode}.png", full_page=True)
    page.click("a.kern-btn--primary")

    expect(page).to_have_url(portal.url("/de/staff/submissions/"))
    expect(page.locator("main")).to_contain_text(reference)
    axe(page, "inbox")
    page.screenshot(path=artifacts / f"staff-inbox-{mode}.png", full_page=True)
    page.click(f"a[href$='/staff/submissions/{reference}/']")
    expect(page.locator("h1")).to_contain_text(reference)
    expect(page.locator("main")).to_contain_text("Bello")
    axe(page, "submission")
    page.screenshot(path=artifacts / f"staff-submission-{mode}.png", full_page=True)

    page.click(".staff-account button[type=submit]")
    expect(page).to_have_url(portal.url("/de/staff/login/"))
    axe(page, "signed out")
    page.fill("#id_username", "steuer")
    page.fill("#id_password", PASSWORD)
    page.click("form.application-form button[type=submit]")
    expect(page).to_have_url(portal.url("/de/staff/login/code/"))
    axe(page, "code")
    page.fill("#id_code", wrong(code_for(device, steps_ahead=1)))
    page.click("form.application-form button[type=submit]")
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")
    axe(page, "code with a wrong code")
    page.screenshot(path=artifacts / f"staff-code-error-{mode}.png", full_page=True)
    page.fill("#id_code", code_for(device, steps_ahead=1))
    page.click("form.application-form button[type=submit]")
    expect(page).to_have_url(portal.url("/de/staff/"))
    axe(page, "staff start page")
    page.screenshot(path=artifacts / f"staff-home-{mode}.png", full_page=True)

    assert AuditEvent.objects.filter(action=Action.SUBMISSION_VIEWED,
                                     object_id=reference).count() == 1
    assert AuditEvent.objects.filter(action=Action.SIGNIN).count() == 2
