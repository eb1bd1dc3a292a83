"""A clerk drafts and sends the notice of a refusal; the citizen retrieves it on the status page."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from rathaus.applications.links import status_token
from rathaus.cases.models import CaseNotice, CaseState
from rathaus.cases.services import change_state
from rathaus.cases.tests.factories import application
from rathaus.notices.services import load_default_templates
from rathaus.staff.tests.factories import staff_user

from .conftest import Portal
from .test_cases import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_clerk_sends_the_notice_and_the_citizen_retrieves_it(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        artifacts: Path, javascript: bool) -> None:
    load_default_templates()
    case = application("hund-anmelden", email="erika@example.org")
    clerk = staff_user("steuer", clerk_of=("steueramt",))
    case = change_state(case_id=case.pk, to=CaseState.IN_PROGRESS, actor=clerk,
                        expected_version=case.version)
    case = change_state(case_id=case.pk, to=CaseState.DECIDED, actor=clerk,
                        expected_version=case.version, outcome="refused")
    mode = "js" if javascript else "nojs"
    page = new_page(javascript=javascript)
    sign_in(page, portal, "steuer")

    page.goto(portal.url(f"/de/staff/submissions/{case.reference}/"))
    section = page.locator(".case-notice-section")
    expect(section).to_contain_text("Bescheid entwerfen")
    page.click("form.notice-draft-form button[type=submit]")
    expect(page.locator('#error-summary a[href="#id_justification"]')).to_have_count(1)
    expect(page.locator("#id_justification")).to_have_attribute("aria-invalid", "true")
    axe(page, "case, notice without reasons")
    page.screenshot(path=artifacts / f"notice-error-{mode}.png", full_page=True)

    page.fill("#id_justification", "Der Hund ist nicht in der Stadt gemeldet.")
    page.click("form.notice-draft-form button[type=submit]")
    expect(page.locator(".case-notice-draft")).to_contain_text("Entwurf des Bescheids")
    expect(page.locator("a.notice-preview")).to_have_attribute("target", "_blank")
    axe(page, "case, notice drafted")
    page.click("form.notice-send button[type=submit]")
    expect(page.locator(".case-notice-sent .notice-channel")).to_contain_text("zum Abruf online")
    expect(page.locator(".case-timeline")).to_contain_text("zum Abruf online bereitgestellt")
    axe(page, "case, notice sent")
    page.screenshot(path=artifacts / f"notice-sent-{mode}.png", full_page=True)

    item = CaseNotice.objects.select_related("notice").get(case=case)
    assert item.notice is not None
    citizen = new_page(javascript=javascript)
    citizen.goto(portal.url(f"/en/status/{status_token(case.submission)}/"))
    notices = citizen.locator(".case-notices")
    expect(notices).to_contain_text("You can retrieve the notice here until")
    expect(citizen.locator(".case-history")).to_contain_text(
        "A notice was provided for you to retrieve until")
    axe(citizen, "status page with a notice")
    citizen.screenshot(path=artifacts / f"notice-status-{mode}.png", full_page=True)
    with citizen.expect_download() as download:
        citizen.click("a.notice-download")
    path = download.value.path()
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == item.notice.sha256

    citizen.reload()
    expect(citizen.locator(".case-notices .notice-given")).to_contain_text("It counts as given on")
    expect(citizen.locator(".case-history")).to_contain_text("You retrieved the notice on")
    axe(citizen, "status page, notice retrieved")
    page.reload()
    expect(page.locator(".case-notice-sent .notice-given")).not_to_have_text("–")
