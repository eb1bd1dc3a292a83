"""A clerk works a case: workbasket (filtered, empty, wrong input), assign, note, next step."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from rathaus.cases.models import Case, Note
from rathaus.staff.tests.factories import PASSWORD, code_for, staff_user

from .conftest import Portal
from .test_staff import submitted_dog_registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, portal: Portal, username: str) -> None:
    page.goto(portal.url("/de/staff/submissions/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.application-form button[type=submit]")
    page.fill("#id_code", code_for(TOTPDevice.objects.get(user__username=username)))
    page.click("form.application-form button[type=submit]")
    expect(page).to_have_url(portal.url("/de/staff/submissions/"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_clerk_filters_assigns_notes_and_moves_a_case(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        artifacts: Path, javascript: bool) -> None:
    reference = submitted_dog_registration()
    staff_user("steuer", clerk_of=("steueramt",))
    mode = "js" if javascript else "nojs"
    page = new_page(javascript=javascript)
    sign_in(page, portal, "steuer")

    expect(page.locator("h1")).to_have_text("Arbeitskorb")
    expect(page.locator("table.workbasket")).to_contain_text(reference)
    expect(page.locator(".state-counts")).to_contain_text("eingegangen: 1")
    axe(page, "workbasket")
    page.screenshot(path=artifacts / f"cases-workbasket-{mode}.png", full_page=True)

    page.fill("#id_q", "Niemand Bekanntes")
    page.click("form.workbasket-filters button[type=submit]")
    expect(page.locator(".empty-state")).to_contain_text("Kein Vorgang passt zu diesen Filtern.")
    expect(page.locator("#id_q")).to_have_value("Niemand Bekanntes")
    axe(page, "workbasket, nothing found")

    page.goto(portal.url("/de/staff/submissions/?received_from=31.02.2026"))
    expect(page.locator('#error-summary a[href="#id_received_from"]')).to_have_count(1)
    expect(page.locator("#id_received_from")).to_have_attribute("aria-invalid", "true")
    axe(page, "workbasket, wrong date")
    page.screenshot(path=artifacts / f"cases-workbasket-error-{mode}.png", full_page=True)

    page.goto(portal.url("/de/staff/submissions/"))
    page.click("button[name=take]")
    expect(page.locator(".page-message")).to_contain_text("1 Vorgang zugewiesen an steuer.")
    axe(page, "workbasket, assigned")

    page.click(f"a.reference:text('{reference}')")
    expect(page.locator("h1")).to_contain_text(reference)
    expect(page.locator(".case-assignee")).to_have_text("steuer")
    expect(page.locator("main")).to_contain_text("Bello")
    axe(page, "case")
    page.screenshot(path=artifacts / f"cases-case-{mode}.png", full_page=True)

    page.click("form.case-note-form button[type=submit]")
    expect(page.locator('#error-summary a[href="#id_text"]')).to_have_count(1)
    axe(page, "case, empty note")
    page.fill("#id_text", "Chipnummer telefonisch bestätigt")
    page.click("form.case-note-form button[type=submit]")
    expect(page.locator(".case-notes")).to_contain_text("Chipnummer telefonisch bestätigt")

    page.click("form.case-transition:has(input[value=in_progress]) button")
    expect(page.locator(".case-state")).to_have_text("in Bearbeitung")
    expect(page.locator(".case-timeline")).to_contain_text(
        re.compile(r"steuer: Stand geändert von „eingegangen“ auf „in Bearbeitung“"))
    axe(page, "case, in progress")
    page.screenshot(path=artifacts / f"cases-case-in-progress-{mode}.png", full_page=True)

    case = Case.objects.get(reference=reference)
    assert (case.state, case.assignee_id is not None, case.version) == ("in_progress", True, 4)
    assert Note.objects.get(case=case).text == "Chipnummer telefonisch bestätigt"
